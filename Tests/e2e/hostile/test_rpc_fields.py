"""Every field of every RPC of the score, schedule and subscription services, as a hostile client
sends it: numbers at hostile.BOUNDARY_INTS (as far as the field's type allows), strings empty, at
their limit, over it, with invalid UTF-8 and with a NUL byte, repeated fields over their count.

Each answer must be OK or a clear INVALID_ARGUMENT / OUT_OF_RANGE / NOT_FOUND (the exact one is
asserted: the limits are in the services' READMEs), a refused write must leave nothing behind,
and after each case the service must be alive, healthy and within its RSS bound.
"""
import base64
import time

import grpc
import pytest

import hostile
from hostile import pb

C = pb.common_pb2
SCORE = pb.score_pb2
SCHEDULE = pb.schedule_pb2
SUBSCRIPTION = pb.subscription_pb2

OK = grpc.StatusCode.OK
INVALID = grpc.StatusCode.INVALID_ARGUMENT
OUT_OF_RANGE = grpc.StatusCode.OUT_OF_RANGE
NOT_FOUND = grpc.StatusCode.NOT_FOUND
DEADLINE = grpc.StatusCode.DEADLINE_EXCEEDED

MAX_POSITION = 2**63 - 1
MAX_TIMESTAMP_MS = 253_402_300_799_999
U64 = hostile.BOUNDARY_INTS
U32 = [v for v in hostile.BOUNDARY_INTS if v < 2**32] + [2**32 - 1]
I64 = [v for v in hostile.BOUNDARY_INTS if v < 2**63] + [-1, -(2**63)]
ENUM = [0, 1, 2**31 - 1, -1, -(2**31)]
# Bytes that are not text, spliced over a same-length ASCII marker so every length prefix holds.
MARKER = b"MARKER"
NOT_TEXT = [b"\xffARKER", b"a\x00bKER", b"\xc3ARKER", b"\xed\xa0\x80KER"]

GROWTH_MB = 40  # debug builds, requests of up to a few MB, SQLite in memory


def status(call, *args, **kwargs):
    """The status code of a unary call (OK when it returns)."""
    try:
        call(*args, timeout=15, **kwargs)
        return OK
    except grpc.RpcError as error:
        return error.code()


def stream_status(call, request, first=1, timeout=3.0):
    """The status of a server-streaming call after reading `first` items (OK then), or the
    error it ended with (DEADLINE_EXCEEDED when nothing came in time)."""
    responses = call(request, timeout=timeout)
    try:
        for index, _ in enumerate(responses):
            if index + 1 >= first:
                return OK
        return OK
    except grpc.RpcError as error:
        return error.code()
    finally:
        responses.cancel()


def raw_status(cluster, service, path, message, replacement, streaming=False):
    """Sends `message` (holding MARKER in a string field) with MARKER's bytes replaced."""
    data = message.SerializeToString()
    assert data.count(MARKER) == 1, data
    data = data.replace(MARKER, replacement)
    channel = cluster.grpc_channel(service)
    try:
        if streaming:
            for _ in channel.unary_stream(path)(data, timeout=10):
                return OK
            return OK
        channel.unary_unary(path)(data, timeout=10)
        return OK
    except grpc.RpcError as error:
        return error.code()


def check_not_text(cluster, service, path, messages, streaming=False):
    for message in messages:
        for replacement in NOT_TEXT:
            assert raw_status(cluster, service, path, message, replacement, streaming) == INVALID, (path, message, replacement)


def stubs(cluster):
    return (
        pb.score_pb2_grpc.ScoreServiceStub(cluster.grpc_channel("score")),
        pb.schedule_pb2_grpc.ScheduleServiceStub(cluster.grpc_channel("schedule")),
        pb.subscription_pb2_grpc.SubscriptionServiceStub(cluster.grpc_channel("subscription")),
    )


_counter = [0]


def new_game(cluster, prefix="hf"):
    """A game of our own in the schedule (the feed's simulator never touches it)."""
    _counter[0] += 1
    game_id = f"{prefix}-{int(time.time() * 1000) % 10**9}-{_counter[0]}"
    _, schedule, _ = stubs(cluster)
    schedule.UpsertGames(SCHEDULE.UpsertGamesRequest(games=[C.Game(
        id=game_id, home_team_id="BOS", away_team_id="NYK", start_time_ms=int(time.time() * 1000),
        date=hostile.game_date(), venue="TD Garden", status=C.GAME_STATUS_SCHEDULED)]), timeout=10)
    return game_id


