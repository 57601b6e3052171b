"""Horizontal scale on one machine: two bridge processes behind nginx (loopback, WebSocket upgrade
configured). Browsers connected through nginx land on either bridge; every one receives every
event in order; stopping one bridge (SIGTERM: goaway, close 1001) moves its browsers to the other,
which resumes them from their positions without a gap."""
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import grpc
import pytest
import websockets

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "interop"))
sys.path.insert(0, os.path.join(HERE, "..", "system"))
import common  # noqa: E402
from cluster import Cluster, Service  # noqa: E402

common.generate_stubs()
from courtside.v1 import common_pb2 as cpb  # noqa: E402
from courtside.v1 import schedule_pb2 as schpb  # noqa: E402
from courtside.v1 import schedule_pb2_grpc as schgrpc  # noqa: E402
from courtside.v1 import score_pb2 as spb  # noqa: E402
from courtside.v1 import score_pb2_grpc as sgrpc  # noqa: E402

GAMES = ["scale-1", "scale-2"]
BROWSERS = 40

NGINX_CONF = """
worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  upstream bridges {{
    server 127.0.0.1:{bridge1} max_fails=1 fail_timeout=30s;
    server 127.0.0.1:{bridge2} max_fails=1 fail_timeout=30s;
  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://bridges;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection "upgrade";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_read_timeout 3600s;
      proxy_send_timeout 3600s;
      proxy_buffering off;
      proxy_next_upstream error timeout http_502 http_503;
    }}
  }}
}}
"""


class Browser:
    """A WebSocket client that follows the games and, like the page, resumes after a close."""

    def __init__(self, url, index):
        self.url, self.index = url, index
        self.positions, self.seqs, self.bridges, self.closes = {}, {g: [] for g in GAMES}, [], []

    async def run(self, stop):
        while not stop.is_set():
            try:
                async with websockets.connect(self.url, max_size=2**20) as ws:
                    subscribe = {"type": "subscribe", "games": GAMES, "id": f"b{self.index}"}
                    if self.positions:
                        subscribe["resume"] = self.positions
                    await ws.send(json.dumps(subscribe))
                    async for raw in ws:
                        message = json.loads(raw)
                        kind = message.get("type")
                        if kind == "event":
                            self.seqs[message["game"]].append(message["seq"])
                            self.positions[message["game"]] = {"epoch": message["epoch"], "seq": message["seq"]}
                        elif kind == "snapshot":
                            self.seqs[message["game"]].append(("snapshot", message["reason"], message["seq"]))
                            self.positions[message["game"]] = {"epoch": message["epoch"], "seq": message["seq"]}
                        elif kind == "hello":
                            self.bridges.append(message.get("server"))
                        elif kind == "goaway":
                            await asyncio.sleep(min(message["retryAfterMs"], 2000) / 1000)
                        if stop.is_set():
                            return
                    # The iteration ends quietly on a clean close (1000, 1001).
                    self.closes.append(ws.close_code)
            except websockets.ConnectionClosed as error:
                self.closes.append(error.rcvd.code if error.rcvd else None)
            except OSError as error:
                self.closes.append(str(error))
            await asyncio.sleep(0.2)


def run_browsers(browsers, stop):
    async def main():
        await asyncio.gather(*(browser.run(stop) for browser in browsers))
    asyncio.run(main())


class Publisher(threading.Thread):
    def __init__(self, address):
        super().__init__(daemon=True)
        self.address, self.stop_event, self.last = address, threading.Event(), {}

    def run(self):
        n = 0
        with grpc.insecure_channel(self.address) as channel:
            stub = sgrpc.ScoreServiceStub(channel)
            while not self.stop_event.is_set():
                n += 1
                events = [cpb.Event(game_id=g, source_id=f"scale-{n}", kind=cpb.EVENT_KIND_BASKET, points=2, team_id="BOS",
                                    state=cpb.GameState(home_score=2 * n, period=1, clock_ms=600000, clock_running=True,
                                                        status=cpb.GAME_STATUS_LIVE)) for g in GAMES]
                for result in stub.PublishEvents(spb.PublishEventsRequest(events=events), timeout=10).results:
                    self.last[result.game_id] = result.position.seq
                time.sleep(0.05)


