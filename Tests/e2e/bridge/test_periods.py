"""Period labels by league, as processes: men's college basketball plays two 20-minute halves, so
`/api/leagues` says `regulationPeriods: 2` for it (4 for the NBA), and the page in headless
Chromium labels its periods H1, H2 and then OT (card status, play-by-play, Final/OT), while an
NBA game on the same page stays Q1–Q4. Bodies are validated against docs/protocol.schema.json.
"""
import json
import os
import tempfile
import time

import pytest

from test_bridge import TODAY, Stack, check, http
from test_leagues import ARTIFACTS, browser, wait_for  # noqa: F401 (browser: the fixture)

from courtside.v1 import common_pb2  # noqa: E402
from courtside.v1 import schedule_pb2, schedule_pb2_grpc  # noqa: E402
from courtside.v1 import score_pb2  # noqa: E402
import grpc  # noqa: E402

NCAAM = "mens-college-basketball"
HOME, AWAY = f"{NCAAM}-DUKE", f"{NCAAM}-UNC"


class HalvesStack(Stack):
    """The bridge Stack (NBA games E2E1, E2E2) and one men's college game, NCAAM1."""

    def __init__(self, workdir):
        super().__init__(workdir)
        channel = grpc.insecure_channel(f"127.0.0.1:{self.ports['schedule']}")
        now = int(time.time() * 1000)
        teams = [common_pb2.Team(id=HOME, tricode="DUKE", city="Durham", name="Blue Devils", league_id=NCAAM),
                 common_pb2.Team(id=AWAY, tricode="UNC", city="Chapel Hill", name="Tar Heels", league_id=NCAAM)]
        schedule_pb2_grpc.ScheduleServiceStub(channel).UpsertGames(schedule_pb2.UpsertGamesRequest(teams=teams, games=[
            common_pb2.Game(id="NCAAM1", home_team_id=HOME, away_team_id=AWAY, start_time_ms=now - 1_800_000, date=TODAY,
                            venue="Cameron Indoor Stadium", status=common_pb2.GAME_STATUS_SCHEDULED)
        ]), timeout=10)
        channel.close()

    def play(self, game, team, period, clock_ms, status=common_pb2.GAME_STATUS_LIVE):
        """One free throw in `period` with `clock_ms` left; returns its position."""
        k = self.count.get(game, 0) + 1
        self.count[game] = k
        event = common_pb2.Event(
            game_id=game, source_id=f"{game}-{k}", kind=common_pb2.EVENT_KIND_FREE_THROW, team_id=team, points=1,
            description=f"free throw {k}",
            state=common_pb2.GameState(home_score=k, away_score=0, period=period, clock_ms=clock_ms,
                                       clock_running=status == common_pb2.GAME_STATUS_LIVE, status=status))
        return self.score.PublishEvents(score_pb2.PublishEventsRequest(events=[event]), timeout=10).results[-1].position


@pytest.fixture(scope="module")
def stack():
    with tempfile.TemporaryDirectory(prefix="bridge-periods-") as workdir:
        started = HalvesStack(workdir)
        try:
            yield started
        finally:
            started.stop()


def test_leagues_say_how_many_regulation_periods_they_play(stack):
    status, _, body = http(stack, "/api/leagues")
    assert status == 200, body
    leagues = {league["id"]: league for league in check(json.loads(body), "LeaguesResponse")["leagues"]}
    assert leagues[NCAAM]["regulationPeriods"] == 2
    assert leagues["nba"]["regulationPeriods"] == 4
    assert leagues["wnba"]["regulationPeriods"] == 4


CARD_STATUS = """const card = document.querySelector(`[data-game-id="${arguments[0]}"]`);
return card ? card.querySelector('.status').textContent : null;"""


def card_status(browser, game):
    return browser.execute_script(CARD_STATUS, game)


def play_times(browser):
    return browser.execute_script("return [...document.querySelectorAll('.play-time')].map((e) => e.textContent);")


def test_the_page_labels_halves_h1_h2_then_ot(stack, browser):
    os.makedirs(ARTIFACTS, exist_ok=True)
    stack.play("E2E1", "BOS", period=2, clock_ms=600_000)
    stack.play("NCAAM1", HOME, period=1, clock_ms=1_100_000)
    url = f"http://127.0.0.1:{stack.ports['http']}/"
    browser.get(url)
    browser.execute_script("window.localStorage.clear()")
    browser.get(url)
    assert wait_for(lambda: card_status(browser, "NCAAM1") == "H1", 10), card_status(browser, "NCAAM1")
    assert wait_for(lambda: card_status(browser, "E2E1") == "Q2", 10), card_status(browser, "E2E1")

    # Live: the second half, then overtime (period 3 after two halves).
    stack.play("NCAAM1", HOME, period=2, clock_ms=900_000)
    assert wait_for(lambda: card_status(browser, "NCAAM1") == "H2", 10), card_status(browser, "NCAAM1")
    stack.play("NCAAM1", HOME, period=3, clock_ms=200_000)
    assert wait_for(lambda: card_status(browser, "NCAAM1") == "OT", 10), card_status(browser, "NCAAM1")
    assert card_status(browser, "E2E1") == "Q2", "an NBA game keeps quarters"
    browser.save_screenshot(os.path.join(ARTIFACTS, "page-halves.png"))

    # The game page: each play's period label, newest first.
    browser.get(f"{url}#/game/NCAAM1")
    assert wait_for(lambda: play_times(browser)[:3] == ["OT 3:20", "H2 15:00", "H1 18:20"], 10), play_times(browser)

    # Final after overtime.
    stack.play("NCAAM1", HOME, period=3, clock_ms=0, status=common_pb2.GAME_STATUS_FINAL)
    browser.get(url)
    assert wait_for(lambda: card_status(browser, "NCAAM1") == "Final/OT", 10), card_status(browser, "NCAAM1")
    browser.save_screenshot(os.path.join(ARTIFACTS, "page-halves-final.png"))