def event(game_id, source_id, home=0, away=0, **fields):
    state = C.GameState(home_score=home, away_score=away, period=1, clock_ms=600_000, status=C.GAME_STATUS_LIVE)
    return C.Event(game_id=game_id, source_id=source_id, kind=C.EVENT_KIND_BASKET, state=state, **fields)


def game_with_events(cluster, count=3):
    """A game of our own with `count` events: its id and epoch."""
    score, _, _ = stubs(cluster)
    game_id = new_game(cluster)
    events = [event(game_id, f"e-{n}", home=n) for n in range(count)]
    published = score.PublishEvents(SCORE.PublishEventsRequest(events=events), timeout=10)
    return game_id, published.results[0].position.epoch


def last_seq(score, game_id):
    page = score.ListEvents(SCORE.ListEventsRequest(game_id=game_id, page_size=1, newest_first=True), timeout=10)
    return page.events[0].position.seq if page.events else 0


# --- score -----------------------------------------------------------------------------------

EVENT_NUMBERS = [
    # (name, how to set it, values, accepted?)
    ("points", lambda e, v: setattr(e, "points", v), U32, lambda v: v <= 3),
    ("state.home_score", lambda e, v: setattr(e.state, "home_score", v), U32, lambda v: True),
    ("state.away_score", lambda e, v: setattr(e.state, "away_score", v), U32, lambda v: True),
    ("state.period", lambda e, v: setattr(e.state, "period", v), U32, lambda v: v <= 20),
    # At most a period of the game's league: 12 minutes in period 1 of new_game's NBA game.
    ("state.clock_ms", lambda e, v: setattr(e.state, "clock_ms", v), U32, lambda v: v <= 720_000),
    ("occurred_at_ms", lambda e, v: setattr(e, "occurred_at_ms", v), I64, lambda v: 0 <= v <= MAX_TIMESTAMP_MS),
    ("recorded_at_ms", lambda e, v: setattr(e, "recorded_at_ms", v), I64, lambda v: True),
    ("position.epoch", lambda e, v: e.position.MergeFrom(C.Position(epoch=v, seq=1)), U64, lambda v: True),
    ("position.seq", lambda e, v: e.position.MergeFrom(C.Position(epoch=1, seq=v)), U64, lambda v: True),
    ("kind", lambda e, v: setattr(e, "kind", v), ENUM, lambda v: 1 <= v <= 16),
    ("state.status", lambda e, v: setattr(e.state, "status", v), ENUM, lambda v: 1 <= v <= 6),
]


@pytest.mark.parametrize("field", EVENT_NUMBERS, ids=[f[0] for f in EVENT_NUMBERS])
@pytest.mark.parametrize("method", ["PublishEvents", "PublishEventStream"])
def test_publish_numbers(cluster, method, field):
    score, _, _ = stubs(cluster)
    name, apply, values, accepted = field
    with cluster.guard("score", max_growth_mb=GROWTH_MB):
        for index, value in enumerate(values):
            game_id = new_game(cluster)  # the first event of a game: no earlier state to contradict
            e = event(game_id, f"n-{index}")
            apply(e, value)
            request = SCORE.PublishEventsRequest(events=[e])
            if method == "PublishEvents":
                got = status(score.PublishEvents, request)
            else:
                got = status(score.PublishEventStream, iter([request]))
            assert got == (OK if accepted(value) else INVALID), (name, value, got)
            assert last_seq(score, game_id) == (1 if got == OK else 0), "a refused event leaves nothing"


STRING_LIMITS = {"game_id": 128, "source_id": 256, "team_id": 64, "player": 256, "description": 4096}


@pytest.mark.parametrize("field", list(STRING_LIMITS))
def test_publish_strings(cluster, field):
    score, _, _ = stubs(cluster)
    limit = STRING_LIMITS[field]
    with cluster.guard("score", max_growth_mb=GROWTH_MB):
        game_id = new_game(cluster)
        score.PublishEvents(SCORE.PublishEventsRequest(events=[event(game_id, "base")]), timeout=10)
        may_be_empty = field in ("team_id", "player", "description")
        cases = [("", OK if may_be_empty else INVALID), ("x" * limit, OK), ("x" * (limit + 1), INVALID)]
        if field == "game_id":
            cases[1] = ("x" * limit, NOT_FOUND)  # well formed, but the schedule has no such game
        for index, (value, expected) in enumerate(cases):
            e = event(game_id, f"s-{field}-{index}")
            setattr(e, field, value)
            got = status(score.PublishEvents, SCORE.PublishEventsRequest(events=[e]))
            assert got == expected, (field, len(value), got)
        assert last_seq(score, game_id) == 1 + (1 if may_be_empty else 0) + (0 if field == "game_id" else 1)
        marked = event(game_id, "m-src")
        setattr(marked, field, MARKER.decode())
        check_not_text(cluster, "score", "/courtside.v1.ScoreService/PublishEvents", [SCORE.PublishEventsRequest(events=[marked])])
        assert last_seq(score, game_id) == 1 + (1 if may_be_empty else 0) + (0 if field == "game_id" else 1)


