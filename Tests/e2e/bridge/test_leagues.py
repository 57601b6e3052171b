"""Leagues through the bridge, as processes: games of the NBA and the WNBA (both seeded by the
schedule) on the JSON API (`league` on every game and team, `/api/leagues`, `?league=` filters),
the WebSocket (`leagues` in subscribe/unsubscribe, `league` on snapshots and events) and SSE
(`leagues=`), with bad input refused (an unknown league, 21 leagues, an oversize or malformed
id); and the page in headless Chromium: one section per league side by side, the league filter,
and the choice remembered across a reload. Every message and body is validated against
docs/protocol.schema.json. Then `courtside games/watch --league` (watch: the subscription service's
league filter, an unknown league or a game of another league refused), and `--private-leagues
wnba`: the WNBA's games need a connection token that names the league.
"""
import json
import os
import shutil
import subprocess
import tempfile
import time

import pytest

from test_bridge import SSE, TODAY, Stack, WebSocket, check, common, http

from courtside.v1 import common_pb2  # noqa: E402
from courtside.v1 import schedule_pb2, schedule_pb2_grpc  # noqa: E402
from courtside.v1 import score_pb2  # noqa: E402
import grpc  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver")
ARTIFACTS = os.path.join(common.ROOT, "artifacts", "bridge")

# NBA games E2E1 (BOS–LAL) and E2E2 (NYK–MIA) come with the Stack; these are the WNBA's.
WNBA = {"WNBA1": ("wnba-IND", "wnba-SEA"), "WNBA2": ("wnba-LVA", "wnba-NYL")}
TOO_MANY = ",".join(f"league{i}" for i in range(21))
OVERSIZE = "x" * 33


class LeagueStack(Stack):
    def __init__(self, workdir, bridge_args=()):
        super().__init__(workdir, bridge_args=bridge_args)
        channel = grpc.insecure_channel(f"127.0.0.1:{self.ports['schedule']}")
        now = int(time.time() * 1000)
        schedule_pb2_grpc.ScheduleServiceStub(channel).UpsertGames(schedule_pb2.UpsertGamesRequest(games=[
            common_pb2.Game(id=game, home_team_id=home, away_team_id=away, start_time_ms=now - 1_800_000 + i, date=TODAY,
                            venue="", status=common_pb2.GAME_STATUS_SCHEDULED)
            for i, (game, (home, away)) in enumerate(WNBA.items())
        ]), timeout=10)
        channel.close()

    def publish(self, game, n=1):
        if game not in WNBA:
            return super().publish(game, n)
        home = WNBA[game][0]
        events = []
        for _ in range(n):
            k = self.count.get(game, 0) + 1
            self.count[game] = k
            events.append(common_pb2.Event(
                game_id=game, source_id=f"{game}-{k}", kind=common_pb2.EVENT_KIND_FREE_THROW, team_id=home, points=1,
                description=f"free throw {k}",
                state=common_pb2.GameState(home_score=k, away_score=0, period=1, clock_ms=600_000, clock_running=True,
                                           status=common_pb2.GAME_STATUS_LIVE)))
        return self.score.PublishEvents(score_pb2.PublishEventsRequest(events=events), timeout=10).results[-1].position


@pytest.fixture(scope="module")
def stack():
    with tempfile.TemporaryDirectory(prefix="bridge-leagues-") as workdir:
        started = LeagueStack(workdir)
        try:
            # E2E1 and WNBA1 live (events published); E2E2 and WNBA2 scheduled.
            for game in ["E2E1", "WNBA1"]:
                started.wait_seq(game, started.publish(game, 2).seq)
            yield started
        finally:
            started.stop()


def api(stack, path, name):
    status, _, body = http(stack, path)
    assert status == 200, (path, status, body)
    return check(json.loads(body), name)


def api_error(stack, path):
    status, _, body = http(stack, path)
    return status, check(json.loads(body), "ErrorResponse")["error"]


def game_ids(body):
    return sorted(g["id"] for g in body["games"])


# ---------------------------------------------------------------- JSON API

