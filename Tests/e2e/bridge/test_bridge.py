"""`courtside-bridge` end to end, as processes: schedule, score, subscription and bridge on free
loopback ports (SQLite in memory), games created over gRPC, events published to the score
service. Checks the JSON API, SSE (Last-Event-ID resume, errors), WebSocket messages, static
files, metrics and readiness, and SIGTERM (goaway, close 1001, SSE retry + goaway); every
server message and API body is validated against docs/protocol.schema.json.
"""
import base64
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import jsonschema
import pytest

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "interop"))
import common  # noqa: E402

common.generate_stubs()
from courtside.v1 import common_pb2  # noqa: E402
from courtside.v1 import schedule_pb2, schedule_pb2_grpc  # noqa: E402
from courtside.v1 import score_pb2, score_pb2_grpc  # noqa: E402
import grpc  # noqa: E402

BIN = os.environ.get("COURTSIDE_BIN_DIR", os.path.join(common.ROOT, ".build", "debug"))
SCHEMA = json.load(open(os.path.join(common.ROOT, "docs", "protocol.schema.json")))
TODAY = common.game_date()


def validator(name):
    return jsonschema.Draft202012Validator({"$ref": f"#/$defs/{name}", "$defs": SCHEMA["$defs"]})


SERVER_MESSAGE = validator("ServerMessage")
VALIDATED = {"messages": 0, "bodies": 0}


def check(message, name="ServerMessage"):
    (SERVER_MESSAGE if name == "ServerMessage" else validator(name)).validate(message)
    VALIDATED["messages" if name == "ServerMessage" else "bodies"] += 1
    return message