def test_publish_counts(cluster):
    score, _, _ = stubs(cluster)
    with cluster.guard("score", max_growth_mb=GROWTH_MB * 2):
        game_id = new_game(cluster)
        batch = [event(game_id, f"c-{n}") for n in range(10_001)]
        assert status(score.PublishEvents, SCORE.PublishEventsRequest(events=batch)) == INVALID
        assert status(score.PublishEventStream, iter([SCORE.PublishEventsRequest(events=batch)])) == INVALID
        assert last_seq(score, game_id) == 0


def test_get_snapshots(cluster):
    score, _, _ = stubs(cluster)
    with cluster.guard("score", max_growth_mb=GROWTH_MB):
        quiet = new_game(cluster)
        ask = lambda ids: status(score.GetSnapshots, SCORE.GetSnapshotsRequest(game_ids=ids))  # noqa: E731
        assert ask([]) == OK
        assert ask([""]) == INVALID
        assert ask(["g" * 128]) == NOT_FOUND
        assert ask(["g" * 129]) == INVALID
        assert ask([quiet] * 1001) == INVALID
        assert ask([quiet, "no-such-game"]) == NOT_FOUND
        assert ask([quiet] * 1000) == OK
        check_not_text(cluster, "score", "/courtside.v1.ScoreService/GetSnapshots", [SCORE.GetSnapshotsRequest(game_ids=[MARKER.decode()])])


def test_stream_events_positions(cluster):
    score, _, _ = stubs(cluster)
    with cluster.guard("score", max_growth_mb=GROWTH_MB):
        game_id, epoch = game_with_events(cluster)
        for value in U64:
            for position in (C.Position(epoch=epoch, seq=value), C.Position(epoch=value, seq=1)):
                request = SCORE.StreamEventsRequest(games=[C.GameCursor(game_id=game_id, after=position)])
                got = stream_status(score.StreamEvents, request, timeout=2)
                if position.epoch > MAX_POSITION or position.seq > MAX_POSITION:
                    assert got == OUT_OF_RANGE, (position, got)
                elif position.epoch == epoch and position.seq == 3:
                    assert got == DEADLINE, "up to date: nothing to send"
                else:
                    assert got == OK, (position, got)  # events after it, or a RESET snapshot
        ask = lambda request: stream_status(score.StreamEvents, request, timeout=2)  # noqa: E731
        assert ask(SCORE.StreamEventsRequest(games=[C.GameCursor(game_id="")])) == INVALID
        assert ask(SCORE.StreamEventsRequest(games=[C.GameCursor(game_id="g" * 129)])) == INVALID
        assert ask(SCORE.StreamEventsRequest(games=[C.GameCursor(game_id="g" * 128)])) == NOT_FOUND
        assert ask(SCORE.StreamEventsRequest(games=[C.GameCursor(game_id=f"g{n}") for n in range(10_001)], all_games=True)) == INVALID
        assert ask(SCORE.StreamEventsRequest()) == INVALID
        check_not_text(cluster, "score", "/courtside.v1.ScoreService/StreamEvents",
                       [SCORE.StreamEventsRequest(games=[C.GameCursor(game_id=MARKER.decode())])], streaming=True)