def test_leagues_and_games_by_league_on_the_api(stack):
    leagues = api(stack, "/api/leagues", "LeaguesResponse")["leagues"]
    ids = [league["id"] for league in leagues]
    assert ids == sorted(ids) and {"nba", "wnba"} <= set(ids)
    assert {league["id"]: league["shortName"] for league in leagues}["wnba"] == "WNBA"

    every = api(stack, f"/api/games?date={TODAY}", "GamesResponse")
    assert game_ids(every) == ["E2E1", "E2E2", "WNBA1", "WNBA2"]
    for game in every["games"]:
        league = "wnba" if game["id"] in WNBA else "nba"
        assert game["league"] == league and game["home"]["league"] == league and game["away"]["league"] == league
    wnba1 = next(g for g in every["games"] if g["id"] == "WNBA1")
    # Team ids longer than a tricode, the Fever (not the Pacers).
    assert wnba1["home"]["id"] == "wnba-IND" and wnba1["home"]["name"] == "Fever"

    assert game_ids(api(stack, f"/api/games?date={TODAY}&league=wnba", "GamesResponse")) == ["WNBA1", "WNBA2"]
    assert game_ids(api(stack, f"/api/games?date={TODAY}&league=nba", "GamesResponse")) == ["E2E1", "E2E2"]
    both = ["E2E1", "E2E2", "WNBA1", "WNBA2"]
    assert game_ids(api(stack, f"/api/games?date={TODAY}&league=nba,wnba", "GamesResponse")) == both
    assert game_ids(api(stack, f"/api/games?date={TODAY}&league=nba&league=wnba", "GamesResponse")) == both

    teams = api(stack, "/api/teams?league=wnba", "TeamsResponse")["teams"]
    assert teams and all(t["league"] == "wnba" and t["id"].startswith("wnba-") for t in teams)
    assert any(t["id"] == "wnba-SEA" for t in teams)
    assert all(t["league"] == "nba" for t in api(stack, "/api/teams?league=nba", "TeamsResponse")["teams"])

    page = api(stack, "/api/games/WNBA1/events?limit=5", "EventsResponse")
    assert page["events"] and all(e["league"] == "wnba" for e in page["events"])


@pytest.mark.parametrize("query, status, code", [
    ("league=cba", 400, "unknown_league"),
    ("league=nba,cba", 400, "unknown_league"),
    (f"league={TOO_MANY}", 400, "bad_request"),
    (f"league={OVERSIZE}", 400, "bad_request"),
    ("league=a%20b", 400, "bad_request"),
    ("league=nba,,wnba", 400, "bad_request"),
])
def test_bad_league_filters_on_the_api(stack, query, status, code):
    for path in [f"/api/games?date={TODAY}&{query}", f"/api/teams?{query}"]:
        got, error = api_error(stack, path)
        assert (got, error["code"]) == (status, code), (path, error)
    if code == "unknown_league":
        assert "cba" in error["message"]


# ---------------------------------------------------------------- WebSocket

def test_websocket_follows_the_live_games_of_a_league(stack):
    ws = WebSocket(stack.ports["http"])
    assert ws.next()["type"] == "hello"
    ws.send({"type": "subscribe", "leagues": ["wnba"], "id": "l1"})
    assert ws.next() == {"type": "subscribed", "games": [], "teams": [], "allLive": False, "leagues": ["wnba"], "id": "l1"}
    snapshot = ws.next()
    # The live WNBA game only (WNBA2 is scheduled, E2E1 is another league's).
    assert snapshot["type"] == "snapshot" and snapshot["game"] == "WNBA1" and snapshot["league"] == "wnba"
    assert snapshot["reason"] == "initial" and snapshot["home"] == "wnba-IND"

    # An NBA event is not delivered; the WNBA event after it is the next message.
    stack.wait_seq("E2E1", stack.publish("E2E1").seq)
    position = stack.publish("WNBA1")
    event = ws.next()
    assert event["type"] == "event" and event["game"] == "WNBA1" and event["seq"] == position.seq and event["league"] == "wnba"

    ws.send({"type": "unsubscribe", "leagues": ["wnba"], "id": "u1"})
    assert ws.next() == {"type": "unsubscribed", "games": [], "teams": [], "allLive": False, "leagues": [], "id": "u1"}
    # Following nothing now: the next message is the pong, not the WNBA event published before it.
    stack.wait_seq("WNBA1", stack.publish("WNBA1").seq)
    ws.send({"type": "ping", "id": "p1"})
    assert ws.next()["type"] == "pong"


