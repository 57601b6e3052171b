"""`courtside-feed` as a real process, with real schedule and score processes, checked by a
Python grpcio client (a real peer). Each test starts its own processes on free loopback ports
with SQLite files in a temporary directory, and stops them by PID.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import grpc
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "interop"))
import common  # noqa: E402

common.generate_stubs()
from courtside.v1 import common_pb2 as cpb  # noqa: E402
from courtside.v1 import schedule_pb2 as schedpb  # noqa: E402
from courtside.v1 import schedule_pb2_grpc as schedgrpc  # noqa: E402
from courtside.v1 import score_pb2 as spb  # noqa: E402
from courtside.v1 import score_pb2_grpc as sgrpc  # noqa: E402

BIN = os.environ["COURTSIDE_BIN"]
FIXTURES = os.path.join(common.ROOT, "Tests", "Fixtures")
NBA_PBP = os.path.join(FIXTURES, "nba_cdn/dblackrun__pbpstats/pbp/live_0022000001.json")
NBA_BOX = os.path.join(FIXTURES, "nba_cdn/dblackrun__pbpstats/game_details/live_0022000001.json")
ESPN_SCOREBOARD = "espn/aaronweldy__espn-openapi/nba_scoreboard.json"
# A real men's college basketball scoreboard (two games of the 2026 First Four: SOURCES.md).
ESPN_COLLEGE = os.path.join(FIXTURES, "espn/calvin-seamons__march-madness-2026/espn_scoreboard.json")
COLLEGE = "mens-college-basketball"
ESPN_WNBA = os.path.join(FIXTURES, "espn/ostepan8__wnba-analytics-engine/espn_scoreboard.json")
# A live 4th-quarter capture with a stale score on a non-scoring play (a stated minimal edit of a
# real summary: Tests/Fixtures/SOURCES.md).
ESPN_LIVE = os.path.join(FIXTURES, "espn/smythmyke__bragging_rights/espn_nba_summary_live_q4.edited.json")
# Sportradar's play-by-play of one real game in JSON and in XML (the XML derived from the JSON by
# Tests/Fixtures/derive_sportradar_xml.py), and the real XML of a scheduled game.
SR_JSON = os.path.join(FIXTURES, "sportradar/stattleship__sportradar/basketball_nba_games_0b33d607-fc51-4ef0-b06a-111064074ca9_pbp.json")
SR_XML = os.path.join(FIXTURES, "sportradar/stattleship__sportradar/basketball_nba_games_0b33d607-fc51-4ef0-b06a-111064074ca9_pbp.derived.xml")
SR_GAME = "sr-0b33d607-fc51-4ef0-b06a-111064074ca9"
# TheSportsDB's livescore: a hand-written sample of NBA and WNBA games in play, and a real
# livescore of every sport (2026-10-05) whose NBA games had not started.
TSDB_LIVESCORE = "thesportsdb/handwritten/livescore_basketball.sample.json"
TSDB_LIVESCORE_ALL = "thesportsdb/RohanG27__thesportsdbLibrary/v2_livescore_all.json"
GRACE = 5


def wait_until(what, condition, timeout=60.0):
    deadline = time.time() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.time() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


class Process:
    """One process we started; its output goes to a log file in the test's directory."""

    def __init__(self, directory, name, args, env=None):
        self.log_path = os.path.join(directory, f"{name}-{time.time_ns()}.log")
        self.log = open(self.log_path, "w+")
        self.process = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})

    def logs(self):
        self.log.flush()
        with open(self.log_path) as fh:
            return fh.read()

    def terminate(self, timeout=GRACE + 10):
        """SIGTERM; returns the exit code (the process must exit within the grace period)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=timeout)
        self.log.close()
        return code

    def stop(self):
        common.stop(self.process)
        if not self.log.closed:
            self.log.close()


class Cluster:
    """Schedule and score processes (score may start later, on a port chosen up front)."""

    def __init__(self, directory):
        self.directory = directory
        self.schedule_port = common.free_port()
        self.score_port = common.free_port()
        self.processes = []
        self.score = None
        self.start_process("schedule", [
            os.path.join(BIN, "courtside-schedule"), "--grpc-port", str(self.schedule_port),
            "--admin-port", str(common.free_port()), "--storage", f"sqlite:{directory}/schedule.sqlite",
            "--shutdown-grace-seconds", "1", "--log-level", "warning"])
        common.wait_for_port(self.schedule_port)
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.score_port}")
        self.score_stub = sgrpc.ScoreServiceStub(self.channel)
        self.schedule_channel = grpc.insecure_channel(f"127.0.0.1:{self.schedule_port}")
        self.schedule_stub = schedgrpc.ScheduleServiceStub(self.schedule_channel)

    def start_process(self, name, args, env=None):
        process = Process(self.directory, name, args, env)
        self.processes.append(process)
        return process

    def start_score(self):
        self.score = self.start_process("score", [
            os.path.join(BIN, "courtside-score"), "--grpc-port", str(self.score_port),
            "--admin-port", str(common.free_port()), "--storage", f"sqlite:{self.directory}/score.sqlite",
            "--schedule-addr", f"127.0.0.1:{self.schedule_port}", "--shutdown-grace-seconds", "1",
            "--log-level", "warning"])
        common.wait_for_port(self.score_port)

    def start_feed(self, *args, env=None):
        admin_port = common.free_port()
        feed = self.start_process("feed", [
            os.path.join(BIN, "courtside-feed"), "--admin-port", str(admin_port),
            "--score-addr", f"127.0.0.1:{self.score_port}", "--schedule-addr", f"127.0.0.1:{self.schedule_port}",
            "--shutdown-grace-seconds", str(GRACE), *args], env)
        feed.admin_port = admin_port
        common.wait_for_port(admin_port)
        return feed

    def snapshots(self, game_ids):
        found = {}
        for game_id in game_ids:
            try:
                for snapshot in self.score_stub.GetSnapshots(spb.GetSnapshotsRequest(game_ids=[game_id]), timeout=5).snapshots:
                    found[snapshot.game_id] = snapshot
            except grpc.RpcError as error:
                if error.code() not in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.UNAVAILABLE):
                    raise
        return found

    def events(self, game_id):
        events, token = [], ""
        while True:
            page = self.score_stub.ListEvents(spb.ListEventsRequest(game_id=game_id, page_size=1000, page_token=token), timeout=10)
            events += page.events
            token = page.next_page_token
            if not token:
                return events

    def sim_games(self):
        games = self.schedule_stub.ListGames(schedpb.ListGamesRequest(page_size=1000), timeout=5).games
        return sorted((g.id for g in games if g.id.startswith("sim-")), key=lambda i: int(i.rsplit("-", 1)[1]))

    def close(self):
        for process in reversed(self.processes):
            process.stop()
        self.channel.close()
        self.schedule_channel.close()


def http_get(port, path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def metric(feed, name, **labels):
    total = 0.0
    for line in http_get(feed.admin_port, "/metrics")[1].splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        rest = line[len(name):]
        if rest[:1] not in ("{", " "):
            continue
        if all(f'{key}="{value}"' in line for key, value in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


@pytest.fixture()
def cluster():
    with tempfile.TemporaryDirectory(prefix="feed-e2e-") as directory:
        started = Cluster(directory)
        yield started
        started.close()


SIMULATOR = ["--sim-games", "2", "--sim-speed", "1500", "--sim-stagger-seconds", "0", "--sim-continuous", "false",
             "--sim-seed", "5"]


def test_simulator_publishes_and_a_restart_continues_each_game(cluster):
    cluster.start_score()
    first = cluster.start_feed(*SIMULATOR)
    wait_until("/readyz", lambda: http_get(first.admin_port, "/readyz")[0] == 200)
    ids = wait_until("two games", lambda: len(cluster.sim_games()) == 2 and cluster.sim_games())
    wait_until("the games under way", lambda: all(s.position.seq > 100 for s in cluster.snapshots(ids).values()) and len(cluster.snapshots(ids)) == 2)

    text = http_get(first.admin_port, "/metrics")[1]
    check = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert metric(first, "courtside_feed_events_published_total", source="simulator") > 0
    assert metric(first, "courtside_feed_score_available") == 1

    started = time.time()
    assert first.terminate() == 0
    assert time.time() - started < GRACE + 2
    stopped_at = {game_id: s.position.seq for game_id, s in cluster.snapshots(ids).items()}
    assert all(seq > 100 for seq in stopped_at.values())

    second = cluster.start_feed(*SIMULATOR)
    wait_until("both games final", lambda: all(s.state.status == cpb.GAME_STATUS_FINAL for s in cluster.snapshots(ids).values()))
    for game_id in ids:
        events = cluster.events(game_id)
        assert [e.source_id for e in events] == [f"{game_id}-{n}" for n in range(1, len(events) + 1)], "each event once, in order"
        assert [e.position.seq for e in events] == list(range(1, len(events) + 1))
        assert len(events) > stopped_at[game_id], "the game went on after the restart"
    wait_until("the second run's metrics", lambda: metric(second, "courtside_feed_events_published_total") > 0)
    assert metric(second, "courtside_feed_events_duplicate_total") == 0, "the restart re-sent nothing"
    assert "continuing a game where the last run left it" in second.logs()
    assert second.terminate() == 0


def test_replay_of_a_recorded_nba_game(cluster):
    cluster.start_score()
    feed = cluster.start_feed("--source", "nba-pbp", "--file", NBA_PBP, "--boxscore", NBA_BOX, "--speed", "100000")
    final = wait_until("the final", lambda: (lambda s: s if s and s.state.status == cpb.GAME_STATUS_FINAL else None)(
        cluster.snapshots(["nba-0022000001"]).get("nba-0022000001")))
    assert (final.state.home_score, final.state.away_score, final.state.period) == (125, 99, 4)
    events = cluster.events("nba-0022000001")
    assert sum(1 for e in events if e.points > 0) == 120
    game = cluster.schedule_stub.GetGame(schedpb.GetGameRequest(game_id="nba-0022000001"), timeout=5)
    assert (game.home_team_id, game.away_team_id, game.date) == ("BKN", "GSW", "2020-12-22")
    wait_until("the schedule to say final", lambda: cluster.schedule_stub.GetGame(
        schedpb.GetGameRequest(game_id="nba-0022000001"), timeout=5).status == cpb.GAME_STATUS_FINAL)
    assert feed.terminate() == 0


def test_replay_of_a_live_capture_with_a_stale_score_ends_live_where_the_provider_is(cluster):
    """Issue 15: the stale score once dropped the whole game. Now every play is published once,
    the glitches are counted, and the game ends live in the 4th at the header's 118–114."""
    import json
    with open(ESPN_LIVE) as fh:
        plays = [play["id"] for play in json.load(fh)["plays"]]
    cluster.start_score()
    feed = cluster.start_feed("--source", "espn-summary", "--file", ESPN_LIVE, "--speed", "100000")
    game_id = "espn-401585135"
    header_id = f"{game_id}-header@118-114-p4"
    wait_until("the header's correction", lambda: (lambda s: s if s and s.position.seq > 0 else None)(
        cluster.snapshots([game_id]).get(game_id)) and any(e.source_id == header_id for e in cluster.events(game_id)))
    snapshot = cluster.snapshots([game_id])[game_id]
    state = snapshot.state
    assert (state.status, state.period, state.home_score, state.away_score, state.clock_ms) == (
        cpb.GAME_STATUS_LIVE, 4, 118, 114, 311000)
    events = cluster.events(game_id)
    ids = [e.source_id for e in events]
    assert len(set(ids)) == len(ids), "no event twice"
    assert all(ids.count(f"espn-{play}") == 1 for play in plays), "every play of the capture, once"
    assert events[-1].source_id == header_id and events[-1].kind == cpb.EVENT_KIND_CORRECTION
    assert not any(e.state.status == cpb.GAME_STATUS_FINAL for e in events), "a live capture never ends final"
    stale = next(e for e in events if e.source_id == "espn-401585135594")
    assert (stale.state.home_score, stale.state.away_score) == (115, 112), "the stale score is not published"
    assert metric(feed, "courtside_feed_glitches_total", source="espn-summary", kind="stale_score") == 1
    assert metric(feed, "courtside_feed_glitches_total", source="espn-summary", kind="header_ahead") == 1
    assert metric(feed, "courtside_feed_rejected_payloads_total") == 0
    assert "provider glitch reconciled" in feed.logs()
    game = cluster.schedule_stub.GetGame(schedpb.GetGameRequest(game_id=game_id), timeout=5)
    assert game.status == cpb.GAME_STATUS_LIVE
    assert feed.terminate() == 0