def page_token(scope, number):
    """A ListEvents page token as the score service writes one (CourtsideDomain/PageToken.swift):
    version 1, the log's epoch and the last seq (8 bytes each, big endian), base64url unpadded."""
    raw = bytes([1]) + scope.to_bytes(8, "big") + number.to_bytes(8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_list_events(cluster):
    score, _, _ = stubs(cluster)
    with cluster.guard("score", max_growth_mb=GROWTH_MB):
        game_id, epoch = game_with_events(cluster)
        for value in U64:
            expected = OK if value <= MAX_POSITION else OUT_OF_RANGE
            assert status(score.ListEvents, SCORE.ListEventsRequest(game_id=game_id, after_seq=value)) == expected, value
            assert status(score.ListEvents, SCORE.ListEventsRequest(game_id=game_id, before_seq=value, newest_first=True)) == expected, value
        for value in U32 + [1000, 1001]:
            assert status(score.ListEvents, SCORE.ListEventsRequest(game_id=game_id, page_size=value)) == (OK if value <= 1000 else INVALID)
        ask = lambda **fields: status(score.ListEvents, SCORE.ListEventsRequest(**fields))  # noqa: E731
        assert ask(game_id="") == INVALID
        assert ask(game_id="g" * 128) == NOT_FOUND
        assert ask(game_id="g" * 129) == INVALID
        assert ask(game_id=game_id, page_token=page_token(epoch, 2)) == OK
        assert ask(game_id=game_id, page_token=page_token(epoch, 2**64 - 1)) == INVALID
        assert ask(game_id=game_id, page_token=page_token(epoch + 1, 2)) == INVALID
        assert ask(game_id=game_id, page_token="p" * 1024) == INVALID
        assert ask(game_id=game_id, page_token="p" * 1025) == INVALID
        check_not_text(cluster, "score", "/courtside.v1.ScoreService/ListEvents",
                       [SCORE.ListEventsRequest(game_id=MARKER.decode()), SCORE.ListEventsRequest(game_id=game_id, page_token=MARKER.decode())])


# --- schedule --------------------------------------------------------------------------------

def a_game(game_id, **fields):
    values = dict(id=game_id, home_team_id="BOS", away_team_id="NYK", start_time_ms=1_761_089_400_000, date="2025-10-21",
                  venue="TD Garden", status=C.GAME_STATUS_SCHEDULED)
    values.update(fields)
    return C.Game(**values)


def test_upsert_games_numbers(cluster):
    _, schedule, _ = stubs(cluster)
    with cluster.guard("schedule", max_growth_mb=GROWTH_MB):
        for index, value in enumerate(I64):
            game_id = f"hf-start-{index}"
            got = status(schedule.UpsertGames, SCHEDULE.UpsertGamesRequest(games=[a_game(game_id, start_time_ms=value)]))
            assert got == (OK if 0 < value <= MAX_TIMESTAMP_MS else INVALID), (value, got)
            if got != OK:
                assert status(schedule.GetGame, SCHEDULE.GetGameRequest(game_id=game_id)) == NOT_FOUND
        for index, value in enumerate(U64):
            answer = schedule.UpsertGames(SCHEDULE.UpsertGamesRequest(games=[a_game(f"hf-rev-{index}", revision=value)]), timeout=10)
            assert answer.games[0].revision == 1, "the revision is the service's"
        for index, value in enumerate(ENUM):
            got = status(schedule.UpsertGames, SCHEDULE.UpsertGamesRequest(games=[a_game(f"hf-status-{index}", status=value)]))
            assert got == (OK if 1 <= value <= 6 else INVALID), (value, got)


def test_upsert_games_strings_and_count(cluster):
    _, schedule, _ = stubs(cluster)
    with cluster.guard("schedule", max_growth_mb=GROWTH_MB * 2):
        cases = [
            (a_game(""), INVALID), (a_game("i" * 128), OK), (a_game("i" * 129), INVALID), (a_game("a b"), INVALID),
            (a_game("hf-h1", home_team_id=""), INVALID), (a_game("hf-h2", home_team_id="T" * 64), NOT_FOUND),
            (a_game("hf-h3", home_team_id="T" * 65), INVALID), (a_game("hf-h4", away_team_id="XYZ"), NOT_FOUND),
            (a_game("hf-d1", date=""), INVALID), (a_game("hf-d2", date="2025-10-21" * 100), INVALID),
            (a_game("hf-v1", venue=""), OK), (a_game("hf-v2", venue="v" * 200), OK), (a_game("hf-v3", venue="v" * 201), INVALID),
        ]
        for game, expected in cases:
            got = status(schedule.UpsertGames, SCHEDULE.UpsertGamesRequest(games=[game]))
            assert got == expected, (game.id[:20], got)
            if got != OK and game.id and len(game.id) <= 128 and " " not in game.id:
                assert status(schedule.GetGame, SCHEDULE.GetGameRequest(game_id=game.id)) == NOT_FOUND
        many = [a_game(f"hf-many-{n}") for n in range(10_001)]
        assert status(schedule.UpsertGames, SCHEDULE.UpsertGamesRequest(games=many)) == INVALID
        assert status(schedule.GetGame, SCHEDULE.GetGameRequest(game_id="hf-many-0")) == NOT_FOUND
        for field in ("id", "home_team_id", "away_team_id", "date", "venue"):
            game = a_game("hf-marked")
            setattr(game, field, MARKER.decode())
            check_not_text(cluster, "schedule", "/courtside.v1.ScheduleService/UpsertGames", [SCHEDULE.UpsertGamesRequest(games=[game])])
        assert status(schedule.GetGame, SCHEDULE.GetGameRequest(game_id="hf-marked")) == NOT_FOUND


def test_get_game_and_update_status(cluster):
    _, schedule, _ = stubs(cluster)
    with cluster.guard("schedule", max_growth_mb=GROWTH_MB):
        schedule.UpsertGames(SCHEDULE.UpsertGamesRequest(games=[a_game("hf-status")]), timeout=10)
        for game_id, expected in [("", INVALID), ("g" * 128, NOT_FOUND), ("g" * 129, INVALID), ("a\tb", INVALID), ("hf-status", OK)]:
            assert status(schedule.GetGame, SCHEDULE.GetGameRequest(game_id=game_id)) == expected
            assert status(schedule.UpdateGameStatus, SCHEDULE.UpdateGameStatusRequest(game_id=game_id, status=C.GAME_STATUS_SCHEDULED)) == expected
        for value in ENUM:
            got = status(schedule.UpdateGameStatus, SCHEDULE.UpdateGameStatusRequest(game_id="hf-status", status=value))
            assert got == (OK if value == 1 else INVALID), (value, got)
        check_not_text(cluster, "schedule", "/courtside.v1.ScheduleService/GetGame", [SCHEDULE.GetGameRequest(game_id=MARKER.decode())])
        check_not_text(cluster, "schedule", "/courtside.v1.ScheduleService/UpdateGameStatus",
                       [SCHEDULE.UpdateGameStatusRequest(game_id=MARKER.decode(), status=C.GAME_STATUS_LIVE)])


def test_list_teams_and_games(cluster):
    _, schedule, _ = stubs(cluster)
    with cluster.guard("schedule", max_growth_mb=GROWTH_MB):
        teams = schedule.ListTeams(SCHEDULE.ListTeamsRequest(), timeout=10).teams
        assert len([team for team in teams if team.league_id == "nba"]) == 30
        for value in U32:
            assert status(schedule.ListGames, SCHEDULE.ListGamesRequest(page_size=value)) == OK, value
        for value in ENUM:
            assert status(schedule.ListGames, SCHEDULE.ListGamesRequest(statuses=[value])) == (OK if 1 <= value <= 6 else INVALID), value
        ask = lambda **fields: status(schedule.ListGames, SCHEDULE.ListGamesRequest(**fields))  # noqa: E731
        assert ask(date_from="2025-10-21", date_to="2025-10-22") == OK
        assert ask(date_from="2025-10-210") == INVALID
        assert ask(date_to="9" * 4096) == INVALID
        assert ask(team_ids=[""]) == INVALID
        assert ask(team_ids=["QQQ"]) == NOT_FOUND
        assert ask(team_ids=["T" * 65]) == INVALID
        assert ask(team_ids=["BOS"] * 100) == OK
        assert ask(team_ids=["BOS"] * 101) == INVALID
        assert ask(statuses=[C.GAME_STATUS_LIVE] * 17) == INVALID
        assert ask(page_token="A" * 1024) == INVALID
        assert ask(page_token="A" * 1025) == INVALID
        path = "/courtside.v1.ScheduleService/ListGames"
        check_not_text(cluster, "schedule", path, [
            SCHEDULE.ListGamesRequest(date_from=MARKER.decode()), SCHEDULE.ListGamesRequest(date_to=MARKER.decode()),
            SCHEDULE.ListGamesRequest(team_ids=[MARKER.decode()]), SCHEDULE.ListGamesRequest(page_token=MARKER.decode()),
        ])



def a_team(tricode, league_id="mens-college-basketball", **fields):
    values = dict(id=f"{league_id}-{tricode}", league_id=league_id, tricode=tricode, city="Storrs", name="Huskies",
                  primary_color="#000e2f")
    values.update(fields)
    return C.Team(**values)


def test_leagues_and_created_teams(cluster):
    """League filters and the teams a feed creates: every count, length and colour is checked, a
    refused request writes no team, and a seed team cannot be rewritten (nor the NBA joined)."""
    _, schedule, _ = stubs(cluster)
    with cluster.guard("schedule", max_growth_mb=GROWTH_MB):
        leagues = [league.id for league in schedule.ListLeagues(SCHEDULE.ListLeaguesRequest(), timeout=10).leagues]
        assert "nba" in leagues and "wnba" in leagues
        for call, request in ((schedule.ListGames, SCHEDULE.ListGamesRequest), (schedule.ListTeams, SCHEDULE.ListTeamsRequest)):
            assert status(call, request(league_ids=["wnba"])) == OK
            assert status(call, request(league_ids=[""])) == INVALID
            assert status(call, request(league_ids=["x" * 65])) == INVALID
            assert status(call, request(league_ids=["cricket"])) == NOT_FOUND
            assert status(call, request(league_ids=["nba"] * 20)) == OK
            assert status(call, request(league_ids=["nba"] * 21)) == INVALID
            assert status(call, request(league_ids=["nba"] * 10_000)) == INVALID
        team_count = lambda: len(schedule.ListTeams(SCHEDULE.ListTeamsRequest(), timeout=10).teams)  # noqa: E731
        before = team_count()
        game = a_game("hf-league-game", home_team_id="mens-college-basketball-UC1", away_team_id="mens-college-basketball-UC2")
        refused = [
            [a_team("UC1", city="c" * 201), a_team("UC2")],
            [a_team("UC1", name="n" * 201), a_team("UC2")],
            [a_team("UC1", conference="c" * 201), a_team("UC2")],
            [a_team("UC1", division="d" * 201), a_team("UC2")],
            [a_team("UC1", name="Huskies\u0000"), a_team("UC2")],
            [a_team("UC1", secondary_color="#12345g"), a_team("UC2")],
            [a_team("UC1", primary_color="red"), a_team("UC2")],
            [a_team("UC1", league_id="nba"), a_team("UC2")],  # the NBA's table is complete
            [a_team("IND", league_id="wnba"), a_team("UC2")],  # a seed team (the WNBA takes new ones only)
            [a_team("UC1", league_id="cricket"), a_team("UC2")],
            [a_team("UC1", id="mens-college-basketball-XXX"), a_team("UC2")],
            [a_team("U" * 65), a_team("UC2")],
            [a_team("UC1"), a_team("UC1")],
            [a_team(f"M{n}") for n in range(1001)],
        ]
        for teams in refused:
            assert status(schedule.UpsertGames, SCHEDULE.UpsertGamesRequest(games=[game], teams=teams)) == INVALID, teams[0]
        assert team_count() == before
        assert status(schedule.GetGame, SCHEDULE.GetGameRequest(game_id="hf-league-game")) == NOT_FOUND
        assert status(schedule.UpsertGames, SCHEDULE.UpsertGamesRequest(games=[game], teams=[a_team("UC1"), a_team("UC2")])) == OK
        assert team_count() == before + 2
        check_not_text(cluster, "schedule", "/courtside.v1.ScheduleService/ListTeams",
                       [SCHEDULE.ListTeamsRequest(league_ids=[MARKER.decode()])])

def test_watch_games(cluster):
    _, schedule, _ = stubs(cluster)
    with cluster.guard("schedule", max_growth_mb=GROWTH_MB):
        ask = lambda request: stream_status(schedule.WatchGames, request, timeout=2)  # noqa: E731
        assert ask(SCHEDULE.WatchGamesRequest(send_initial=True)) == OK
        assert ask(SCHEDULE.WatchGamesRequest(game_ids=[""])) == INVALID
        assert ask(SCHEDULE.WatchGamesRequest(game_ids=["g" * 129])) == INVALID
        assert ask(SCHEDULE.WatchGamesRequest(game_ids=[f"g{n}" for n in range(10_001)])) == INVALID
        assert ask(SCHEDULE.WatchGamesRequest(send_initial=True, league_ids=["wnba"])) in (OK, DEADLINE)
        assert ask(SCHEDULE.WatchGamesRequest(league_ids=[""])) == INVALID
        assert ask(SCHEDULE.WatchGamesRequest(league_ids=["cricket"])) == NOT_FOUND
        assert ask(SCHEDULE.WatchGamesRequest(league_ids=["nba"] * 21)) == INVALID
        check_not_text(cluster, "schedule", "/courtside.v1.ScheduleService/WatchGames",
                       [SCHEDULE.WatchGamesRequest(game_ids=[MARKER.decode()])], streaming=True)


# --- subscription ----------------------------------------------------------------------------

def test_acknowledge_positions(cluster):
    _, _, subscriptions = stubs(cluster)
    with cluster.guard("subscription", max_growth_mb=GROWTH_MB):
        game_id = new_game(cluster)
        name = f"hf-ack-{int(time.time())}"
        subscriptions.CreateSubscription(SUBSCRIPTION.CreateSubscriptionRequest(name=name, filter=SUBSCRIPTION.SubscriptionFilter(game_ids=[game_id])), timeout=10)

        def cursor():
            found = subscriptions.GetSubscription(SUBSCRIPTION.GetSubscriptionRequest(name=name), timeout=10).cursors
            return [(c.after.epoch, c.after.seq) for c in found]

        for value in U64:
            for position in (C.Position(epoch=value, seq=5), C.Position(epoch=5, seq=value)):
                before = cursor()
                got = status(subscriptions.Acknowledge, SUBSCRIPTION.AcknowledgeRequest(name=name, positions=[C.GameCursor(game_id=game_id, after=position)]))
                if max(position.epoch, position.seq) > MAX_POSITION:
                    assert got == OUT_OF_RANGE, (position, got)
                    assert cursor() == before, "a refused acknowledgement leaves the cursor"
                else:
                    assert got == OK, (position, got)
        ack = lambda **fields: status(subscriptions.Acknowledge, SUBSCRIPTION.AcknowledgeRequest(**fields))  # noqa: E731
        one = C.Position(epoch=1, seq=1)
        assert ack(name=name, positions=[C.GameCursor(game_id=game_id)]) == INVALID
        assert ack(name=name, positions=[C.GameCursor(game_id="", after=one)]) == INVALID
        assert ack(name=name, positions=[C.GameCursor(game_id="g" * 129, after=one)]) == INVALID
        assert ack(name=name, positions=[C.GameCursor(game_id="no-such-game", after=one)]) == NOT_FOUND
        assert ack(name="nobody", positions=[C.GameCursor(game_id=game_id, after=one)]) == NOT_FOUND
        assert ack(name=name, positions=[C.GameCursor(game_id=game_id, after=one)] * 10_001) == INVALID
        check_not_text(cluster, "subscription", "/courtside.v1.SubscriptionService/Acknowledge", [
            SUBSCRIPTION.AcknowledgeRequest(name=MARKER.decode()),
            SUBSCRIPTION.AcknowledgeRequest(name=name, positions=[C.GameCursor(game_id=MARKER.decode(), after=one)]),
        ])
        subscriptions.DeleteSubscription(SUBSCRIPTION.DeleteSubscriptionRequest(name=name), timeout=10)


def test_durable_names_and_filters(cluster):
    _, _, subscriptions = stubs(cluster)
    with cluster.guard("subscription", max_growth_mb=GROWTH_MB):
        game_id = new_game(cluster)
        names = [("", INVALID), ("n" * 64, OK), ("n" * 65, INVALID), ("a b", INVALID), ("é", INVALID)]
        game_filter = SUBSCRIPTION.SubscriptionFilter(game_ids=[game_id])
        for name, expected in names:
            assert status(subscriptions.CreateSubscription, SUBSCRIPTION.CreateSubscriptionRequest(name=name, filter=game_filter)) == expected, name
            assert status(subscriptions.GetSubscription, SUBSCRIPTION.GetSubscriptionRequest(name=name)) == expected, name
            assert status(subscriptions.DeleteSubscription, SUBSCRIPTION.DeleteSubscriptionRequest(name=name)) == expected, name
        assert status(subscriptions.GetSubscription, SUBSCRIPTION.GetSubscriptionRequest(name="no-such-one")) == NOT_FOUND
        assert status(subscriptions.ListSubscriptions, SUBSCRIPTION.ListSubscriptionsRequest()) == OK
        filters = [
            (SUBSCRIPTION.SubscriptionFilter(), INVALID),
            (SUBSCRIPTION.SubscriptionFilter(game_ids=[""]), INVALID),
            (SUBSCRIPTION.SubscriptionFilter(game_ids=["g" * 129]), INVALID),
            (SUBSCRIPTION.SubscriptionFilter(game_ids=["g" * 128]), NOT_FOUND),
            (SUBSCRIPTION.SubscriptionFilter(game_ids=[game_id] * 1001), INVALID),
            (SUBSCRIPTION.SubscriptionFilter(team_ids=[""]), INVALID),
            (SUBSCRIPTION.SubscriptionFilter(team_ids=["T" * 65]), INVALID),
            (SUBSCRIPTION.SubscriptionFilter(team_ids=["BOS"] * 101), INVALID),
            (SUBSCRIPTION.SubscriptionFilter(league_ids=[""]), INVALID),
            (SUBSCRIPTION.SubscriptionFilter(league_ids=["x" * 33]), INVALID),
            (SUBSCRIPTION.SubscriptionFilter(league_ids=["cricket"]), NOT_FOUND),
            (SUBSCRIPTION.SubscriptionFilter(all_live=True, league_ids=["nba"] * 21), INVALID),
            (SUBSCRIPTION.SubscriptionFilter(all_live=True, league_ids=["nba"] * 10_000), INVALID),
            (SUBSCRIPTION.SubscriptionFilter(game_ids=[game_id], league_ids=["wnba"]), INVALID),
        ]
        for index, (subscription_filter, expected) in enumerate(filters):
            request = SUBSCRIPTION.CreateSubscriptionRequest(name=f"hf-filter-{index}", filter=subscription_filter)
            assert status(subscriptions.CreateSubscription, request) == expected, index
            assert stream_status(subscriptions.Subscribe, SUBSCRIPTION.SubscribeRequest(filter=subscription_filter)) == expected, index
        path = "/courtside.v1.SubscriptionService/"
        for method in ("GetSubscription", "DeleteSubscription"):
            request = getattr(SUBSCRIPTION, f"{method}Request")(name=MARKER.decode())
            check_not_text(cluster, "subscription", path + method, [request])
        check_not_text(cluster, "subscription", path + "CreateSubscription", [
            SUBSCRIPTION.CreateSubscriptionRequest(name=MARKER.decode(), filter=game_filter),
            SUBSCRIPTION.CreateSubscriptionRequest(name="hf-m", filter=SUBSCRIPTION.SubscriptionFilter(game_ids=[MARKER.decode()])),
            SUBSCRIPTION.CreateSubscriptionRequest(name="hf-m", filter=SUBSCRIPTION.SubscriptionFilter(team_ids=[MARKER.decode()])),
        ])
        assert status(subscriptions.GetSubscription, SUBSCRIPTION.GetSubscriptionRequest(name="hf-m")) == NOT_FOUND


def test_subscribe_resume(cluster):
    _, _, subscriptions = stubs(cluster)
    with cluster.guard("subscription", max_growth_mb=GROWTH_MB):
        game_id, epoch = game_with_events(cluster)
        game_filter = SUBSCRIPTION.SubscriptionFilter(game_ids=[game_id])
        for value in U64:
            for position in (C.Position(epoch=epoch, seq=value), C.Position(epoch=value, seq=1)):
                request = SUBSCRIPTION.SubscribeRequest(filter=game_filter, resume=[C.GameCursor(game_id=game_id, after=position)])
                got = stream_status(subscriptions.Subscribe, request, timeout=2)
                if max(position.epoch, position.seq) > MAX_POSITION:
                    assert got == OUT_OF_RANGE, (position, got)
                else:
                    # Events after it, a RESET snapshot, or nothing yet when it is the head.
                    assert got in (OK, DEADLINE), (position, got)
        ask = lambda request: stream_status(subscriptions.Subscribe, request, timeout=2)  # noqa: E731
        assert ask(SUBSCRIPTION.SubscribeRequest(filter=game_filter, resume=[C.GameCursor(game_id="")])) == INVALID
        assert ask(SUBSCRIPTION.SubscribeRequest(filter=game_filter, resume=[C.GameCursor(game_id=f"g{n}") for n in range(10_001)])) == INVALID
        assert ask(SUBSCRIPTION.SubscribeRequest(subscription_name="no-such-one")) == NOT_FOUND
        assert ask(SUBSCRIPTION.SubscribeRequest(subscription_name="n" * 65)) == INVALID
        check_not_text(cluster, "subscription", "/courtside.v1.SubscriptionService/Subscribe", [
            SUBSCRIPTION.SubscribeRequest(subscription_name=MARKER.decode()),
            SUBSCRIPTION.SubscribeRequest(filter=game_filter, resume=[C.GameCursor(game_id=MARKER.decode())]),
        ], streaming=True)
