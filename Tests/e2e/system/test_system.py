"""The gRPC services as real processes, as an operator runs them: the `courtside` CLI against
them, their /metrics through promtool, a grpcio subscriber, and a rolling restart of every
service under load with subscribers that resume and lose nothing."""
import os
import select
import subprocess
import sys
import threading
import time
import urllib.request

import grpc
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "interop"))
import common  # noqa: E402
from cluster import BIN, Cluster  # noqa: E402

common.generate_stubs()
from courtside.v1 import common_pb2 as cpb  # noqa: E402
from courtside.v1 import schedule_pb2 as schpb  # noqa: E402
from courtside.v1 import schedule_pb2_grpc as schgrpc  # noqa: E402
from courtside.v1 import score_pb2 as spb  # noqa: E402
from courtside.v1 import score_pb2_grpc as sgrpc  # noqa: E402
from courtside.v1 import subscription_pb2 as subpb  # noqa: E402
from courtside.v1 import subscription_pb2_grpc as subgrpc  # noqa: E402

GAMES = [f"sys-{i}" for i in range(4)]
TEAMS = [("BOS", "LAL"), ("NYK", "MIA"), ("GSW", "DEN"), ("CHI", "MIL")]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    directory = str(tmp_path_factory.mktemp("cluster"))
    running = Cluster(directory).start()
    with grpc.insecure_channel(running["schedule"].address) as channel:
        schgrpc.ScheduleServiceStub(channel).UpsertGames(schpb.UpsertGamesRequest(games=[
            cpb.Game(id=game, home_team_id=home, away_team_id=away, date="2026-11-23", start_time_ms=1_800_000_000_000,
                     status=cpb.GAME_STATUS_SCHEDULED)
            for game, (home, away) in zip(GAMES, TEAMS)
        ]))
    yield running
    codes = running.stop()
    assert all(code == 0 for code in codes.values()), f"exit codes {codes}\n{running.logs()}"


def cli(*args, check=True):
    result = subprocess.run([os.path.join(BIN, "courtside"), *args], capture_output=True, text=True, timeout=30)
    if check:
        assert result.returncode == 0, f"courtside {' '.join(args)}: {result.stdout}{result.stderr}"
    return result


def test_cli_health_games_publish(cluster):
    for name in ("schedule", "score", "subscription"):
        assert "SERVING" in cli("health", cluster[name].address).stdout
    assert "sys-0" in cli("games", "--date", "2026-11-23", "--schedule-addr", cluster["schedule"].address).stdout
    first = cli("publish", "--game", "sys-0", "--source-id", "cli-1", "--kind", "basket", "--team", "BOS", "--points", "2",
                "--home", "2", "--away", "0", "--period", "1", "--clock", "11:40", "--score-addr", cluster["score"].address)
    assert "sys-0 cli-1 → position" in first.stdout
    again = cli("publish", "--game", "sys-0", "--source-id", "cli-1", "--kind", "basket", "--team", "BOS", "--points", "2",
                "--home", "2", "--away", "0", "--period", "1", "--clock", "11:40", "--score-addr", cluster["score"].address)
    assert "already published" in again.stdout
    refused = cli("publish", "--game", "sys-0", "--source-id", "cli-2", "--kind", "basket", "--home", "1", "--away", "0",
                  "--period", "1", "--score-addr", cluster["score"].address, check=False)
    assert refused.returncode != 0 and "FAILED_PRECONDITION" in refused.stderr
    down = cli("health", f"127.0.0.1:{common.free_port()}", check=False)
    assert down.returncode != 0 and "cannot reach" in down.stderr
    watch = subprocess.Popen([os.path.join(BIN, "courtside"), "watch", "--game", "sys-0", "--subscription-addr",
                              cluster["subscription"].address], stdout=subprocess.PIPE, text=True)
    try:
        ready, _, _ = select.select([watch.stdout], [], [], 15)
        assert ready, "courtside watch printed nothing within 15 s"
        line = watch.stdout.readline()
        assert line.startswith("sys-0 @") and "BOS 2–0 LAL" in line, line
    finally:
        watch.terminate()
        watch.wait()


def test_metrics_pass_promtool(cluster):
    for name in ("schedule", "score", "subscription"):
        with urllib.request.urlopen(f"http://127.0.0.1:{cluster[name].admin_port}/metrics", timeout=5) as response:
            body = response.read()
        assert b"courtside_build_info" in body
        check = subprocess.run(["promtool", "check", "metrics"], input=body, capture_output=True)
        assert check.returncode == 0, f"{name}: {check.stdout.decode()}{check.stderr.decode()}"
        with urllib.request.urlopen(f"http://127.0.0.1:{cluster[name].admin_port}/readyz", timeout=5) as response:
            assert response.status == 200


def test_grpcio_subscriber_through_the_subscription_service(cluster):
    with grpc.insecure_channel(cluster["subscription"].address) as channel, grpc.insecure_channel(cluster["score"].address) as publisher:
        stream = subgrpc.SubscriptionServiceStub(channel).Subscribe(subpb.SubscribeRequest(filter=subpb.SubscriptionFilter(team_ids=["NYK"])))
        publish = sgrpc.ScoreServiceStub(publisher).PublishEvents

        def later():
            time.sleep(0.5)
            for n in range(1, 21):
                publish(spb.PublishEventsRequest(events=[
                    cpb.Event(game_id="sys-1", source_id=f"sub-{n}", kind=cpb.EVENT_KIND_BASKET,
                              state=cpb.GameState(home_score=2 * n, period=1, clock_ms=600000, status=cpb.GAME_STATUS_LIVE)),
                    cpb.Event(game_id="sys-2", source_id=f"sub-{n}", kind=cpb.EVENT_KIND_BASKET,
                              state=cpb.GameState(home_score=2 * n, period=1, clock_ms=600000, status=cpb.GAME_STATUS_LIVE)),
                ]))
        producer = threading.Thread(target=later, daemon=True)
        producer.start()
        seqs = []
        for item in stream:
            if item.HasField("event"):
                assert item.event.game_id == "sys-1", "only NYK's game"
                seqs.append(item.event.position.seq)
                if len(seqs) == 20:
                    break
        stream.cancel()
        producer.join(timeout=30)
        assert seqs == list(range(1, 21))