def test_not_ready_while_score_is_down_then_publishes_what_it_buffered(cluster):
    feed = cluster.start_feed("--source", "nba-pbp", "--file", NBA_PBP, "--boxscore", NBA_BOX, "--speed", "100000",
                              "--buffer-events", "200")
    wait_until("events buffered", lambda: metric(feed, "courtside_feed_buffer_events") >= 150)
    status, body = http_get(feed.admin_port, "/readyz")
    assert status == 503 and "score service" in body
    assert metric(feed, "courtside_feed_score_available") == 0
    assert metric(feed, "courtside_feed_buffer_events") <= 200
    assert http_get(feed.admin_port, "/healthz")[0] == 200

    cluster.start_score()
    wait_until("/readyz", lambda: http_get(feed.admin_port, "/readyz")[0] == 200)
    wait_until("the final", lambda: (lambda s: s and s.state.status == cpb.GAME_STATUS_FINAL)(
        cluster.snapshots(["nba-0022000001"]).get("nba-0022000001")))
    events = cluster.events("nba-0022000001")
    assert len({e.source_id for e in events}) == len(events)
    assert metric(feed, "courtside_feed_buffer_events") == 0
    assert feed.terminate() == 0


def serve_files(cluster, directory=FIXTURES):
    """A directory (Tests/Fixtures unless told) served over HTTP on a free loopback port, by
    Python's http.server (Last-Modified and 304s): the server's process and its port."""
    http_port = common.free_port()
    server = cluster.start_process("http", [sys.executable, "-m", "http.server", str(http_port), "--bind", "127.0.0.1",
                                            "--directory", directory])
    common.wait_for_port(http_port)
    return server, http_port