def test_websocket_league_refusals(stack):
    ws = WebSocket(stack.ports["http"])
    assert ws.next()["type"] == "hello"
    ws.send({"type": "subscribe", "leagues": ["cba", "wnba"], "id": "s1"})
    error = ws.next()
    assert error["type"] == "error" and error["code"] == "unknown_league" and error["leagues"] == ["cba"] and error["ref"] == "s1"
    # The rest of the message is carried out.
    assert ws.next() == {"type": "subscribed", "games": [], "teams": [], "allLive": False, "leagues": ["wnba"], "id": "s1"}
    assert ws.next()["game"] == "WNBA1"

    for bad in [TOO_MANY.split(","), [OVERSIZE], ["a b"], "wnba", [7]]:
        ws.send({"type": "subscribe", "leagues": bad, "id": "s2"})
        error = ws.next()
        assert error["type"] == "error" and error["code"] == "bad_request" and error["ref"] == "s2", (bad, error)
    ws.send({"type": "unsubscribe", "leagues": TOO_MANY.split(","), "id": "u2"})
    assert ws.next()["code"] == "bad_request"
    # Nothing changed.
    ws.send({"type": "subscribe", "id": "s3"})
    assert ws.next() == {"type": "subscribed", "games": [], "teams": [], "allLive": False, "leagues": ["wnba"], "id": "s3"}


# ---------------------------------------------------------------- SSE

def test_sse_follows_a_league(stack):
    stream = SSE(stack.ports["http"], "/events?leagues=wnba")
    assert stream.head.startswith("HTTP/1.1 200")
    assert stream.event()[1]["type"] == "hello"
    subscribed = stream.event()[1]
    assert subscribed["type"] == "subscribed" and subscribed["leagues"] == ["wnba"]
    fields, snapshot = stream.event()
    assert snapshot["game"] == "WNBA1" and snapshot["league"] == "wnba" and fields["id"].startswith("WNBA1:")
    stack.wait_seq("E2E1", stack.publish("E2E1").seq)
    position = stack.publish("WNBA1")
    _, event = stream.event()
    assert event["type"] == "event" and event["game"] == "WNBA1" and event["seq"] == position.seq and event["league"] == "wnba"

    # Repeated parameters add up; an unknown league is an error in the stream, like an unknown game.
    stream = SSE(stack.ports["http"], "/events?leagues=cba&leagues=nba")
    assert stream.event()[1]["type"] == "hello"
    error = stream.event()[1]
    assert error["type"] == "error" and error["code"] == "unknown_league" and error["leagues"] == ["cba"]
    assert stream.event()[1]["leagues"] == ["nba"]
    assert stream.event()[1]["game"] == "E2E1"


@pytest.mark.parametrize("query", [f"leagues={TOO_MANY}", f"leagues={OVERSIZE}", "leagues=a%20b", "leagues=nba,"])
def test_sse_bad_league_filters(stack, query):
    status, headers, body = http(stack, f"/events?{query}", headers={"Accept": "text/event-stream"})
    assert status == 400 and check(json.loads(body), "ErrorResponse")["error"]["code"] == "bad_request"


# ---------------------------------------------------------------- the page