class Publisher(threading.Thread):
    """Publishes continuously to every game, retrying (same source ids) while services restart."""

    def __init__(self, address):
        super().__init__(daemon=True)
        self.address, self.stop_event, self.acknowledged, self.errors = address, threading.Event(), {}, 0

    def run(self):
        n = 0
        with grpc.insecure_channel(self.address) as channel:
            stub = sgrpc.ScoreServiceStub(channel)
            while not self.stop_event.is_set():
                n += 1
                events = [cpb.Event(game_id=game, source_id=f"load-{n}", kind=cpb.EVENT_KIND_BASKET, points=1,
                                    state=cpb.GameState(home_score=1000 + n, period=2, clock_ms=300000, status=cpb.GAME_STATUS_LIVE))
                          for game in GAMES]
                while not self.stop_event.is_set():
                    try:
                        for result in stub.PublishEvents(spb.PublishEventsRequest(events=events), timeout=5).results:
                            self.acknowledged[(result.game_id, result.source_id)] = result.position.seq
                        break
                    except grpc.RpcError:
                        self.errors += 1
                        time.sleep(0.05)
                time.sleep(0.02)


class ResumingSubscriber(threading.Thread):
    """Follows all games; when its stream ends it resubscribes from the positions it has."""

    def __init__(self, address, service):
        super().__init__(daemon=True)
        self.address, self.service = address, service
        self.stop_event, self.positions, self.seqs, self.reconnects = threading.Event(), {}, {}, 0

    def stream(self, channel):
        cursors = [cpb.GameCursor(game_id=g, after=p) for g, p in self.positions.items()]
        if self.service == "score":
            return sgrpc.ScoreServiceStub(channel).StreamEvents(spb.StreamEventsRequest(games=cursors, all_games=True))
        return subgrpc.SubscriptionServiceStub(channel).Subscribe(
            subpb.SubscribeRequest(filter=subpb.SubscriptionFilter(all_games=True), resume=cursors))

    def run(self):
        while not self.stop_event.is_set():
            try:
                with grpc.insecure_channel(self.address) as channel:
                    call = self.stream(channel)
                    for item in call:
                        if item.HasField("event"):
                            event = item.event
                            self.seqs.setdefault(event.game_id, []).append(event.position.seq)
                            self.positions[event.game_id] = event.position
                        elif item.HasField("snapshot"):
                            self.positions[item.snapshot.game_id] = item.snapshot.position
                            self.seqs.setdefault(item.snapshot.game_id, []).append(("snapshot", item.snapshot.position.seq))
                        if self.stop_event.is_set():
                            call.cancel()
                            return
            except grpc.RpcError:
                pass
            self.reconnects += 1
            time.sleep(0.1)


def test_rolling_restart_of_every_service_under_load_loses_nothing(cluster):
    publisher = Publisher(cluster["score"].address)
    subscribers = [ResumingSubscriber(cluster["subscription"].address, "subscription"), ResumingSubscriber(cluster["score"].address, "score")]
    for thread in [publisher, *subscribers]:
        thread.start()
    time.sleep(2)
    for name in ("schedule", "score", "subscription"):
        assert cluster[name].stop() == 0, f"{name} did not drain cleanly\n{cluster.logs()}"
        time.sleep(0.3)
        cluster[name].start()
        time.sleep(2)
    publisher.stop_event.set()
    publisher.join(timeout=10)
    last = {game: max(seq for (g, _), seq in publisher.acknowledged.items() if g == game) for game in GAMES}
    deadline = time.time() + 30
    while time.time() < deadline and not all(
        s.positions.get(game) is not None and s.positions[game].seq >= last[game] for s in subscribers for game in GAMES
    ):
        time.sleep(0.2)
    for subscriber in subscribers:
        subscriber.stop_event.set()
    assert publisher.errors > 0, "the restarts did not interrupt the publisher: the test proves nothing"
    for subscriber in subscribers:
        assert subscriber.reconnects > 0, f"{subscriber.service} subscriber never had to resume"
        for game in GAMES:
            seqs = subscriber.seqs.get(game, [])
            events = [s for s in seqs if not isinstance(s, tuple)]
            assert not any(isinstance(s, tuple) for s in seqs[1:]), f"{subscriber.service}/{game}: an unexpected reset snapshot"
            # A subscriber without positions starts live: from the first event it saw, every one.
            start = seqs[0][1] if seqs and isinstance(seqs[0], tuple) else (events[0] - 1 if events else 0)
            assert events == list(range(start + 1, last[game] + 1)), (
                f"{subscriber.service}/{game}: delivered {len(events)} events from {start + 1}, expected up to {last[game]}; "
                f"gaps or duplicates: {[b for a, b in zip(events, events[1:]) if b != a + 1][:10]}")
