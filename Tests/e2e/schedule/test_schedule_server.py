"""The `courtside-schedule` binary, driven by a real gRPC peer (Python grpcio, C core).

Each test that needs a server starts its own on free loopback ports with a SQLite file in a
temporary directory, and stops it by PID.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import grpc
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "interop"))
import common  # noqa: E402

common.generate_stubs()
from courtside.v1 import common_pb2  # noqa: E402
from courtside.v1 import schedule_pb2 as pb  # noqa: E402
from courtside.v1 import schedule_pb2_grpc as schedule_grpc  # noqa: E402
from grpc_health.v1 import health_pb2, health_pb2_grpc  # noqa: E402

BINARY = os.environ.get("COURTSIDE_SCHEDULE_BIN", os.path.join(common.ROOT, ".build", "debug", "courtside-schedule"))
GRACE_SECONDS = 5
BASE_START_MS = 1_761_089_400_000  # 2025-10-21T23:30:00Z
SERVICE = "courtside.v1.ScheduleService"


class Server:
    """One courtside-schedule process we started."""

    def __init__(self, directory, extra=(), env=None):
        self.grpc_port = common.free_port()
        self.admin_port = common.free_port()
        self.storage = f"sqlite:{directory}/schedule.sqlite"
        self.log = open(os.path.join(directory, f"server-{self.grpc_port}.log"), "w+")
        args = [
            BINARY,
            "--grpc-port", str(self.grpc_port),
            "--admin-port", str(self.admin_port),
            "--storage", self.storage,
            "--shutdown-grace-seconds", str(GRACE_SECONDS),
            *extra,
        ]
        self.process = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
        common.wait_for_port(self.grpc_port)
        common.wait_for_port(self.admin_port)
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.grpc_port}")
        self.stub = schedule_grpc.ScheduleServiceStub(self.channel)

    def logs(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def metrics(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.admin_port}/metrics", timeout=5) as response:
            return response.read().decode()

    def stop(self):
        self.channel.close()
        common.stop(self.process)
        self.log.close()


@pytest.fixture()
def workdir():
    with tempfile.TemporaryDirectory(prefix="schedule-e2e-") as directory:
        yield directory


@pytest.fixture()
def server(workdir):
    started = Server(workdir)
    yield started
    started.stop()


def wait_for_watchers(server, count, timeout=10):
    deadline = time.time() + timeout
    while f"courtside_schedule_watchers {count:.1f}\n" not in server.metrics():
        assert time.time() < deadline, f"{count} watchers expected"
        time.sleep(0.02)


def game(game_id, home="BOS", away="NYK", start_ms=BASE_START_MS, date="2025-10-21", venue="TD Garden",
         status=common_pb2.GAME_STATUS_SCHEDULED):
    return common_pb2.Game(id=game_id, home_team_id=home, away_team_id=away, start_time_ms=start_ms, date=date,
                           venue=venue, status=status)


def test_list_teams(server):
    teams = server.stub.ListTeams(pb.ListTeamsRequest()).teams
    assert len([t for t in teams if t.league_id == "nba"]) == 30
    assert len([t for t in teams if t.league_id == "wnba"]) == 13
    assert [t.id for t in teams] == sorted(t.id for t in teams)
    fever = next(t for t in teams if t.id == "wnba-IND")
    assert (fever.tricode, fever.city, fever.name) == ("IND", "Indiana", "Fever")
    wnba = server.stub.ListTeams(pb.ListTeamsRequest(league_ids=["wnba"])).teams
    assert {t.league_id for t in wnba} == {"wnba"} and len(wnba) == 13
    leagues = server.stub.ListLeagues(pb.ListLeaguesRequest()).leagues
    assert {"nba", "wnba"} <= {league.id for league in leagues}
    boston = next(t for t in teams if t.id == "BOS")
    assert (boston.tricode, boston.city, boston.name, boston.conference, boston.division) == (
        "BOS", "Boston", "Celtics", "East", "Atlantic")
    assert boston.primary_color.startswith("#") and len(boston.primary_color) == 7


def test_upsert_and_page_through_list_games(server):
    games = [game(f"nba-{i:03d}", start_ms=BASE_START_MS + i * 60_000) for i in range(25)]
    stored = server.stub.UpsertGames(pb.UpsertGamesRequest(games=list(reversed(games)))).games
    assert [g.id for g in stored] == [g.id for g in reversed(games)]
    assert all(g.revision == 1 for g in stored)

    pages, token = [], ""
    while True:
        response = server.stub.ListGames(pb.ListGamesRequest(page_size=10, page_token=token))
        pages.append([g.id for g in response.games])
        token = response.next_page_token
        if not token:
            break
    assert [len(p) for p in pages] == [10, 10, 5]
    assert sum(pages, []) == [g.id for g in games]

    filtered = server.stub.ListGames(pb.ListGamesRequest(team_ids=["NYK"], statuses=[common_pb2.GAME_STATUS_SCHEDULED],
                                                         date_from="2025-10-21", date_to="2025-10-21"))
    assert len(filtered.games) == 25

    with pytest.raises(grpc.RpcError) as failure:
        server.stub.ListGames(pb.ListGamesRequest(page_token="bogus"))
    assert failure.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_state_machine_over_the_wire(server):
    server.stub.UpsertGames(pb.UpsertGamesRequest(games=[game("nba-1")]))
    for status in (common_pb2.GAME_STATUS_LIVE, common_pb2.GAME_STATUS_HALFTIME, common_pb2.GAME_STATUS_LIVE,
                   common_pb2.GAME_STATUS_FINAL):
        updated = server.stub.UpdateGameStatus(pb.UpdateGameStatusRequest(game_id="nba-1", status=status))
        assert updated.status == status
    assert updated.revision == 5

    with pytest.raises(grpc.RpcError) as failure:
        server.stub.UpdateGameStatus(pb.UpdateGameStatusRequest(game_id="nba-1", status=common_pb2.GAME_STATUS_SCHEDULED))
    assert failure.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert failure.value.details() == "game nba-1: cannot change status from final to scheduled: a final game never changes status"

    # The same refusal through UpsertGames, and nothing of the batch is stored.
    with pytest.raises(grpc.RpcError) as failure:
        server.stub.UpsertGames(pb.UpsertGamesRequest(games=[game("nba-2"), game("nba-1")]))
    assert failure.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    with pytest.raises(grpc.RpcError) as failure:
        server.stub.GetGame(pb.GetGameRequest(game_id="nba-2"))
    assert failure.value.code() == grpc.StatusCode.NOT_FOUND

    with pytest.raises(grpc.RpcError) as failure:
        server.stub.UpsertGames(pb.UpsertGamesRequest(games=[game("nba-3", away="BOS")]))
    assert failure.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert failure.value.details() == 'games[0] (id "nba-3"): away_team_id: a team cannot play itself (home and away are both "BOS")'


def test_watch_games_sends_initial_games_then_changes(server):
    server.stub.UpsertGames(pb.UpsertGamesRequest(games=[game("w-1"), game("w-2", start_ms=BASE_START_MS + 1)]))
    stream = server.stub.WatchGames(pb.WatchGamesRequest(send_initial=True, game_ids=["w-1", "w-2", "w-3"]), timeout=15)
    first = [next(stream), next(stream)]
    assert [(c.game.id, c.initial) for c in first] == [("w-1", True), ("w-2", True)]
    server.stub.UpdateGameStatus(pb.UpdateGameStatusRequest(game_id="w-2", status=common_pb2.GAME_STATUS_POSTPONED))
    server.stub.UpsertGames(pb.UpsertGamesRequest(games=[game("w-3"), game("other")]))
    changes = [next(stream), next(stream)]
    assert [(c.game.id, c.game.revision, c.initial) for c in changes] == [("w-2", 2, False), ("w-3", 1, False)]
    assert changes[0].game.status == common_pb2.GAME_STATUS_POSTPONED
    stream.cancel()


def test_two_processes_on_one_database_see_each_others_changes(workdir):
    a = Server(workdir)
    b = Server(workdir)
    try:
        stream = b.stub.WatchGames(pb.WatchGamesRequest(), timeout=15)
        wait_for_watchers(b, 1)  # the watch covers what is committed after it started
        a.stub.UpsertGames(pb.UpsertGamesRequest(games=[game("r-1")]))
        a.stub.UpdateGameStatus(pb.UpdateGameStatusRequest(game_id="r-1", status=common_pb2.GAME_STATUS_LIVE))
        seen = [next(stream), next(stream)]
        assert [(c.game.id, c.game.status, c.game.revision) for c in seen] == [
            ("r-1", common_pb2.GAME_STATUS_SCHEDULED, 1), ("r-1", common_pb2.GAME_STATUS_LIVE, 2)]
        with pytest.raises(grpc.RpcError) as failure:
            b.stub.UpdateGameStatus(pb.UpdateGameStatusRequest(game_id="r-1", status=common_pb2.GAME_STATUS_POSTPONED))
        assert failure.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        stream.cancel()
    finally:
        a.stop()
        b.stop()


def test_health_check_serving(server):
    health = health_pb2_grpc.HealthStub(server.channel)
    for name in ("", SERVICE):
        assert health.Check(health_pb2.HealthCheckRequest(service=name)).status == health_pb2.HealthCheckResponse.SERVING


def test_metrics_pass_promtool(server):
    server.stub.UpsertGames(pb.UpsertGamesRequest(games=[game("m-1")]))
    server.stub.UpdateGameStatus(pb.UpdateGameStatusRequest(game_id="m-1", status=common_pb2.GAME_STATUS_LIVE))
    with pytest.raises(grpc.RpcError):
        server.stub.GetGame(pb.GetGameRequest(game_id="missing"))
    text = server.metrics()
    check = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    for line in (
        'courtside_schedule_games{status="live"} 1.0',
        'courtside_schedule_upserted_games_total{result="created"} 1',
        'courtside_schedule_status_changes_total{from="scheduled",to="live"} 1',
        'courtside_schedule_rejected_requests_total{method="GetGame",code="NOT_FOUND"} 1',
        'courtside_grpc_server_calls_total{method="/courtside.v1.ScheduleService/UpsertGames",code="OK"} 1',
    ):
        assert line + "\n" in text, line
    assert 'courtside_storage_seconds_count{operation="write_games"}' in text


def test_sigterm_drains_and_exits_zero_within_the_grace_period(server):
    stream = server.stub.WatchGames(pb.WatchGamesRequest())
    ended = {}

    def read():
        try:
            for _ in stream:
                pass
            ended["code"] = grpc.StatusCode.OK
        except grpc.RpcError as error:
            ended["code"] = error.code()

    reader = threading.Thread(target=read)
    reader.start()
    wait_for_watchers(server, 1)
    started = time.time()
    server.process.send_signal(signal.SIGTERM)
    code = server.process.wait(timeout=GRACE_SECONDS + 5)
    elapsed = time.time() - started
    reader.join(timeout=5)
    assert code == 0, server.logs()
    assert elapsed < GRACE_SECONDS, f"took {elapsed:.1f}s: an open watch must not hold the drain"
    assert ended.get("code") == grpc.StatusCode.UNAVAILABLE
    logs = server.logs()
    assert "draining" in logs and "gRPC server stopped" in logs


def test_games_survive_a_restart_and_seed_games_load(workdir):
    seed = os.path.join(workdir, "seed.json")
    with open(seed, "w") as fh:
        json.dump({"games": [
            {"id": "seed-1", "home_team_id": "LAL", "away_team_id": "GSW", "start_time": "2025-10-22T02:00:00Z",
             "date": "2025-10-21", "venue": "Crypto.com Arena"},
            {"id": "seed-2", "home_team_id": "MIA", "away_team_id": "ORL", "start_time_ms": BASE_START_MS, "date": "2025-10-21"},
        ]}, fh)
    first = Server(workdir, extra=["--seed-games", seed])
    try:
        listed = first.stub.ListGames(pb.ListGamesRequest()).games
        assert [g.id for g in listed] == ["seed-2", "seed-1"]
        first.stub.UpdateGameStatus(pb.UpdateGameStatusRequest(game_id="seed-1", status=common_pb2.GAME_STATUS_LIVE))
    finally:
        first.stop()
    # Restart on the same file, with the seed file from the environment: nothing is undone.
    second = Server(workdir, env={"COURTSIDE_SEED_GAMES_FILE": seed})
    try:
        restored = second.stub.GetGame(pb.GetGameRequest(game_id="seed-1"))
        assert restored.status == common_pb2.GAME_STATUS_LIVE
        assert restored.revision == 2
        assert len(second.stub.ListGames(pb.ListGamesRequest()).games) == 2
    finally:
        second.stop()


@pytest.mark.parametrize("args,env,message", [
    (["--grpc-port", "70000"], {}, "--grpc-port must be between 0 and 65535"),
    (["--storage", "mysql://x"], {}, "--storage: storage 'mysql://x' is not understood"),
    (["--watch-queue", "0"], {}, "--watch-queue must be positive"),
    ([], {"COURTSIDE_GRPC_PORT": "fifty"}, "COURTSIDE_GRPC_PORT=fifty is not an integer"),
    ([], {"COURTSIDE_SEED_GAMES_FILE": "/nonexistent/seed.json"}, "seed games file /nonexistent/seed.json: cannot read it"),
])
def test_bad_flags_and_environment_are_refused(workdir, args, env, message):
    result = subprocess.run(
        [BINARY, "--grpc-port", str(common.free_port()), "--admin-port", str(common.free_port()),
         "--storage", f"sqlite:{workdir}/bad.sqlite", *args],
        capture_output=True, text=True, timeout=30, env={**os.environ, **env},
    )
    assert result.returncode != 0
    assert message in result.stderr, result.stderr