@pytest.fixture(scope="module")
def browser():
    if not (CHROMIUM and CHROMEDRIVER):
        if os.environ.get("BRIDGE_REQUIRE_BROWSER") == "1":
            raise RuntimeError("chromium and chromedriver are required (apt-get install chromium chromium-driver)")
        pytest.skip("chromium / chromedriver not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1100,800"]:
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def wait_for(predicate, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if predicate():
                return True
        except Exception:  # the page re-renders while it is read
            pass
        time.sleep(0.05)
    return False


SECTIONS = """return [...document.querySelectorAll('[data-testid="league-section"]')].map((s) => {
  const r = s.getBoundingClientRect();
  return {league: s.dataset.league, title: s.querySelector('.league-title').textContent,
          games: [...s.querySelectorAll('[data-game-id]')].map((g) => g.dataset.gameId).sort(),
          top: r.top, left: r.left, width: r.width, visible: r.width > 0 && r.height > 0};
});"""


def sections(browser):
    return browser.execute_script(SECTIONS)


def test_the_page_groups_games_by_league_and_remembers_the_filter(stack, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    os.makedirs(ARTIFACTS, exist_ok=True)
    url = f"http://127.0.0.1:{stack.ports['http']}/"
    browser.get(url)
    browser.execute_script("window.localStorage.clear()")
    browser.get(url)
    assert wait_for(lambda: len(sections(browser)) == 2, 10), f"two league sections: {sections(browser)}"
    nba, wnba = sections(browser)
    assert (nba["league"], nba["title"], nba["games"]) == ("nba", "NBA", ["E2E1", "E2E2"])
    assert (wnba["league"], wnba["title"], wnba["games"]) == ("wnba", "WNBA", ["WNBA1", "WNBA2"])
    # Side by side: the same row, the WNBA to the right of the NBA.
    assert nba["visible"] and wnba["visible"] and abs(nba["top"] - wnba["top"]) < 1 and wnba["left"] >= nba["left"] + nba["width"]
    # Live scores in both.
    home = lambda game: browser.find_element(By.CSS_SELECTOR, f'[data-game-id="{game}"] [data-testid="home-score"]').text  # noqa: E731
    position = stack.publish("WNBA1")
    assert wait_for(lambda: home("WNBA1") == str(position.seq), 10)
    browser.save_screenshot(os.path.join(ARTIFACTS, "page-leagues.png"))

    Select(browser.find_element(By.CSS_SELECTOR, '[data-testid="league-filter"]')).select_by_value("wnba")
    assert wait_for(lambda: [s["league"] for s in sections(browser)] == ["wnba"], 10), sections(browser)
    assert sections(browser)[0]["games"] == ["WNBA1", "WNBA2"]
    assert not browser.find_elements(By.CSS_SELECTOR, '[data-game-id="E2E1"]')
    # The WNBA game stays live under the filter.
    position = stack.publish("WNBA1")
    assert wait_for(lambda: home("WNBA1") == str(position.seq), 10)

    browser.refresh()
    assert wait_for(lambda: [s["league"] for s in sections(browser)] == ["wnba"], 10), sections(browser)
    assert sections(browser)[0]["games"] == ["WNBA1", "WNBA2"]
    assert browser.find_element(By.CSS_SELECTOR, '[data-testid="league-filter"]').get_attribute("value") == "wnba"
    assert browser.execute_script("return window.localStorage.getItem('courtside.league')") == "wnba"
    browser.save_screenshot(os.path.join(ARTIFACTS, "page-leagues-wnba.png"))

    Select(browser.find_element(By.CSS_SELECTOR, '[data-testid="league-filter"]')).select_by_value("")
    assert wait_for(lambda: [s["league"] for s in sections(browser)] == ["nba", "wnba"], 10), sections(browser)
    assert browser.execute_script("return window.localStorage.getItem('courtside.league')") is None


# ---------------------------------------------------------------- the CLI

def courtside(stack, *args, **options):
    command = [os.path.join(os.environ.get("COURTSIDE_BIN_DIR", os.path.join(common.ROOT, ".build", "debug")), "courtside"), *args]
    # Run outside the repository, so that no run/ of a local `make run` is picked up.
    return subprocess.run(command, cwd=stack.workdir, capture_output=True, text=True, timeout=30, **options)


def test_the_cli_lists_and_watches_games_by_league(stack):
    schedule = ["--schedule-addr", f"127.0.0.1:{stack.ports['schedule']}"]
    listed = courtside(stack, "games", "--date", TODAY, "--league", "wnba", *schedule)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert sorted(line.split()[2] for line in lines) == ["WNBA1", "WNBA2"] and all(line.endswith("[wnba]") for line in lines)
    assert "wnba-SEA @ wnba-IND" in listed.stdout
    both = courtside(stack, "games", "--date", TODAY, "--league", "nba,wnba", "--team", "wnba-IND", *schedule)
    assert both.returncode == 0 and [line.split()[2] for line in both.stdout.splitlines()] == ["WNBA1"], both.stdout

    unknown = courtside(stack, "games", "--league", "cba", *schedule)
    assert unknown.returncode != 0 and "no such league: cba" in unknown.stderr
    for bad in [TOO_MANY, OVERSIZE, "NBA", "nba,,wnba"]:
        refused = courtside(stack, "games", "--league", bad, *schedule)
        assert refused.returncode != 0 and "--league" in refused.stderr, (bad, refused.stderr)

    # The subscription service filters by league, and refuses what cannot match.
    subscription = ["--subscription-addr", f"127.0.0.1:{stack.ports['subscription']}"]
    unknown_watch = courtside(stack, "watch", "--league", "cba", *subscription)
    assert unknown_watch.returncode != 0 and 'filter.league_ids[0]: "cba" is not a known league' in unknown_watch.stderr, (
        unknown_watch.stderr)
    other_league = courtside(stack, "watch", "--game", "E2E1", "--league", "wnba", *subscription)
    assert other_league.returncode != 0 and "'E2E1' is of league nba" in other_league.stderr, other_league.stderr

    watch = subprocess.Popen(
        [os.path.join(os.environ.get("COURTSIDE_BIN_DIR", os.path.join(common.ROOT, ".build", "debug")), "courtside"), "watch",
         "--league", "wnba", "--subscription-addr", f"127.0.0.1:{stack.ports['subscription']}", *schedule],
        cwd=stack.workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # Every live game first (snapshots): the WNBA's only.
        first = watch.stdout.readline()
        assert first.startswith("WNBA1 @"), first
        stack.wait_seq("E2E1", stack.publish("E2E1").seq)
        position = stack.publish("WNBA1")
        line = watch.stdout.readline()
        assert line.startswith(f"WNBA1 #{position.seq} "), line
    finally:
        watch.terminate()
        watch.wait(timeout=10)


# ---------------------------------------------------------------- private leagues

def test_a_private_leagues_games_need_a_token_naming_the_league(tmp_path):
    import jwt
    from test_private import Keys

    keys = Keys(str(tmp_path))

    def token(leagues=(), games=()):
        claims = {"sub": "fan-1", "aud": "courtside-bridge", "iss": "courtside", "exp": int(time.time()) + 600,
                  "games": list(games), "leagues": list(leagues)}
        return jwt.encode(claims, keys.pem, algorithm="ES256", headers={"kid": "web-1"})

    stack = LeagueStack(str(tmp_path), bridge_args=["--connection-jwks-file", keys.jwks_path, "--private-leagues", "wnba"])
    every = token(games=["*"])

    def wait_seq(game, seq):
        """As Stack.wait_seq, with a token that reads every game."""
        deadline = time.time() + 10
        while time.time() < deadline:
            status, _, body = http(stack, f"/api/games/{game}?token={every}")
            if status == 200 and (json.loads(body).get("snapshot") or {}).get("seq", 0) >= seq:
                return
            time.sleep(0.02)
        raise AssertionError(f"the bridge never saw {game} at {seq}")

    try:
        for game in ["E2E1", "WNBA1"]:
            wait_seq(game, stack.publish(game).seq)
        # JSON API: anonymous callers see the NBA only; a token naming the WNBA sees it too.
        assert game_ids(api(stack, f"/api/games?date={TODAY}", "GamesResponse")) == ["E2E1", "E2E2"]
        assert game_ids(api(stack, f"/api/games?date={TODAY}&token={token(['wnba'])}", "GamesResponse")) == [
            "E2E1", "E2E2", "WNBA1", "WNBA2"]
        assert game_ids(api(stack, f"/api/games?date={TODAY}&token={token(['nba'])}", "GamesResponse")) == ["E2E1", "E2E2"]
        assert api_error(stack, "/api/games/WNBA1")[1]["code"] == "token_required"
        assert api(stack, f"/api/games/WNBA1?token={token(games=['WNBA1'])}", "Game")["league"] == "wnba"

        # WebSocket without a token: a WNBA game by id is refused; following the league delivers nothing.
        ws = WebSocket(stack.ports["http"])
        assert ws.next()["type"] == "hello"
        ws.send({"type": "subscribe", "games": ["WNBA1"], "id": "s1"})
        error = ws.next()
        assert error["code"] == "token_required" and error["games"] == ["WNBA1"]
        ws.send({"type": "subscribe", "leagues": ["wnba"], "id": "s2"})
        assert ws.next()["leagues"] == ["wnba"]
        wait_seq("WNBA1", stack.publish("WNBA1").seq)
        ws.send({"type": "ping", "id": "p1"})
        assert ws.next()["type"] == "pong", "a private league's game went to a connection without a token"

        # With a token naming the league: the game and its events.
        ws = WebSocket(stack.ports["http"])
        assert ws.next()["type"] == "hello"
        ws.send({"type": "token", "token": token(["wnba"]), "id": "t1"})
        assert ws.next()["type"] == "authorized"
        ws.send({"type": "subscribe", "leagues": ["wnba"], "id": "s3"})
        assert ws.next()["leagues"] == ["wnba"]
        snapshot = ws.next()
        assert snapshot["type"] == "snapshot" and snapshot["game"] == "WNBA1"
        position = stack.publish("WNBA1")
        event = ws.next()
        assert event["type"] == "event" and event["game"] == "WNBA1" and event["seq"] == position.seq

        # SSE: a WNBA game by id needs the token too.
        status, _, body = http(stack, "/events?games=WNBA1", headers={"Accept": "text/event-stream"})
        assert status == 401 and json.loads(body)["error"]["code"] == "token_required"
    finally:
        stack.stop()
