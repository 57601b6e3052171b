"""A hostile provider: a local HTTP server the feed polls, answering each poll with the next
misbehaviour — redirects to another host, to another scheme and in loops, bodies cut short or
ended only by the connection closing, a drip past the deadline, heads and bodies over budget,
scoreboards with absurd numbers, too many games, nesting too deep.

One feed (`--source espn-scoreboard`) polls it, publishing to the cluster's score and schedule
services. Afterwards the feed is alive and healthy, its memory within a bound, the other host
was never asked anything, nothing of the bad payloads was published, and every failure was
counted under its reason.
"""
import copy
import json
import os
import socket
import subprocess
import threading
import time
import urllib.request

import grpc
import pytest

import hostile
from hostile import pb

FIXTURE = os.path.join(hostile.ROOT, "Tests", "Fixtures", "espn", "aaronweldy__espn-openapi", "nba_scoreboard_20241215.json")
REQUEST_TIMEOUT = 2.0  # --poll-timeout-seconds
MAX_BODY = 1 << 20  # --poll-max-body-bytes
MAX_HEAD = 16 << 10  # --poll-max-head-bytes
RSS_BOUND_MB = 64


def scoreboard(game_id, score="101", period=3, clock=300.0, games=1):
    """An ESPN scoreboard of `games` copies of a live game `espn-<game_id>` (from the fixture)."""
    with open(FIXTURE) as fh:
        raw = json.load(fh)
    # Only what the adapter reads, so that 201 games stay within the body budget.
    full = raw["events"][0]
    competition = full["competitions"][0]
    event = {
        "id": full["id"], "date": full["date"],
        "competitions": [{
            "id": competition["id"], "date": competition["date"], "venue": competition["venue"],
            "competitors": [{"homeAway": c["homeAway"], "score": c["score"],
                             "team": {key: c["team"][key] for key in ("id", "abbreviation", "displayName")}}
                            for c in competition["competitors"]],
        }],
    }
    status = {"clock": clock, "displayClock": "5:00", "period": period,
              "type": {"name": "STATUS_IN_PROGRESS", "state": "in"}}
    event["status"] = status
    competition = event["competitions"][0]
    competition["status"] = status
    for competitor in competition["competitors"]:
        competitor["score"] = score
    events = []
    for index in range(games):
        copy_of = copy.deepcopy(event)
        copy_of["id"] = game_id if games == 1 else f"{game_id}{index}"
        events.append(copy_of)
    raw["events"] = events
    return json.dumps(raw).encode()


def head(status="200 OK", headers=()):
    return ("HTTP/1.1 " + status + "\r\n" + "".join(f"{name}: {value}\r\n" for name, value in headers) + "\r\n").encode()


def whole(body, status="200 OK", headers=()):
    return head(status, [*headers, ("Content-Length", str(len(body)))]) + body


def chunked(body, size=512, last=True):
    out = b""
    for start in range(0, len(body), size):
        piece = body[start:start + size]
        out += b"%x\r\n" % len(piece) + piece + b"\r\n"
    return out + (b"0\r\n\r\n" if last else b"")


EMPTY = b'{"events":[]}'


class Provider:
    """Answers each request with the next behaviour (a function of the socket); the benign
    empty scoreboard before `arm()` and after the last behaviour."""

    def __init__(self, behaviours):
        self.behaviours = behaviours
        self.armed = False
        self.next = 0
        self.requests = 0
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def arm(self):
        with self.lock:
            self.armed = True

    @property
    def done(self):
        with self.lock:
            return self.next >= len(self.behaviours)

    def _serve(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection):
        with connection:
            connection.settimeout(10)
            received = b""
            try:
                while b"\r\n\r\n" not in received:
                    chunk = connection.recv(4096)
                    if not chunk:
                        return
                    received += chunk
                with self.lock:
                    self.requests += 1
                    behaviour = None
                    if self.armed and self.next < len(self.behaviours):
                        behaviour = self.behaviours[self.next][2]
                        self.next += 1
                if behaviour is None:
                    connection.sendall(whole(EMPTY))
                else:
                    behaviour(connection)
            except OSError:
                pass  # the feed hung up: exactly what it should do to most of these

    def close(self):
        self.listener.close()


