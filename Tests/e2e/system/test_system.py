"""The gRPC services as real processes, as an operator runs them: the `courtside` CLI against
them, their /metrics through promtool, a grpcio subscriber, and a rolling restart of every
service under load with subscribers that resume and lose nothing.

Every test runs twice: on cleartext h2c, and with TLS and tokens on every hop (trust.py): every
gRPC port serves TLS, every service and client verifies it and sends its own token."""
import os
import select
import subprocess
import sys
import threading
import time
import urllib.request

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "interop"))
import common  # noqa: E402
from cluster import BIN, Cluster  # noqa: E402
from trust import Trust  # noqa: E402

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


@pytest.fixture(scope="module", params=["cleartext", "tls-and-tokens"])
def cluster(request, tmp_path_factory):
    directory = str(tmp_path_factory.mktemp(request.param))
    trust = Trust(directory, os.path.join(BIN, "courtside")) if request.param == "tls-and-tokens" else None
    running = Cluster(directory, trust=trust).start()
    with running.channel("schedule") as channel:
        schgrpc.ScheduleServiceStub(channel).UpsertGames(schpb.UpsertGamesRequest(games=[
            cpb.Game(id=game, home_team_id=home, away_team_id=away, date="2026-11-23", start_time_ms=1_800_000_000_000,
                     status=cpb.GAME_STATUS_SCHEDULED)
            for game, (home, away) in zip(GAMES, TEAMS)
        ]))
    yield running
    codes = running.stop()
    assert all(code == 0 for code in codes.values()), f"exit codes {codes}\n{running.logs()}"


def run_cli(cluster, args, **popen):
    """The `courtside` CLI with the cluster's TLS and token settings, run in the cluster's directory
    (so that no run/ of a local `make run` is picked up)."""
    environment = {**os.environ, **(cluster.trust.cli_environment() if cluster.trust else {})}
    return [os.path.join(BIN, "courtside"), *args], dict(env=environment, cwd=cluster.dir, text=True, **popen)


def cli(cluster, *args, check=True):
    command, options = run_cli(cluster, args, capture_output=True, timeout=30)
    result = subprocess.run(command, **options)
    if check:
        assert result.returncode == 0, f"courtside {' '.join(args)}: {result.stdout}{result.stderr}"
    return result


def test_cli_health_games_publish(cluster):
    for name in ("schedule", "score", "subscription"):
        assert "SERVING" in cli(cluster, "health", cluster[name].address).stdout
    assert "sys-0" in cli(cluster, "games", "--date", "2026-11-23", "--schedule-addr", cluster["schedule"].address).stdout
    first = cli(cluster, "publish", "--game", "sys-0", "--source-id", "cli-1", "--kind", "basket", "--team", "BOS", "--points", "2",
                "--home", "2", "--away", "0", "--period", "1", "--clock", "11:40", "--score-addr", cluster["score"].address)
    assert "sys-0 cli-1 → position" in first.stdout
    again = cli(cluster, "publish", "--game", "sys-0", "--source-id", "cli-1", "--kind", "basket", "--team", "BOS", "--points", "2",
                "--home", "2", "--away", "0", "--period", "1", "--clock", "11:40", "--score-addr", cluster["score"].address)
    assert "already published" in again.stdout
    refused = cli(cluster, "publish", "--game", "sys-0", "--source-id", "cli-2", "--kind", "basket", "--home", "1", "--away", "0",
                  "--period", "1", "--score-addr", cluster["score"].address, check=False)
    assert refused.returncode != 0 and "FAILED_PRECONDITION" in refused.stderr
    down = cli(cluster, "health", f"127.0.0.1:{common.free_port()}", check=False)
    assert down.returncode != 0 and "cannot reach" in down.stderr
    command, options = run_cli(cluster, ["watch", "--game", "sys-0", "--subscription-addr", cluster["subscription"].address],
                               stdout=subprocess.PIPE)
    watch = subprocess.Popen(command, **options)
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
    with cluster.channel("subscription") as channel, cluster.channel("score") as publisher:
        stream = subgrpc.SubscriptionServiceStub(channel).Subscribe(subpb.SubscribeRequest(filter=subpb.SubscriptionFilter(team_ids=["NYK"])),
                                                                  timeout=60)
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