class Process:
    def __init__(self, name, args, workdir, port, cwd=common.ROOT):
        self.name = name
        self.log = open(os.path.join(workdir, f"{name}.log"), "w+")
        self.process = subprocess.Popen([os.path.join(BIN, name), *args], stdout=self.log, stderr=subprocess.STDOUT, cwd=cwd)
        common.wait_for_port(port)

    def logs(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()


class Stack:
    def __init__(self, workdir, bridge_args=()):
        ports = {name: common.free_port() for name in ["schedule", "score", "subscription", "http", "a1", "a2", "a3", "a4"]}
        self.ports = ports
        common_args = ["--log-level", "warning", "--shutdown-grace-seconds", "5"]
        self.processes = []
        self.processes.append(Process("courtside-schedule", ["--grpc-port", str(ports["schedule"]), "--admin-port", str(ports["a1"]),
                                                             "--storage", "sqlite::memory:", *common_args], workdir, ports["schedule"]))
        channel = grpc.insecure_channel(f"127.0.0.1:{ports['schedule']}")
        schedule = schedule_pb2_grpc.ScheduleServiceStub(channel)
        now = int(time.time() * 1000)
        schedule.UpsertGames(schedule_pb2.UpsertGamesRequest(games=[
            common_pb2.Game(id="E2E1", home_team_id="BOS", away_team_id="LAL", start_time_ms=now - 3_600_000, date=TODAY, venue="TD Garden",
                            status=common_pb2.GAME_STATUS_SCHEDULED),
            common_pb2.Game(id="E2E2", home_team_id="NYK", away_team_id="MIA", start_time_ms=now + 3_600_000, date=TODAY, venue="MSG",
                            status=common_pb2.GAME_STATUS_SCHEDULED),
        ]), timeout=10)
        channel.close()
        self.processes.append(Process("courtside-score", ["--grpc-port", str(ports["score"]), "--admin-port", str(ports["a2"]),
                                                          "--storage", "sqlite::memory:", "--schedule-addr", f"127.0.0.1:{ports['schedule']}",
                                                          *common_args], workdir, ports["score"]))
        self.processes.append(Process("courtside-subscription", ["--grpc-port", str(ports["subscription"]), "--admin-port", str(ports["a3"]),
                                                                 "--storage", "sqlite::memory:", "--score-addr", f"127.0.0.1:{ports['score']}",
                                                                 "--schedule-addr", f"127.0.0.1:{ports['schedule']}", *common_args],
                                      workdir, ports["subscription"]))
        self.workdir = workdir
        self.bridge_args = ["--http-port", str(ports["http"]), "--admin-port", str(ports["a4"]),
                            "--score-addr", f"127.0.0.1:{ports['score']}", "--schedule-addr", f"127.0.0.1:{ports['schedule']}",
                            "--subscription-addr", f"127.0.0.1:{ports['subscription']}",
                            "--reconnect-spread-ms", "2000", "--heartbeat-seconds", "1", *common_args, *bridge_args]
        # Started outside the repository with no --static-dir: it serves the page it ships with.
        self.bridge = Process("courtside-bridge", self.bridge_args, workdir, ports["http"], cwd=workdir)
        self.processes.append(self.bridge)
        self.score_channel = grpc.insecure_channel(f"127.0.0.1:{ports['score']}")
        self.score = score_pb2_grpc.ScoreServiceStub(self.score_channel)
        self.count = {}
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.admin("/readyz")[0] == 200:
                break
            time.sleep(0.1)
        else:
            raise AssertionError("the bridge never became ready:\n" + self.bridge.logs())

    def wait_ready(self, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.admin("/readyz")[0] == 200:
                return
            time.sleep(0.1)
        raise AssertionError("the bridge never became ready:\n" + self.bridge.logs())

    def restart_bridge(self):
        """SIGTERM (browsers get goaway), wait for the exit, start a new bridge on the same ports."""
        old = self.bridge
        old.process.send_signal(signal.SIGTERM)
        assert old.process.wait(timeout=15) == 0
        self.bridge = Process("courtside-bridge", self.bridge_args, self.workdir, self.ports["http"], cwd=self.workdir)
        self.processes[self.processes.index(old)] = self.bridge
        self.wait_ready()

    def admin(self, path):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.ports['a4']}{path}", timeout=5) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def publish(self, game, n=1):
        events = []
        for _ in range(n):
            k = self.count.get(game, 0) + 1
            self.count[game] = k
            events.append(common_pb2.Event(
                game_id=game, source_id=f"{game}-{k}", kind=common_pb2.EVENT_KIND_FREE_THROW, team_id="BOS", points=1,
                description=f"free throw {k}",
                state=common_pb2.GameState(home_score=k, away_score=0, period=1, clock_ms=600_000, clock_running=True,
                                           status=common_pb2.GAME_STATUS_LIVE)))
        return self.score.PublishEvents(score_pb2.PublishEventsRequest(events=events), timeout=10).results[-1].position

    def wait_seq(self, game, seq, timeout=10):
        """Waits until the bridge has seen the game up to `seq` (its API reads the relay's head)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            status, _, body = http(self, f"/api/games/{game}")
            if status == 200 and (json.loads(body).get("snapshot") or {}).get("seq", 0) >= seq:
                return
            time.sleep(0.02)
        raise AssertionError(f"the bridge never saw {game} at {seq}")

    def stop(self):
        self.score_channel.close()
        for process in reversed(self.processes):
            common.stop(process.process)


@pytest.fixture(scope="module")
def stack():
    with tempfile.TemporaryDirectory(prefix="bridge-e2e-") as workdir:
        started = Stack(workdir)
        try:
            yield started
        finally:
            started.stop()


def http(stack, path, method="GET", headers=None):
    request = urllib.request.Request(f"http://127.0.0.1:{stack.ports['http']}{path}", method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


# ---------------------------------------------------------------- minimal clients

class WebSocket:
    def __init__(self, port, path="/ws", headers=()):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        key = base64.b64encode(os.urandom(16)).decode()
        extra = "".join(f"{k}: {v}\r\n" for k, v in headers)
        self.sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n{extra}\r\n".encode())
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self.sock.recv(4096)
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        assert head.startswith(b"HTTP/1.1 101"), head
        self.head = head.decode("latin-1")

    def send(self, message):
        payload = json.dumps(message).encode() if not isinstance(message, bytes) else message
        mask = os.urandom(4)
        header = bytes([0x81])
        n = len(payload)
        header += bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack("!H", n)
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def _read(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("closed")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def frame(self):
        b0, b1 = self._read(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self._read(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self._read(8))[0]
        return b0 & 0x0F, self._read(n)

    def next(self, skip_heartbeats=True):
        while True:
            opcode, payload = self.frame()
            if opcode == 1:
                message = check(json.loads(payload))
                if skip_heartbeats and message["type"] == "heartbeat":
                    continue
                return message
            if opcode == 8:
                raise AssertionError(f"closed: {struct.unpack('!H', payload[:2])[0] if len(payload) >= 2 else None}")

    def close_code(self):
        while True:
            opcode, payload = self.frame()
            if opcode == 1:
                check(json.loads(payload))
            if opcode == 8:
                return struct.unpack("!H", payload[:2])[0]


class SSE:
    def __init__(self, port, path, headers=()):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        extra = "".join(f"{k}: {v}\r\n" for k, v in headers)
        self.sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n{extra}\r\n".encode())
        self.raw = b""
        while b"\r\n\r\n" not in self.raw:
            self.raw += self.sock.recv(4096)
        head, self.raw = self.raw.split(b"\r\n\r\n", 1)
        self.head = head.decode()
        self.chunked = "transfer-encoding: chunked" in self.head.lower()
        self.text = ""
        self.retry = []
        self.ended = False

    def _fill(self):
        if self.ended:
            raise EOFError("stream ended")
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("stream ended")
        self.raw += chunk
        if not self.chunked:
            self.text += self.raw.decode()
            self.raw = b""
            return
        while b"\r\n" in self.raw:
            size_line, rest = self.raw.split(b"\r\n", 1)
            size = int(size_line, 16)
            if size == 0:
                self.raw = b""
                self.ended = True
                return
            if len(rest) < size + 2:
                return
            self.text += rest[:size].decode()
            self.raw = rest[size + 2:]

    def event(self):
        """The next SSE message: (fields, message)."""
        while True:
            while "\n\n" not in self.text:
                self._fill()
            block, self.text = self.text.split("\n\n", 1)
            fields = {}
            for line in block.split("\n"):
                if line.startswith(":") or not line:
                    continue
                name, _, value = line.partition(": ")
                fields[name] = value
            if "retry" in fields and "data" not in fields:
                self.retry.append(int(fields["retry"]))
                continue
            message = check(json.loads(fields["data"]))
            assert fields["event"] == message["type"]
            if message["type"] == "heartbeat":
                continue
            return fields, message


# ---------------------------------------------------------------- tests

def test_json_api(stack):
    stack.wait_seq("E2E1", stack.publish("E2E1", 3).seq)
    status, headers, body = http(stack, "/api/teams")
    assert status == 200 and headers["content-type"] == "application/json; charset=utf-8" and headers["cache-control"] == "no-store"
    teams = check(json.loads(body), "TeamsResponse")["teams"]
    assert [t["tricode"] for t in teams] == sorted(t["tricode"] for t in teams) and any(t["id"] == "BOS" for t in teams)

    status, _, body = http(stack, f"/api/games?date={TODAY}")
    games = check(json.loads(body), "GamesResponse")
    by_id = {g["id"]: g for g in games["games"]}
    assert by_id["E2E1"]["snapshot"]["seq"] == 3 and by_id["E2E1"]["home"]["id"] == "BOS"
    # A scheduled game without events has a position already: seq 0 in the game's real epoch,
    # usable as a resume position.
    assert by_id["E2E2"]["snapshot"]["seq"] == 0 and by_id["E2E2"]["snapshot"]["epoch"] > 0
    assert by_id["E2E2"]["snapshot"]["state"]["home"] == 0 and by_id["E2E2"]["snapshot"]["state"]["away"] == 0
    status, _, body = http(stack, "/api/games")
    assert status == 200 and check(json.loads(body), "GamesResponse")["date"] == TODAY

    status, _, body = http(stack, "/api/games/E2E1")
    assert status == 200 and check(json.loads(body), "Game")["snapshot"]["state"]["home"] == 3

    status, _, body = http(stack, "/api/games/E2E1/events?limit=2")
    page = check(json.loads(body), "EventsResponse")
    assert [e["seq"] for e in page["events"]] == [3, 2] and page["nextBefore"] == 2
    status, _, body = http(stack, f"/api/games/E2E1/events?before={page['nextBefore']}&limit=50")
    page = check(json.loads(body), "EventsResponse")
    assert [e["seq"] for e in page["events"]] == [1] and page["nextBefore"] is None

    for path, code, error in [("/api/games/NOPE", 404, "unknown_game"), ("/api/games/NOPE/events", 404, "unknown_game"),
                              ("/api/games/E2E1/events?limit=500", 400, "bad_request"), ("/api/games/E2E1/events?before=0", 400, "bad_request"),
                              ("/api/games?date=2024-13-01", 400, "bad_request"), ("/api/nothing", 404, "not_found")]:
        status, _, body = http(stack, path)
        assert status == code, path
        assert check(json.loads(body), "ErrorResponse")["error"]["code"] == error
    status, headers, body = http(stack, "/api/teams", method="POST")
    assert status == 405 and check(json.loads(body), "ErrorResponse")["error"]["code"] == "method_not_allowed"


def test_static_files(stack):
    status, headers, body = http(stack, "/")
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8" and b"<html" in body.lower()
    assert headers["cache-control"] == "no-cache" and "etag" in headers and "last-modified" in headers
    assert "default-src 'self'" in headers["content-security-policy"]
    for name, kind in [("courtside-client.js", "text/javascript; charset=utf-8"), ("styles.css", "text/css; charset=utf-8"),
                       ("favicon.svg", "image/svg+xml")]:
        status, headers, _ = http(stack, f"/{name}")
        assert status == 200 and headers["content-type"] == kind, name
    status, headers, body = http(stack, "/app.js", method="HEAD")
    assert status == 200 and body == b"" and int(headers["content-length"]) > 0
    status, _, _ = http(stack, "/app.js", headers={"If-None-Match": headers["etag"]})
    assert status == 304
    for path in ["/../Package.swift", "/%2e%2e/Package.swift", "/.hidden", "/nothing.js", "/public"]:
        status, _, body = http(stack, path)
        assert status == 404, path


def test_a_missing_static_dir_is_refused_by_name(tmp_path):
    missing = str(tmp_path / "no-such-page")
    result = subprocess.run([os.path.join(BIN, "courtside-bridge"), "--http-port", str(common.free_port()),
                             "--admin-port", str(common.free_port()), "--static-dir", missing],
                            capture_output=True, text=True, timeout=30, cwd=str(tmp_path))
    assert result.returncode != 0
    assert missing in result.stderr + result.stdout and "no such folder" in result.stderr + result.stdout


def test_one_upstream_stream_however_many_browsers_follow_whatever(stack):
    # k8s/README.md: a bridge holds one upstream stream (all games), not one per followed game.
    sockets = []
    for games in (["E2E1"], ["E2E2"], ["E2E1", "E2E2"], "*"):
        ws = WebSocket(stack.ports["http"])
        ws.send({"type": "subscribe", "games": games})
        sockets.append(ws)
    def subscribers():
        with urllib.request.urlopen(f"http://127.0.0.1:{stack.ports['a3']}/metrics", timeout=5) as response:
            metrics = response.read().decode()
        return [line for line in metrics.splitlines() if line.startswith("courtside_subscription_subscribers")]

    # The upstream stream opens when the first browser subscribes (under CI load, later than a
    # fixed 0.5 s once): wait for it, then check that the four browsers still share one.
    deadline = time.time() + 10
    while not subscribers() and time.time() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)
    lines = subscribers()
    assert lines and float(lines[0].split()[-1]) == 1, lines
    for ws in sockets:
        ws.sock.close()


def test_an_offered_permessage_deflate_is_declined(stack):
    # docs/protocol.md: no extension is negotiated, every frame goes uncompressed.
    ws = WebSocket(stack.ports["http"], headers=[("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits")])
    assert "sec-websocket-extensions" not in ws.head.lower()
    ws.send({"type": "subscribe", "games": ["E2E1"]})
    frame = ws.sock.recv(2)
    assert frame and frame[0] & 0x40 == 0, "RSV1 set: a compressed frame"
    ws.sock.close()


def test_sse_stream_and_last_event_id(stack):
    position = stack.publish("E2E1")
    stack.wait_seq("E2E1", position.seq)
    stream = SSE(stack.ports["http"], "/events?games=E2E1,NOPE&teams=XXX")
    assert "text/event-stream" in stream.head and "no-store" in stream.head.lower() and "x-accel-buffering: no" in stream.head.lower()
    fields, hello = stream.event()
    assert hello["type"] == "hello" and "id" not in fields
    assert 1000 <= stream.retry[0] <= 5000
    errors = [stream.event()[1], stream.event()[1]]
    assert {e["code"] for e in errors} == {"unknown_game", "unknown_team"} and all("ref" not in e for e in errors)
    _, subscribed = stream.event()
    assert subscribed["type"] == "subscribed" and subscribed["games"] == ["E2E1"] and "id" not in subscribed
    fields, snapshot = stream.event()
    assert snapshot["type"] == "snapshot" and snapshot["reason"] == "initial" and snapshot["seq"] == position.seq
    assert fields["id"] == f"E2E1:{position.epoch}:{position.seq}"
    stack.publish("E2E1", 2)
    cursor = None
    for expected in (position.seq + 1, position.seq + 2):
        fields, event = stream.event()
        assert event["type"] == "event" and event["seq"] == expected
        cursor = fields["id"]
    assert cursor == f"E2E1:{position.epoch}:{position.seq + 2}"
    stream.sock.close()

    # The browser's automatic reconnect: Last-Event-ID wins over the URL's resume.
    stack.wait_seq("E2E1", stack.publish("E2E1", 2).seq)
    again = SSE(stack.ports["http"], f"/events?games=E2E1&resume=E2E1:{position.epoch}:1", headers=[("Last-Event-ID", cursor)])
    assert again.event()[1]["type"] == "hello"
    assert again.event()[1]["type"] == "subscribed"
    seqs = [again.event()[1]["seq"] for _ in range(2)]
    assert seqs == [position.seq + 3, position.seq + 4]
    again.sock.close()


def test_sse_refusals(stack):
    for path, headers, code, error in [
        ("/events?games=bad,id%20x", [], 400, "bad_request"),
        ("/events?resume=E2E1:1", [], 400, "bad_request"),
        ("/events?games=E2E1", [("Last-Event-ID", "nonsense")], 400, "bad_request"),
        ("/events?games=E2E1", [("Origin", "https://elsewhere.example")], 403, "origin_not_allowed"),
        ("/events?games=" + ",".join(f"G{i}" for i in range(201)), [], 400, "too_many_subscriptions"),
        ("/events?resume=" + "x" * 17000, [], 431, "bad_request"),
    ]:
        status, _, body = http(stack, path, headers=dict(headers))
        assert status == code, path
        assert check(json.loads(body), "ErrorResponse")["error"]["code"] == error


def test_websocket_messages_match_the_schema(stack):
    stack.wait_seq("E2E1", stack.count["E2E1"])
    ws = WebSocket(stack.ports["http"])
    hello = ws.next()
    assert hello["type"] == "hello" and hello["heartbeatMs"] == 1000
    ws.send({"type": "subscribe", "games": ["E2E1", "NOPE"], "teams": ["NYK"], "id": "s1"})
    assert ws.next()["code"] == "unknown_game"
    reply = ws.next()
    assert reply == {"type": "subscribed", "games": ["E2E1"], "teams": ["NYK"], "allLive": False, "leagues": [], "id": "s1"}
    snapshots = {m["game"]: m for m in (ws.next(), ws.next())}
    assert set(snapshots) == {"E2E1", "E2E2"} and all(s["reason"] == "initial" for s in snapshots.values())
    position = stack.publish("E2E1")
    event = ws.next()
    assert event["type"] == "event" and event["seq"] == position.seq and event["kind"] == "free_throw"
    ws.send({"type": "ping", "id": "p"})
    assert ws.next()["type"] == "pong"
    ws.send({"type": "subscribe", "lastSeq": 1})
    assert ws.next()["code"] == "bad_request"
    ws.send({"type": "dance"})
    assert ws.next()["code"] == "unknown_type"
    ws.send(b"\xff\xfe")
    assert ws.close_code() == 1007
    wrong_origin = WebSocket(stack.ports["http"], headers=[("Origin", "https://elsewhere.example")])
    assert wrong_origin.close_code() == 1008


def test_metrics_and_readiness(stack):
    assert stack.admin("/readyz")[0] == 200
    assert stack.admin("/healthz")[0] == 200
    _, metrics = stack.admin("/metrics")
    time.sleep(1.2)
    _, metrics = stack.admin("/metrics")
    for name in ["courtside_bridge_connections", "courtside_bridge_messages_in_total", "courtside_bridge_messages_out_total",
                 "courtside_bridge_deliveries_total", "courtside_bridge_publish_to_delivery_seconds_bucket", "courtside_bridge_bytes_out_total",
                 "courtside_bridge_collapsed_snapshots_total", "courtside_bridge_slow_consumer_closes_total",
                 "courtside_bridge_rejected_messages_total", "courtside_bridge_upstream_connected 1", "courtside_bridge_relay_queue_depth"]:
        assert name in metrics, name


def test_sigterm_goaway(stack):
    ws = WebSocket(stack.ports["http"])
    assert ws.next()["type"] == "hello"
    stream = SSE(stack.ports["http"], "/events?allLive=1")
    assert stream.event()[1]["type"] == "hello"
    assert stream.event()[1]["type"] == "subscribed"
    stack.bridge.process.send_signal(signal.SIGTERM)
    goaway = ws.next()
    assert goaway["type"] == "goaway" and 0 <= goaway["retryAfterMs"] < 2000
    assert ws.close_code() == 1001
    while True:
        fields, message = stream.event()
        if message["type"] == "goaway":
            break
    assert stream.retry[-1] == message["retryAfterMs"]
    with pytest.raises(EOFError):
        stream.event()
    assert stack.bridge.process.wait(timeout=15) == 0
    print(f"validated {VALIDATED['messages']} server messages and {VALIDATED['bodies']} API bodies against the schema")