class Decoy:
    """The other host a redirect points at: it must never be asked anything."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            connection.close()

    def close(self):
        self.listener.close()


def send(data):
    def behaviour(connection):
        connection.sendall(data)
    return behaviour


def drip(data, every=0.2):
    def behaviour(connection):
        for index in range(len(data)):
            connection.sendall(data[index:index + 1])
            time.sleep(every)
    return behaviour


def stream(prefix, piece, total):
    def behaviour(connection):
        connection.sendall(prefix)
        sent = 0
        while sent < total:
            connection.sendall(piece)
            sent += len(piece)
    return behaviour


def behaviours(decoy_port):
    hostile_game = scoreboard("hostile1")  # a complete, valid scoreboard: it must never be published
    giant_chunk = b"%x\r\n" % (64 << 10) + b" " * (64 << 10) + b"\r\n"
    absurd = [("score", value) for value in (1e308, 2**63, 2**64 - 1, -1, 1.5, "NaN", "Infinity", "0x10", True, [], {})]
    absurd += [("period", value) for value in (2**31, 2**53, 2**63, -1, 1.5, "1e999", "nan")]
    absurd += [("clock", value) for value in (1e308, -1, "NaN", 2**64)]
    cases = [
        ("redirect", "another host", send(whole(b"", "302 Found", [("Location", f"http://localhost:{decoy_port}/scoreboard")]))),
        ("redirect", "another scheme", send(whole(b"", "302 Found", [("Location", f"https://127.0.0.1:{decoy_port}/scoreboard")]))),
        ("redirect", "an internal address", send(whole(b"", "301 Moved", [("Location", "http://169.254.169.254/latest/meta-data/")]))),
        ("redirect", "itself (a loop)", send(whole(b"", "307 Temporary Redirect", [("Location", "/scoreboard")]))),
        ("truncated", "fewer bytes than Content-Length",
         send(head("200 OK", [("Content-Length", str(len(hostile_game) + 1000))]) + hostile_game)),
        ("truncated", "a chunked body without its last chunk",
         send(head("200 OK", [("Transfer-Encoding", "chunked")]) + chunked(hostile_game, last=False))),
        ("invalid_response", "a body ended only by the connection closing", send(head("200 OK") + hostile_game)),
        ("timeout", "a drip past the deadline", drip(whole(hostile_game)[:40], every=REQUEST_TIMEOUT / 4)),
        ("timeout", "all but the last byte, then a stall past the deadline", send_then_stall(whole(hostile_game))),
        ("too_large", "a declared body over budget", send(head("200 OK", [("Content-Length", str(10 << 30))]) + b"{" * 1000)),
        ("too_large", "a chunked body over budget",
         stream(head("200 OK", [("Transfer-Encoding", "chunked")]), giant_chunk, 4 * MAX_BODY)),
        ("too_large", "a head over budget", stream(b"HTTP/1.1 200 OK\r\nX-Padding: ", b"a" * 4096, 64 * MAX_HEAD)),
        ("invalid_response", "a Content-Length of 2^64", send(head("200 OK", [("Content-Length", str(2**64))]) + hostile_game)),
        ("invalid_response", "gzip nobody asked for", send(whole(hostile_game, headers=[("Content-Encoding", "gzip")]))),
        ("rejected:too_large", "201 games", send(whole(scoreboard("hostile2", games=201)))),
        ("rejected:too_large", "nesting 100,000 deep", send(whole(b"[" * 100_000 + b"]" * 100_000))),
        ("rejected:malformed", "not JSON", send(whole(b"<html>Service Unavailable</html>"))),
    ]
    for index, (field, value) in enumerate(absurd):
        if field == "score":
            body = scoreboard(f"absurd{index}", score=value)
        elif field == "period":
            body = scoreboard(f"absurd{index}", period=value)
        else:
            body = scoreboard(f"absurd{index}", clock=value)
        cases.append(("rejected:invalid", f"{field} = {value!r}", send(whole(body))))
    return cases


def send_then_stall(data):
    """Sends all but the last byte of a response, then waits past the deadline."""
    def behaviour(connection):
        connection.sendall(data[:-1])
        time.sleep(REQUEST_TIMEOUT * 3)
        connection.sendall(data[-1:])
    return behaviour


def metrics(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        return response.read().decode()


def metric(text, name, **labels):
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name) or line.startswith("#"):
            continue
        rest = line[len(name):]
        if rest[:1] not in ("{", " "):
            continue
        if all(f'{key}="{value}"' in line for key, value in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


@pytest.fixture(scope="module")
def attacked_feed(cluster, tmp_path_factory):
    """A feed that polled the whole hostile sequence: (feed process, admin port, provider, decoy, rss before)."""
    decoy = Decoy()
    cases = behaviours(decoy.port)
    provider = Provider(cases)
    admin = hostile.free_port()
    log_path = tmp_path_factory.mktemp("feed-hostile") / "feed.log"
    log = open(log_path, "w")
    feed = subprocess.Popen([
        os.path.join(hostile.BIN, "courtside-feed"),
        "--source", "espn-scoreboard", "--url", f"http://127.0.0.1:{provider.port}/scoreboard",
        "--score-addr", f"127.0.0.1:{cluster.grpc_port('score')}",
        "--schedule-addr", f"127.0.0.1:{cluster.grpc_port('schedule')}",
        "--admin-port", str(admin), "--log-level", "info", "--shutdown-grace-seconds", "2",
        "--poll-interval-seconds", "0.1", "--poll-timeout-seconds", str(REQUEST_TIMEOUT), "--poll-attempts", "1",
        "--poll-max-body-bytes", str(MAX_BODY), "--poll-max-head-bytes", str(MAX_HEAD),
    ], stdout=log, stderr=subprocess.STDOUT)
    try:
        hostile.wait_for_port(admin, timeout=60)
        deadline = time.time() + 60
        while provider.requests < 3:  # warmed up on the benign scoreboard
            assert time.time() < deadline and feed.poll() is None, "the feed does not poll"
            time.sleep(0.1)
        rss_before = hostile.rss_kib(feed.pid)
        provider.arm()
        deadline = time.time() + 30 + 2 * len(cases) * REQUEST_TIMEOUT
        while not provider.done:
            assert feed.poll() is None, f"the feed died:\n{open(log_path).read()[-4000:]}"
            assert time.time() < deadline, f"the provider served {provider.next} of {len(cases)} cases"
            time.sleep(0.1)
        served = provider.requests
        while provider.requests < served + 2:  # two benign polls after the last case: still polling
            assert feed.poll() is None and time.time() < deadline + 30, "the feed stopped polling"
            time.sleep(0.1)
        yield feed, admin, provider, decoy, rss_before, cases, log_path
    finally:
        hostile.stop_process(feed)
        log.close()
        provider.close()
        decoy.close()


def test_the_feed_stays_alive_healthy_and_within_its_memory_bound(attacked_feed):
    feed, admin, _, _, rss_before, _, log_path = attacked_feed
    assert feed.poll() is None, open(log_path).read()[-4000:]
    with urllib.request.urlopen(f"http://127.0.0.1:{admin}/healthz", timeout=10) as response:
        assert response.status == 200
    growth_mb = (hostile.rss_kib(feed.pid) - rss_before) / 1024
    assert growth_mb < RSS_BOUND_MB, f"the feed grew by {growth_mb:.1f} MiB"


def test_redirects_elsewhere_are_refused_without_asking_the_other_host(attacked_feed):
    _, admin, _, decoy, _, cases, _ = attacked_feed
    assert decoy.connections == 0
    expected = sum(1 for reason, _, _ in cases if reason == "redirect")
    assert metric(metrics(admin), "courtside_feed_poll_errors_total", reason="redirect") == expected


def test_every_failure_is_counted_under_its_reason(attacked_feed):
    _, admin, _, _, _, cases, _ = attacked_feed
    text = metrics(admin)
    for reason in ("truncated", "invalid_response", "too_large"):
        expected = sum(1 for case in cases if case[0] == reason)
        assert metric(text, "courtside_feed_poll_errors_total", reason=reason) == expected, reason
    # A benign poll may also time out on a loaded machine: at least the two drips did.
    timeouts = sum(1 for case in cases if case[0] == "timeout")
    assert metric(text, "courtside_feed_poll_errors_total", reason="timeout") >= timeouts
    for label in ("too_large", "malformed", "invalid"):
        expected = sum(1 for case in cases if case[0] == f"rejected:{label}")
        assert metric(text, "courtside_feed_rejected_payloads_total", reason=label) == expected, label
    failed = sum(1 for case in cases if not case[0].startswith("rejected"))
    assert metric(text, "courtside_feed_polls_total", result="error") >= failed
    assert metric(text, "courtside_feed_polls_total", result="rejected") == len(cases) - failed


def test_nothing_of_the_bad_payloads_was_published(attacked_feed, cluster):
    _, admin, _, _, _, cases, _ = attacked_feed
    text = metrics(admin)
    assert metric(text, "courtside_feed_events_published_total") == 0
    assert metric(text, "courtside_feed_games_upserted_total") == 0
    schedule = pb.schedule_pb2_grpc.ScheduleServiceStub(cluster.grpc_channel("schedule"))
    ids = ["espn-hostile1", "espn-hostile20"] + [f"espn-absurd{index}" for index in range(40)]
    for game_id in ids:
        with pytest.raises(grpc.RpcError) as refused:
            schedule.GetGame(pb.schedule_pb2.GetGameRequest(game_id=game_id), timeout=10)
        assert refused.value.code() == grpc.StatusCode.NOT_FOUND, game_id
    for name in ("score", "schedule"):
        cluster.check_alive(name)