def test_polling_a_scoreboard_served_over_http(cluster):
    cluster.start_score()
    server, http_port = serve_files(cluster)
    feed = cluster.start_feed("--source", "espn-scoreboard", "--url", f"http://127.0.0.1:{http_port}/{ESPN_SCOREBOARD}",
                              "--poll-interval-seconds", "0.2")
    # The feed creates the game in the schedule before it publishes the event; until then its
    # snapshot exists with no events (seq 0), so wait for the event, not for the game.
    final = wait_until("the scoreboard's event", lambda: (lambda s: s if s and s.position.seq > 0 else None)(
        cluster.snapshots(["espn-401772993"]).get("espn-401772993")))
    assert (final.state.home_score, final.state.away_score, final.state.status) == (111, 94, cpb.GAME_STATUS_FINAL)
    wait_until("a 304", lambda: metric(feed, "courtside_feed_polls_total", result="not_modified") >= 2)
    assert len(cluster.events("espn-401772993")) == 1, "one status change carrying the final state, then nothing"
    assert feed.terminate() == 0
    server.stop()


def test_a_real_college_scoreboard_shows_every_game_in_its_league_with_espns_teams(cluster):
    cluster.start_score()
    with open(ESPN_COLLEGE) as fh:
        payload = json.load(fh)
    expected = {}
    for event in payload["events"]:
        sides = {c["homeAway"]: c["team"] for c in event["competitions"][0]["competitors"]}
        expected[f"espn-{event['id']}"] = (sides["home"], sides["away"])
    assert len(expected) == 2
    # Served where ESPN serves it, so the URL names the league as well as the payload does.
    served = os.path.join(cluster.directory, "www")
    path = f"apis/site/v2/sports/basketball/{COLLEGE}/scoreboard"
    os.makedirs(os.path.join(served, os.path.dirname(path)))
    shutil.copyfile(ESPN_COLLEGE, os.path.join(served, path))
    server, http_port = serve_files(cluster, served)
    feed = cluster.start_feed("--source", "espn-scoreboard", "--url", f"http://127.0.0.1:{http_port}/{path}",
                              "--poll-interval-seconds", "0.2")

    def college_games():
        games = cluster.schedule_stub.ListGames(schedpb.ListGamesRequest(page_size=1000, league_ids=[COLLEGE]), timeout=5).games
        return games if len(games) >= len(expected) else None

    games = {g.id: g for g in wait_until("the college games in the schedule", college_games)}
    assert set(games) == set(expected), "every game of the scoreboard, none other"
    teams = {t.id: t for t in cluster.schedule_stub.ListTeams(schedpb.ListTeamsRequest(league_ids=[COLLEGE]), timeout=5).teams}
    for game_id, (home, away) in expected.items():
        game = games[game_id]
        assert game.league_id == COLLEGE and game.status == cpb.GAME_STATUS_SCHEDULED
        for team_id, provided in ((game.home_team_id, home), (game.away_team_id, away)):
            assert team_id == f"{COLLEGE}-{provided['abbreviation']}"
            team = teams[team_id]
            assert (team.league_id, team.tricode, team.city, team.name) == (
                COLLEGE, provided["abbreviation"], provided["location"], provided["name"])
            assert team.primary_color == "#" + provided["color"].lower()
    nba_games = cluster.schedule_stub.ListGames(schedpb.ListGamesRequest(page_size=1000, league_ids=["nba"]), timeout=5).games
    assert not {g.id for g in nba_games} & set(expected), "a college game was filed under the NBA"
    nba_teams = {t.id for t in cluster.schedule_stub.ListTeams(schedpb.ListTeamsRequest(league_ids=["nba"]), timeout=5).teams}
    assert not nba_teams & {tid for g in games.values() for tid in (g.home_team_id, g.away_team_id)}
    wait_until("a 304", lambda: metric(feed, "courtside_feed_polls_total", result="not_modified") >= 1)
    assert metric(feed, "courtside_feed_skipped_games_total") == 0, "a college game was skipped"


