"""Live play-by-play polling end to end (issue 15): `courtside-feed --source nba-scoreboard
--pbp-url …` against a local HTTP server that plays a recorded game as a live provider would —
a scoreboard showing the game live, then final, and the game's play-by-play served as growing
prefixes of the real file (Tests/Fixtures/nba_cdn/dblackrun__pbpstats, with its scoreboard entry
made from the fixture's own teams and scores), each version with its ETag, 304 when unchanged.
The events published, across a feed restart in the middle, must be those of a replay of the
whole file: the same source ids in the same order, each once, with the same states.
"""
import copy
import http.server
import json
import os
import tempfile
import threading

from test_feed import FIXTURES, GRACE, NBA_BOX, NBA_PBP, Cluster, cluster, cpb, metric, wait_until  # noqa: F401

GAME_ID = "nba-0022000001"
SCOREBOARD = os.path.join(FIXTURES, "nba_cdn/dliu713__nba-scores-website/todaysScoreboard_00.json")


class LiveProvider:
    """The provider's state: how many actions of the game are out, and whether it is final."""

    def __init__(self):
        with open(NBA_PBP) as fh:
            self.pbp = json.load(fh)
        self.actions = self.pbp["game"]["actions"]
        with open(SCOREBOARD) as fh:
            self.scoreboard_template = json.load(fh)
        self.lock = threading.Lock()
        self.count = 0
        self.final = False
        self.bodies = {}
        self.not_modified = {}

    def publish(self, count, final=False):
        with self.lock:
            self.count = count
            self.final = final

    def served(self, count):
        with self.lock:
            return self.bodies.get(count, 0), self.not_modified.get(count, 0)

    def play_by_play(self):
        with self.lock:
            count = self.count
        body = copy.deepcopy(self.pbp)
        body["game"]["actions"] = self.actions[:count]
        return count, json.dumps(body).encode()

    def scoreboard(self):
        with self.lock:
            count, final = self.count, self.final
        last = self.actions[max(count, 1) - 1]
        board = copy.deepcopy(self.scoreboard_template)
        game = board["scoreboard"]["games"][0]
        game.update({
            "gameId": "0022000001", "gameCode": "20201222/GSWBKN", "gameTimeUTC": "2020-12-23T00:00:00Z",
            "gameEt": "2020-12-22T19:00:00-05:00", "period": last["period"],
            "gameStatus": 3 if final else 2,
            "gameStatusText": "Final" if final else f"Q{last['period']} live",
            "gameClock": "" if final else last["clock"],
        })
        for side, tricode, city, name, score in (("homeTeam", "BKN", "Brooklyn", "Nets", last["scoreHome"]),
                                                   ("awayTeam", "GSW", "Golden State", "Warriors", last["scoreAway"])):
            game[side].update({"teamTricode": tricode, "teamCity": city, "teamName": name, "score": int(score)})
        board["scoreboard"]["games"] = [game]
        return json.dumps(board).encode()


def start_server(provider):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/scoreboard.json":
                self.answer(200, provider.scoreboard())
            elif self.path == "/pbp/playbyplay_0022000001.json":
                count, body = provider.play_by_play()
                etag = f'"v{count}"'
                with provider.lock:
                    if self.headers.get("If-None-Match") == etag:
                        provider.not_modified[count] = provider.not_modified.get(count, 0) + 1
                        self.answer(304, b"", etag)
                        return
                    provider.bodies[count] = provider.bodies.get(count, 0) + 1
                self.answer(200, body, etag)
            else:
                self.answer(404, b"")

        def answer(self, status, body, etag=None):
            self.send_response(status)
            if etag:
                self.send_header("ETag", etag)
            if status != 304:
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if status != 304:
                self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def summary(events):
    return [(e.source_id, e.kind, e.points, e.state.home_score, e.state.away_score, e.state.period, e.state.status)
            for e in events]


def replay_of_the_whole_file():
    with tempfile.TemporaryDirectory(prefix="feed-e2e-replay-") as directory:
        replay = Cluster(directory)
        try:
            replay.start_score()
            feed = replay.start_feed("--source", "nba-pbp", "--file", NBA_PBP, "--boxscore", NBA_BOX, "--speed", "100000")
            wait_until("the replay's final", lambda: (lambda s: s and s.state.status == cpb.GAME_STATUS_FINAL)(
                replay.snapshots([GAME_ID]).get(GAME_ID)))
            events = replay.events(GAME_ID)
            assert feed.terminate() == 0
            return events
        finally:
            replay.close()


def test_live_play_by_play_across_a_restart_publishes_what_a_replay_of_the_whole_file_does(cluster):
    expected = replay_of_the_whole_file()
    provider = LiveProvider()
    server = start_server(provider)
    port = server.server_address[1]
    args = ["--source", "nba-scoreboard", "--url", f"http://127.0.0.1:{port}/scoreboard.json",
            "--pbp-url", f"http://127.0.0.1:{port}/pbp/playbyplay_{{id}}.json", "--pbp-concurrency", "2",
            "--poll-interval-seconds", "0.05"]
    try:
        cluster.start_score()
        total = len(provider.actions)
        steps = list(range(40, total, 90))
        restart_at = steps[len(steps) // 2]
        provider.publish(steps[0])
        feed = cluster.start_feed(*args)
        for count in steps:
            provider.publish(count)
            # Each version is read once and then answered 304 until the next.
            wait_until(f"{count} actions read and a 304", lambda: provider.served(count)[1] >= 1)
            assert provider.served(count)[0] == 1, "a version is read once, then not modified"
            if count == restart_at:
                wait_until("the plays so far published", lambda: metric(feed, "courtside_feed_buffer_events") == 0)
                assert metric(feed, "courtside_feed_pbp_polls_total", result="not_modified") > 0
                assert feed.terminate() == 0
                feed = cluster.start_feed(*args)
        provider.publish(total, final=True)
        wait_until("the final", lambda: (lambda s: s and s.state.status == cpb.GAME_STATUS_FINAL)(
            cluster.snapshots([GAME_ID]).get(GAME_ID)))
        wait_until("the game let go", lambda: "stopped following a game's play by play" in feed.logs())
        events = cluster.events(GAME_ID)
        ids = [e.source_id for e in events]
        assert len(set(ids)) == len(ids), "no event twice"
        assert ids == [e.source_id for e in expected]
        assert summary(events) == summary(expected)
        assert metric(feed, "courtside_feed_events_duplicate_total") == 0, "the restart re-sent nothing"
        assert metric(feed, "courtside_feed_rejected_payloads_total") == 0
        assert metric(feed, "courtside_feed_pbp_games") == 0
        assert feed.terminate() == 0
    finally:
        server.shutdown()
        server.server_close()
