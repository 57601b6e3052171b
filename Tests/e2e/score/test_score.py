"""The score service as a real process, called by a Python grpcio client (a real peer).

Covers: publishing and idempotency, validation errors with their codes, clocks bounded by the
league's periods (issue 15), resuming a stream from positions, durability across kill -9 during
publishing (SQLite file and PostgreSQL), and a stream resumed after the restart continuing
without a gap; SIGTERM's drain, and the shutdown watchdog ending a process whose drain is stuck
on a PostgreSQL that stopped answering.
"""
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.parse

import grpc
import pytest

import sys
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "interop"))
import common  # noqa: E402

common.generate_stubs()
from courtside.v1 import common_pb2 as cpb  # noqa: E402
from courtside.v1 import score_pb2 as spb  # noqa: E402
from courtside.v1 import score_pb2_grpc as sgrpc  # noqa: E402

BIN = os.environ["COURTSIDE_BIN"]
HERE = os.path.dirname(__file__)


@pytest.fixture(scope="module")
def schedule():
    port = common.free_port()
    process = subprocess.Popen([sys.executable, os.path.join(HERE, "fake_schedule.py"), str(port)], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().startswith("listening")
    yield port
    common.stop(process)


class Score:
    """A courtside-score process we started (and stop by its PID)."""

    def __init__(self, schedule_port, storage, grpc_port=None, extra=()):
        self.grpc_port = grpc_port or common.free_port()
        self.admin_port = common.free_port()
        self.process = subprocess.Popen(
            [os.path.join(BIN, "courtside-score"), "--grpc-port", str(self.grpc_port), "--admin-port", str(self.admin_port),
             "--storage", storage, "--schedule-addr", f"127.0.0.1:{schedule_port}", "--log-level", "warning", *extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        common.wait_for_port(self.grpc_port)
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.grpc_port}")
        self.stub = sgrpc.ScoreServiceStub(self.channel)

    def kill9(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.channel.close()

    def stop(self):
        self.channel.close()
        common.stop(self.process)


def event(game, n, home, away=0, kind=cpb.EVENT_KIND_BASKET, period=1, status=cpb.GAME_STATUS_LIVE, clock_ms=300000):
    return cpb.Event(game_id=game, source_id=f"src-{n}", kind=kind, points=2,
                     state=cpb.GameState(home_score=home, away_score=away, period=period, clock_ms=clock_ms, status=status))


@pytest.fixture()
def score(schedule, tmp_path):
    server = Score(schedule, f"sqlite:{tmp_path}/score.sqlite")
    yield server
    server.stop()


def test_publish_is_idempotent_and_positions_are_gapless(score):
    game = "game-idem"
    first = score.stub.PublishEvents(spb.PublishEventsRequest(events=[event(game, n, n) for n in range(1, 51)]))
    assert [r.position.seq for r in first.results] == list(range(1, 51))
    again = score.stub.PublishEvents(spb.PublishEventsRequest(events=[event(game, n, n) for n in range(1, 51)]))
    assert all(r.duplicate for r in again.results)
    assert [r.position for r in again.results] == [r.position for r in first.results]


def test_validation_codes_and_messages(score):
    game = "game-rules"
    score.stub.PublishEvents(spb.PublishEventsRequest(events=[event(game, 1, 10, 10)]))
    cases = [
        ([event("nope", 2, 1)], grpc.StatusCode.NOT_FOUND, "unknown game 'nope'"),
        ([event(game, 3, 9, 10)], grpc.StatusCode.FAILED_PRECONDITION, "home score goes down from 10 to 9 outside a correction"),
        ([cpb.Event(game_id=game, source_id="x", kind=cpb.EVENT_KIND_BASKET)], grpc.StatusCode.INVALID_ARGUMENT, "state"),
        ([cpb.Event(game_id=game, kind=cpb.EVENT_KIND_BASKET, state=cpb.GameState(status=cpb.GAME_STATUS_LIVE))], grpc.StatusCode.INVALID_ARGUMENT, "source_id is required"),
    ]
    for events, code, text in cases:
        with pytest.raises(grpc.RpcError) as failure:
            score.stub.PublishEvents(spb.PublishEventsRequest(events=events))
        assert failure.value.code() == code
        assert text in failure.value.details()
    # A malformed protobuf body is answered, not fatal.
    with pytest.raises(grpc.RpcError) as failure:
        score.channel.unary_unary("/courtside.v1.ScoreService/PublishEvents")(b"\x0a\xff\x01")
    assert failure.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_a_clock_longer_than_the_leagues_period_is_refused(score):
    """Issue 15: each league's period length bounds the clock (a league the service does not know
    keeps the hour); a refused batch stores nothing."""
    stamp = int(time.time() * 1000)
    cases = [
        # (league key, period, longest clock, what the message names)
        ("wnba", 1, 600_000, "a regulation period of league 'wnba'"),
        ("ncaam", 2, 1_200_000, "a regulation period of league 'mens-college-basketball'"),
        ("ncaam", 3, 300_000, "an overtime of league 'mens-college-basketball'"),
        ("nba", 4, 720_000, "a regulation period of league 'nba'"),
    ]
    for key, period, longest, named in cases:
        game = f"game-{key}-{period}-{stamp}"
        with pytest.raises(grpc.RpcError) as failure:
            score.stub.PublishEvents(spb.PublishEventsRequest(events=[event(game, 1, 2, period=period, clock_ms=longest + 1)]))
        assert failure.value.code() == grpc.StatusCode.INVALID_ARGUMENT, (game, failure.value)
        assert f"state.clock_ms {longest + 1} is longer than {named}" in failure.value.details(), failure.value.details()
        assert not score.stub.ListEvents(spb.ListEventsRequest(game_id=game)).events, "a refused event leaves nothing"
        score.stub.PublishEvents(spb.PublishEventsRequest(events=[event(game, 1, 2, period=period, clock_ms=longest)]))
    # A league the score service does not know: the hour, as before.
    score.stub.PublishEvents(spb.PublishEventsRequest(events=[event(f"game-x-1-{stamp}", 1, 2, clock_ms=3_600_000)]))


def test_stream_resumes_from_a_position(score):
    game = "game-stream"
    published = score.stub.PublishEvents(spb.PublishEventsRequest(events=[event(game, n, n) for n in range(1, 101)]))
    epoch = published.results[0].position.epoch
    stream = score.stub.StreamEvents(spb.StreamEventsRequest(games=[cpb.GameCursor(game_id=game, after=cpb.Position(epoch=epoch, seq=60))]))
    seqs = []
    for item in stream:
        seqs.append(item.event.position.seq)
        if len(seqs) == 40:
            break
    stream.cancel()
    assert seqs == list(range(61, 101))


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_kill9_during_publishing_loses_no_acknowledged_event(schedule, tmp_path, backend):
    if backend == "postgres":
        storage = os.environ.get("COURTSIDE_TEST_POSTGRES_URL")
        assert storage, "COURTSIDE_TEST_POSTGRES_URL is not set: run through scripts/with-postgres (make test does)"
    else:
        storage = f"sqlite:{tmp_path}/durable.sqlite"
    game = f"game-kill9-{backend}-{int(time.time() * 1000)}"
    server = Score(schedule, storage)
    acknowledged = {}
    stop = threading.Event()

    def publisher():
        n = 0
        while not stop.is_set():
            n += 1
            try:
                result = server.stub.PublishEvents(spb.PublishEventsRequest(events=[event(game, n, n)]), timeout=5)
                acknowledged[f"src-{n}"] = result.results[0].position.seq
            except grpc.RpcError:
                return

    # A subscriber following live events, to resume after the restart.
    seen = []
    def subscriber():
        try:
            for item in server.stub.StreamEvents(spb.StreamEventsRequest(games=[cpb.GameCursor(game_id=game)])):
                if item.HasField("event"):
                    seen.append((item.event.position.epoch, item.event.position.seq))
        except grpc.RpcError:
            pass

    server.stub.PublishEvents(spb.PublishEventsRequest(events=[event(game, 0, 0)]))
    reader = threading.Thread(target=subscriber, daemon=True)
    reader.start()
    writer = threading.Thread(target=publisher)
    writer.start()
    time.sleep(1.5)
    server.kill9()  # in the middle of publishing
    stop.set()
    writer.join()
    reader.join(timeout=5)
    assert len(acknowledged) > 20, "the publisher did not get going"

    restarted = Score(schedule, storage)
    try:
        listed = []
        token = ""
        while True:
            page = restarted.stub.ListEvents(spb.ListEventsRequest(game_id=game, page_size=1000, page_token=token))
            listed += [(e.source_id, e.position.seq) for e in page.events]
            token = page.next_page_token
            if not token:
                break
        stored = dict(listed)
        for source_id, seq in acknowledged.items():
            assert stored.get(source_id) == seq, f"acknowledged {source_id} at {seq} but stored {stored.get(source_id)}"
        assert [seq for _, seq in listed] == list(range(1, len(listed) + 1)), "positions are gapless after the restart"

        # The subscriber resumes from the last position it saw and continues without a gap.
        epoch, last = seen[-1] if seen else (page.epoch, 0)
        restarted.stub.PublishEvents(spb.PublishEventsRequest(events=[event(game, 100000, 100000)]))
        expected = len(listed) + 1 - last
        stream = restarted.stub.StreamEvents(spb.StreamEventsRequest(games=[cpb.GameCursor(game_id=game, after=cpb.Position(epoch=epoch, seq=last))]))
        resumed = []
        for item in stream:
            assert item.HasField("event"), "resume within the kept history needs no snapshot"
            resumed.append(item.event.position.seq)
            if len(resumed) == expected:
                break
        stream.cancel()
        assert resumed == list(range(last + 1, len(listed) + 2))
    finally:
        restarted.stop()


def test_sigterm_drains_and_exits_cleanly(schedule, tmp_path):
    server = Score(schedule, f"sqlite:{tmp_path}/drain.sqlite")
    stream = server.stub.StreamEvents(spb.StreamEventsRequest(games=[cpb.GameCursor(game_id="game-drain")]))
    next(stream)  # the initial snapshot
    started = time.monotonic()
    server.process.send_signal(signal.SIGTERM)
    with pytest.raises(grpc.RpcError) as failure:
        for _ in stream:
            pass
    assert failure.value.code() == grpc.StatusCode.UNAVAILABLE
    assert server.process.wait(timeout=25) == 0
    assert time.monotonic() - started < 10
    server.channel.close()


class FreezableProxy:
    """A TCP proxy in front of PostgreSQL that can stop forwarding: a database that stops
    answering while its connections stay open (a query on them waits for ever)."""

    def __init__(self, host, port):
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.frozen = threading.Event()
        self.sockets = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
                upstream = socket.create_connection(self.target, timeout=10)
                upstream.settimeout(None)
            except OSError:
                return
            self.sockets += [client, upstream]
            for source, destination in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, destination), daemon=True).start()

    def _pump(self, source, destination):
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                return
            while self.frozen.is_set():
                time.sleep(0.05)  # held: neither side hears from the other
            if not data:
                return
            try:
                destination.sendall(data)
            except OSError:
                return

    def close(self):
        self.frozen.clear()
        self.listener.close()
        for sock in self.sockets:
            sock.close()


def test_a_drain_stuck_on_storage_is_ended_by_the_watchdog(schedule):
    """SIGTERM with a commit waiting on a PostgreSQL that stopped answering: the drain never
    ends (ServiceGroup's cancellation at grace + 5 s does not end it either), and the shutdown
    watchdog exits 70 at grace + 10 s, naming what still runs."""
    url = os.environ.get("COURTSIDE_TEST_POSTGRES_URL")
    assert url, "COURTSIDE_TEST_POSTGRES_URL is not set: run through scripts/with-postgres (make test does)"
    parsed = urllib.parse.urlsplit(url)
    proxy = FreezableProxy(parsed.hostname, parsed.port)
    through_proxy = urllib.parse.urlunsplit(parsed._replace(netloc=parsed.netloc.rsplit(":", 1)[0] + f":{proxy.port}"))
    grace = 1
    server = Score(schedule, through_proxy, extra=["--shutdown-grace-seconds", str(grace)])
    try:
        game = f"game-stuck-{int(time.time() * 1000)}"
        server.stub.PublishEvents(spb.PublishEventsRequest(events=[event(game, 1, 2)]), timeout=10)
        proxy.frozen.set()

        def publish():
            try:
                server.stub.PublishEvents(spb.PublishEventsRequest(events=[event(game, 2, 4)]), timeout=60)
            except grpc.RpcError:
                pass
        threading.Thread(target=publish, daemon=True).start()
        time.sleep(1)  # the commit is waiting on the database

        started = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        status = server.process.wait(timeout=40)
        elapsed = time.monotonic() - started
        log = server.process.stderr.read()
        assert status == 70, (status, log)
        assert grace + 10 - 0.5 <= elapsed < grace + 10 + 5, (elapsed, log)
        assert "graceful shutdown overran its deadline" in log and "GRPCServerService" in log, log
    finally:
        proxy.close()
        server.stop()