def test_a_wnba_team_newer_than_the_seed_comes_from_espns_data(cluster):
    """The real WNBA scoreboard, minimally edited (stated): its first game's home team made the
    Toronto Tempo (2026 expansion; the seed is the 2025 season's 13 teams), as ESPN describes a
    team. The game is shown with a team created from ESPN's data, wnba-TOR, never the Raptors;
    nothing is skipped; the seed teams stay the seed's."""
    cluster.start_score()
    with open(ESPN_WNBA) as fh:
        payload = json.load(fh)
    team = payload["events"][0]["competitions"][0]["competitors"][0]["team"]
    team.update(abbreviation="TOR", displayName="Toronto Tempo", location="Toronto", name="Tempo",
                color="6e1f3a", alternateColor="9cc3e6")
    game_id = f"espn-{payload['events'][0]['id']}"
    served = os.path.join(cluster.directory, "www")
    path = "apis/site/v2/sports/basketball/wnba/scoreboard"
    os.makedirs(os.path.join(served, os.path.dirname(path)))
    with open(os.path.join(served, path), "w") as fh:
        json.dump(payload, fh)
    server, http_port = serve_files(cluster, served)
    feed = cluster.start_feed("--source", "espn-scoreboard", "--url", f"http://127.0.0.1:{http_port}/{path}",
                              "--poll-interval-seconds", "0.2")
    games = wait_until("both WNBA games in the schedule", lambda: (lambda g: g if len(g) == 2 else None)(
        cluster.schedule_stub.ListGames(schedpb.ListGamesRequest(page_size=1000, league_ids=["wnba"]), timeout=5).games))
    game = {g.id: g for g in games}[game_id]
    assert (game.league_id, game.home_team_id) == ("wnba", "wnba-TOR")
    teams = {t.id: t for t in cluster.schedule_stub.ListTeams(schedpb.ListTeamsRequest(league_ids=["wnba"]), timeout=5).teams}
    tempo = teams["wnba-TOR"]
    assert (tempo.tricode, tempo.city, tempo.name, tempo.primary_color, tempo.secondary_color) == (
        "TOR", "Toronto", "Tempo", "#6e1f3a", "#9cc3e6")
    assert teams["wnba-SEA"].name == "Storm" and len(teams) == 14, sorted(teams)
    raptors = cluster.schedule_stub.ListTeams(schedpb.ListTeamsRequest(league_ids=["nba"]), timeout=5).teams
    assert {t.name for t in raptors if t.id == "TOR"} == {"Raptors"}
    wait_until("a 304", lambda: metric(feed, "courtside_feed_polls_total", result="not_modified") >= 1)
    assert metric(feed, "courtside_feed_skipped_games_total") == 0, "the Tempo's game was skipped"
    assert feed.terminate() == 0
    server.stop()