def test_grpcio_subscriber_of_one_league_gets_only_its_games(cluster):
    """`league_ids` on Subscribe: NBA and WNBA games publish side by side, a subscriber of the WNBA
    sees only the WNBA's events; an unknown league is NOT_FOUND, a game of another league and
    more than 20 leagues INVALID_ARGUMENT (docs: subscription.proto, services/subscription/README.md)."""
    wnba_game = "sys-wnba-0"
    with cluster.channel("schedule") as channel:
        schgrpc.ScheduleServiceStub(channel).UpsertGames(schpb.UpsertGamesRequest(games=[
            cpb.Game(id=wnba_game, home_team_id="wnba-IND", away_team_id="wnba-SEA", date="2026-11-23",
                     start_time_ms=1_800_000_000_000, status=cpb.GAME_STATUS_SCHEDULED)]), timeout=10)
    with cluster.channel("subscription") as channel, cluster.channel("score") as publisher:
        stub = subgrpc.SubscriptionServiceStub(channel)

        def refusal(**filter_fields):
            with pytest.raises(grpc.RpcError) as refused:
                next(iter(stub.Subscribe(subpb.SubscribeRequest(filter=subpb.SubscriptionFilter(**filter_fields)), timeout=10)))
            return refused.value

        unknown = refusal(league_ids=["wnba", "cba"])
        assert unknown.code() == grpc.StatusCode.NOT_FOUND and "filter.league_ids[1]" in unknown.details(), unknown
        assert refusal(league_ids=[f"league{i}" for i in range(21)]).code() == grpc.StatusCode.INVALID_ARGUMENT
        # The game is WNBA's (the schedule says so): naming it with the NBA is refused.
        other = refusal(game_ids=[wnba_game], league_ids=["nba"])
        assert other.code() == grpc.StatusCode.INVALID_ARGUMENT and "of league wnba" in other.details(), other

        stream = stub.Subscribe(subpb.SubscribeRequest(filter=subpb.SubscriptionFilter(league_ids=["wnba"])), timeout=60)
        publish = sgrpc.ScoreServiceStub(publisher).PublishEvents

        def later():
            time.sleep(0.5)
            for n in range(1, 11):
                publish(spb.PublishEventsRequest(events=[
                    cpb.Event(game_id="sys-3", source_id=f"league-{n}", kind=cpb.EVENT_KIND_BASKET,
                              state=cpb.GameState(home_score=2 * n, period=1, clock_ms=720000, status=cpb.GAME_STATUS_LIVE)),
                    cpb.Event(game_id=wnba_game, source_id=f"league-{n}", kind=cpb.EVENT_KIND_BASKET,
                              state=cpb.GameState(home_score=2 * n, period=1, clock_ms=600000, status=cpb.GAME_STATUS_LIVE)),
                ]), timeout=10)
        producer = threading.Thread(target=later, daemon=True)
        producer.start()
        seen = []
        for item in stream:
            which = item.WhichOneof("item")
            game = item.event.game_id if which == "event" else item.snapshot.game_id
            assert game == wnba_game, f"only the WNBA's game, got {which} of {game}"
            seen.append(item.event.position.seq)
            if len(seen) == 10:
                break
        stream.cancel()
        producer.join(timeout=30)
        assert seen == list(range(1, 11))


def test_tls_ports_refuse_cleartext_and_calls_without_a_token(cluster):
    """What makes the other tests' secure run mean something: no port answers cleartext, and
    no read or write gets through without a token (the services' own hops need theirs too)."""
    if not cluster.trust:
        pytest.skip("the cleartext cluster has no TLS to check")
    with open(cluster.trust.ca, "rb") as fh:
        verifying_only = grpc.ssl_channel_credentials(root_certificates=fh.read())
    for name in ("schedule", "score", "subscription"):
        with grpc.insecure_channel(cluster[name].address) as channel:
            with pytest.raises(grpc.RpcError) as refused:
                health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
            assert refused.value.code() == grpc.StatusCode.UNAVAILABLE, f"{name} over cleartext: {refused.value}"
        with cluster.channel(name) as channel:
            status = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5).status
            assert status == health_pb2.HealthCheckResponse.SERVING, name
    with grpc.secure_channel(cluster["score"].address, verifying_only) as channel:
        stub = sgrpc.ScoreServiceStub(channel)
        for call, request in ((stub.GetSnapshots, spb.GetSnapshotsRequest(game_ids=["sys-3"])),
                              (stub.PublishEvents, spb.PublishEventsRequest(events=[cpb.Event(
                                  game_id="sys-3", source_id="anonymous", kind=cpb.EVENT_KIND_BASKET,
                                  state=cpb.GameState(home_score=2, period=1, clock_ms=600000, status=cpb.GAME_STATUS_LIVE))]))):
            with pytest.raises(grpc.RpcError) as refused:
                call(request, timeout=5)
            assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED, refused.value
    with grpc.secure_channel(cluster["schedule"].address, verifying_only) as channel:
        with pytest.raises(grpc.RpcError) as refused:
            schgrpc.ScheduleServiceStub(channel).ListGames(schpb.ListGamesRequest(date_from="2026-11-23"), timeout=5)
        assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED, refused.value


class Publisher(threading.Thread):
    """Publishes continuously to every game, retrying (same source ids) while services restart."""

    def __init__(self, connect):
        super().__init__(daemon=True)
        self.connect, self.stop_event, self.acknowledged, self.errors = connect, threading.Event(), {}, 0

    def run(self):
        n = 0
        with self.connect() as channel:
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

    def __init__(self, connect, service):
        super().__init__(daemon=True)
        self.connect, self.service = connect, service
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
                with self.connect() as channel:
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
    publisher = Publisher(lambda: cluster.channel("score"))
    subscribers = [ResumingSubscriber(lambda: cluster.channel("subscription"), "subscription"),
                   ResumingSubscriber(lambda: cluster.channel("score"), "score")]
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