@pytest.fixture()
def setup(tmp_path):
    directory = str(tmp_path)
    cluster = Cluster(directory).start()
    with grpc.insecure_channel(cluster["schedule"].address) as channel:
        schgrpc.ScheduleServiceStub(channel).UpsertGames(schpb.UpsertGamesRequest(games=[
            cpb.Game(id=g, home_team_id="BOS", away_team_id="LAL", date="2026-11-23", start_time_ms=1_800_000_000_000,
                     status=cpb.GAME_STATUS_SCHEDULED) for g in GAMES]))
    bridges = []
    for index in (1, 2):
        http, admin = common.free_port(), common.free_port()
        bridge = Service("bridge", [
            "--http-port", str(http), "--admin-port", str(admin), "--log-level", "notice", "--shutdown-grace-seconds", "5",
            "--subscription-addr", cluster["subscription"].address, "--score-addr", cluster["score"].address,
            "--schedule-addr", cluster["schedule"].address, "--allowed-origins", "*", "--trusted-proxies", "127.0.0.1",
            "--reconnect-spread-ms", "1000", "--static-dir", os.path.join(common.ROOT, "services", "bridge", "public"),
        ], http_port=http, admin_port=admin, log_dir=directory)
        bridge.log_path = os.path.join(directory, f"bridge{index}.log")
        bridges.append(bridge.start())
    port = common.free_port()
    conf = os.path.join(directory, "nginx.conf")
    with open(conf, "w") as fh:
        fh.write(NGINX_CONF.format(dir=directory, port=port, bridge1=bridges[0].http_port, bridge2=bridges[1].http_port))
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        os.makedirs(os.path.join(directory, sub), exist_ok=True)
    nginx = subprocess.Popen(["nginx", "-c", conf, "-p", directory], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    common.wait_for_port(port)
    yield cluster, bridges, port
    common.stop(nginx)
    for bridge in bridges:
        bridge.stop()
    cluster.stop()


def test_two_bridges_behind_nginx_lose_nothing_when_one_stops(setup):
    cluster, bridges, port = setup
    publisher = Publisher(cluster["score"].address)
    browsers = [Browser(f"ws://127.0.0.1:{port}/ws", i) for i in range(BROWSERS)]
    stop = threading.Event()
    loop_thread = threading.Thread(target=run_browsers, args=(browsers, stop), daemon=True)
    loop_thread.start()
    time.sleep(2)
    publisher.start()
    time.sleep(3)
    first_bridges = {b.bridges[0] if b.bridges else None for b in browsers}
    assert bridges[0].stop() == 0, "the first bridge did not drain cleanly"
    time.sleep(4)
    publisher.stop_event.set()
    publisher.join(timeout=10)
    deadline = time.time() + 20
    while time.time() < deadline and not all(
        b.positions.get(g, {}).get("seq", 0) >= publisher.last[g] for b in browsers for g in GAMES
    ):
        time.sleep(0.2)
    stop.set()
    loop_thread.join(timeout=10)

    moved = [b for b in browsers if 1001 in b.closes]
    assert moved, f"no browser was on the stopped bridge (closes: {[b.closes for b in browsers][:5]})"
    assert len(moved) < BROWSERS, "every browser was on one bridge: nginx did not spread them"
    for browser in browsers:
        for game in GAMES:
            items = browser.seqs[game]
            assert items and isinstance(items[0], tuple) and items[0][1] == "initial", f"browser {browser.index}/{game}: {items[:3]}"
            start = items[0][2]
            events = [s for s in items if not isinstance(s, tuple)]
            assert not any(isinstance(s, tuple) for s in items[1:]), f"browser {browser.index}/{game}: a snapshot after the start {items}"
            assert events == list(range(start + 1, publisher.last[game] + 1)), (
                f"browser {browser.index}/{game}: from {start + 1} to {publisher.last[game]} expected; gaps/duplicates at "
                f"{[b for a, b in zip(events, events[1:]) if b != a + 1][:10]}")