def replay_sportradar(directory, source, path):
    """Replays one Sportradar file through fresh services; the game's events, its schedule record."""
    started = Cluster(directory)
    try:
        started.start_score()
        feed = started.start_feed("--source", source, "--file", path, "--speed", "100000")
        wait_until("the final", lambda: (lambda s: s if s and s.state.status == cpb.GAME_STATUS_FINAL else None)(
            started.snapshots([SR_GAME]).get(SR_GAME)))
        wait_until("the replay's end", lambda: "replay finished" in feed.logs())
        events = started.events(SR_GAME)
        game = started.schedule_stub.GetGame(schedpb.GetGameRequest(game_id=SR_GAME), timeout=5)
        assert metric(feed, "courtside_feed_rejected_payloads_total") == 0
        assert feed.terminate() == 0
        return events, game
    finally:
        started.close()


def test_sportradar_xml_and_json_of_the_same_game_publish_the_same_events():
    with tempfile.TemporaryDirectory(prefix="feed-e2e-xml-") as xml_dir, tempfile.TemporaryDirectory(prefix="feed-e2e-json-") as json_dir:
        xml_events, xml_game = replay_sportradar(xml_dir, "sportradar-pbp-xml", SR_XML)
        json_events, json_game = replay_sportradar(json_dir, "sportradar-pbp", SR_JSON)

    def shape(events):
        return [(e.source_id, e.kind, e.team_id, e.points, e.description, e.state.home_score, e.state.away_score,
                 e.state.period, e.state.clock_ms, e.state.status) for e in events]

    assert len(xml_events) > 435, "the whole game, every event"
    assert shape(xml_events) == shape(json_events)
    final = xml_events[-1].state
    assert (final.home_score, final.away_score, final.status) == (114, 105, cpb.GAME_STATUS_FINAL)
    assert (xml_game.home_team_id, xml_game.away_team_id, xml_game.date) == (json_game.home_team_id, json_game.away_team_id, json_game.date)
    assert (xml_game.home_team_id, xml_game.away_team_id) == ("NOP", "SAC")


LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<game id="0b33d607-fc51-4ef0-b06a-111064074ca9" status="closed"><scoring><home id="h" points="&lol2;"/></scoring></game>
"""


@pytest.mark.parametrize("name,content,reason", [
    ("laughs.xml", LAUGHS, "malformed"),
    ("cut.xml", None, "truncated"),
])
def test_a_hostile_or_cut_xml_file_is_refused_whole(cluster, name, content, reason):
    path = os.path.join(cluster.directory, name)
    with open(path, "w", encoding="utf-8") as fh:
        if content is None:
            with open(SR_XML, encoding="utf-8") as source:
                text = source.read()
            content = text[: len(text) // 2]
        fh.write(content)
    cluster.start_score()
    feed = cluster.start_feed("--source", "sportradar-pbp-xml", "--file", path, "--speed", "100000")
    wait_until("the rejection", lambda: metric(feed, "courtside_feed_rejected_payloads_total", reason=reason) == 1)
    assert metric(feed, "courtside_feed_events_published_total") == 0
    assert SR_GAME not in [g.id for g in cluster.schedule_stub.ListGames(schedpb.ListGamesRequest(page_size=1000), timeout=5).games]
    assert feed.terminate() == 0


def test_polling_thesportsdb_livescore_served_over_http(cluster):
    cluster.start_score()
    server, http_port = serve_files(cluster)
    feed = cluster.start_feed("--source", "thesportsdb-livescore", "--url", f"http://127.0.0.1:{http_port}/{TSDB_LIVESCORE}",
                              "--poll-interval-seconds", "0.2")
    ids = ["tsdb-9000101", "tsdb-9000102", "tsdb-9000103"]
    wait_until("the three games' events", lambda: all(s.position.seq > 0 for s in cluster.snapshots(ids).values())
               and len(cluster.snapshots(ids)) == 3)
    states = {game_id: s.state for game_id, s in cluster.snapshots(ids).items()}
    assert (states["tsdb-9000101"].home_score, states["tsdb-9000101"].away_score, states["tsdb-9000101"].period) == (78, 74, 3)
    assert (states["tsdb-9000102"].status, states["tsdb-9000102"].home_score, states["tsdb-9000102"].away_score) == (
        cpb.GAME_STATUS_HALFTIME, 41, 38)
    assert (states["tsdb-9000103"].status, states["tsdb-9000103"].home_score) == (cpb.GAME_STATUS_FINAL, 88)
    games = {g.id: g for g in cluster.schedule_stub.ListGames(schedpb.ListGamesRequest(page_size=1000), timeout=5).games}
    assert (games["tsdb-9000101"].league_id, games["tsdb-9000101"].home_team_id) == ("nba", "LAL")
    assert (games["tsdb-9000102"].league_id, games["tsdb-9000102"].home_team_id, games["tsdb-9000102"].away_team_id) == (
        "wnba", "wnba-IND", "wnba-LVA")
    assert "tsdb-9000105" not in games, "a league Courtside does not read is left out"
    assert "tsdb-9000104" in games, "the game not started yet is scheduled"
    assert metric(feed, "courtside_feed_rejected_payloads_total") == 0
    assert feed.terminate() == 0
    server.stop()


def test_polling_a_real_thesportsdb_livescore_of_every_sport(cluster):
    cluster.start_score()
    server, http_port = serve_files(cluster)
    feed = cluster.start_feed("--source", "thesportsdb-livescore", "--url",
                              f"http://127.0.0.1:{http_port}/{TSDB_LIVESCORE_ALL}", "--poll-interval-seconds", "0.2")
    nba = {"tsdb-2548849": ("ATL", "MEM"), "tsdb-2601619": ("DET", "PHX"), "tsdb-2601620": ("PHI", "NYK")}

    def tsdb_games():
        games = cluster.schedule_stub.ListGames(schedpb.ListGamesRequest(page_size=1000), timeout=5).games
        return {g.id: g for g in games if g.id.startswith("tsdb-")}
    wait_until("the three NBA games", lambda: set(tsdb_games()) == set(nba))
    wait_until("a second poll", lambda: metric(feed, "courtside_feed_polls_total") >= 2)
    games = tsdb_games()
    for game_id, (home, away) in nba.items():
        assert (games[game_id].league_id, games[game_id].home_team_id, games[game_id].away_team_id) == ("nba", home, away)
        assert games[game_id].status == cpb.GAME_STATUS_SCHEDULED
    assert set(tsdb_games()) == set(nba), "soccer, hockey, football and basketball of other leagues are left out"
    other_leagues = metric(feed, "courtside_feed_skipped_games_total", reason="league_not_read")
    assert other_leagues >= 5 and other_leagues % 5 == 0, "the five basketball games of other leagues, every poll read"
    assert metric(feed, "courtside_feed_skipped_games_total", reason="unknown_team") == 0
    assert metric(feed, "courtside_feed_rejected_payloads_total") == 0
    assert metric(feed, "courtside_feed_polls_total", result="rejected") == 0
    assert feed.terminate() == 0
    server.stop()


@pytest.mark.parametrize("args,env,message", [
    (["--source", "nope"], {}, "--source must be one of"),
    (["--source", "espn-summary"], {}, "--file is required"),
    (["--source", "espn-scoreboard", "--url", "ftp://x/y"], {}, "--url must be an http"),
    (["--score-addr", "nowhere"], {}, "--score-addr must be host:port"),
    ([], {"COURTSIDE_SIM_GAMES": "many"}, "COURTSIDE_SIM_GAMES=many"),
    (["--sim-games", "0"], {}, "--sim-games must be positive"),
    (["--sim-leagues", "nba,mens-college-basketball"], {},
     "--sim-leagues: 'mens-college-basketball' is not a league the simulator plays (it plays: nba, wnba)"),
    ([], {"COURTSIDE_SIM_LEAGUES": "nba,nba"}, "--sim-leagues: names 'nba' twice (from COURTSIDE_SIM_LEAGUES)"),
    (["--source", "sportradar-pbp-xml"], {}, "--file is required"),
    (["--source", "thesportsdb-livescore", "--url", "http://127.0.0.1:9/x", "--pbp-url", "http://127.0.0.1:9/{id}"], {},
     "TheSportsDB has no play-by-play"),
    # --league with a source that would ignore it (the simulator is the default source).
    (["--league", "wnba"], {},
     "--league is not read by --source simulator (--sim-leagues names the simulator's leagues); "
     "only by --source espn-summary, sportradar-pbp, sportradar-pbp-xml (got 'wnba')"),
    (["--source", "nba-scoreboard", "--url", "http://127.0.0.1:9/x"], {"COURTSIDE_FEED_LEAGUE": "wnba"},
     "--league is not read by --source nba-scoreboard"),
])
def test_bad_settings_are_refused(args, env, message):
    process = subprocess.run([os.path.join(BIN, "courtside-feed"), "--admin-port", "0", *args],
                             capture_output=True, text=True, timeout=30, env={**os.environ, **env})
    assert process.returncode == 64, process.stderr
    assert message in process.stderr
