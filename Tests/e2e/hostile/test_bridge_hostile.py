"""Hostile clients of the bridge's HTTP port: slow and silent sockets, connection floods, WebSocket
ping floods that never read, oversized and malformed frames and messages, out-of-range numbers
in every client message, query parameter and cursor, answers that are never read; and the
headers every response carries. After each case the bridge is alive, healthy and within its RSS
bound (the guard), and memory taken by the attackers' connections is given back when they close.

The bridge runs on its defaults (services/bridge/README.md): request head 10 s, keep-alive 60 s,
200 TCP connections and 100 WebSocket + SSE connections per address, 10 pings a second.
"""
import base64
import json
import os
import select
import socket
import struct
import time
import urllib.parse
import urllib.request

import pytest

import hostile

HEAD_TIMEOUT = 10
PER_ADDRESS = 200
TOO_LARGE = [2**53, 2**63 - 1, 2**63, 2**64 - 1, 2**64, 10**30]
IN_RANGE = [n for n in hostile.BOUNDARY_INTS if n <= 2**53 - 1]
SECURITY_HEADERS = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer"}


# --- raw HTTP and WebSocket helpers ----------------------------------------------------------


def connect(cluster, timeout=10.0, receive_buffer=None):
    s = socket.socket()
    if receive_buffer:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    s.settimeout(timeout)
    s.connect(("127.0.0.1", cluster.http_port))
    return s


def read_response(sock, seconds=10.0, method="GET"):
    """(status, headers (lowercase names), body) of one HTTP/1.1 response with Content-Length."""
    data, _ = read_until(sock, lambda d: b"\r\n\r\n" in d, seconds)
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and len(lines[0].split()) > 1 else 0
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = 0 if method == "HEAD" else int(headers.get("content-length", "0") or 0)
    if len(rest) < length:
        more, _ = read_until(sock, lambda d: len(rest) + len(d) >= length, seconds)
        rest += more
    return status, headers, rest[:length]


def read_until(sock, done, seconds):
    """Reads until `done(data)`, EOF or time out. Returns (data, closed?)."""
    deadline = time.time() + seconds
    data = b""
    while not done(data) and time.time() < deadline:
        ready, _, _ = select.select([sock], [], [], 0.2)
        if not ready:
            continue
        try:
            chunk = sock.recv(65536)
        except OSError:
            return data, True
        if not chunk:
            return data, True
        data += chunk
    return data, False


def request(cluster, target, method="GET", headers=(), seconds=10.0):
    sock = connect(cluster)
    try:
        lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close", *[f"{n}: {v}" for n, v in headers]]
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        return read_response(sock, seconds, method)
    finally:
        sock.close()


def error_of(body):
    return json.loads(body)["error"]


def assert_security_headers(status, headers, what):
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name) == value, f"{what} ({status}): {name} is {headers.get(name)!r}"
    assert "frame-ancestors 'none'" in headers.get("content-security-policy", ""), f"{what} ({status}): CSP {headers}"


def frame(opcode, payload=b"", fin=True, mask=b"\x01\x02\x03\x04", length=None):
    """A client frame; `length` overrides the announced payload length."""
    first = (0x80 if fin else 0) | opcode
    n = len(payload) if length is None else length
    if n < 126:
        header = struct.pack(">BB", first, 0x80 | n)
    elif n < 65536:
        header = struct.pack(">BBH", first, 0x80 | 126, n)
    else:
        header = struct.pack(">BBQ", first, 0x80 | 127, n)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return header + mask + masked


class WebSocket:
    """A raw WebSocket client: it reads only when asked to."""

    def __init__(self, cluster, receive_buffer=None):
        self.sock = connect(cluster, receive_buffer=receive_buffer)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        data, _ = read_until(self.sock, lambda d: b"\r\n\r\n" in d, 10)
        head, _, self.buffer = data.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101"), head

    def send(self, message):
        text = message if isinstance(message, (bytes, str)) else json.dumps(message)
        self.sock.sendall(frame(0x1, text.encode() if isinstance(text, str) else text))

    def next_frame(self, seconds=10.0):
        """(opcode, payload), or None when the connection closed or nothing came."""
        deadline = time.time() + seconds
        while True:
            parsed = self._parse()
            if parsed:
                return parsed
            left = deadline - time.time()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.sock], [], [], min(left, 0.2))
            if ready:
                try:
                    chunk = self.sock.recv(65536)
                except OSError:
                    return None
                if not chunk:
                    return None
                self.buffer += chunk

    def _parse(self):
        b = self.buffer
        if len(b) < 2:
            return None
        opcode, n, at = b[0] & 0x0F, b[1] & 0x7F, 2
        if n == 126:
            if len(b) < 4:
                return None
            n, at = struct.unpack(">H", b[2:4])[0], 4
        elif n == 127:
            if len(b) < 10:
                return None
            n, at = struct.unpack(">Q", b[2:10])[0], 10
        if len(b) < at + n:
            return None
        self.buffer = b[at + n:]
        return opcode, b[at:at + n]

    def next_message(self, seconds=10.0):
        """The next protocol message (skipping heartbeats and pings); None if closed."""
        while True:
            got = self.next_frame(seconds)
            if got is None:
                return None
            opcode, payload = got
            if opcode == 0x8:
                return {"type": "<close>", "code": struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else None}
            if opcode == 0x1:
                message = json.loads(payload)
                if message.get("type") != "heartbeat":
                    return message

    def close_code(self, seconds=15.0):
        """The code of the close frame the bridge sends (None if none came in time)."""
        deadline = time.time() + seconds
        while time.time() < deadline:
            got = self.next_frame(deadline - time.time())
            if got is None:
                return None
            if got[0] == 0x8:
                return struct.unpack(">H", got[1][:2])[0] if len(got[1]) >= 2 else None
        return None

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def live_game(cluster):
    status, _, body = request(cluster, "/api/games")
    assert status == 200, body
    games = json.loads(body)["games"]
    assert games, "the simulator has no games today"
    return games[0]["id"]


# --- slow and silent sockets, connection floods ----------------------------------------------


def test_slow_loris_heads_get_408_and_are_closed(cluster):
    with cluster.guard("bridge", max_growth_mb=30):
        sockets = hostile.open_sockets(cluster.http_port, 300, payload=b"GET / HTT")
        try:
            started = time.time()
            answers = {}
            open_ones = list(sockets)
            while open_ones and time.time() - started < HEAD_TIMEOUT + 10:
                ready, _, _ = select.select(open_ones, [], [], 0.5)
                for s in ready:
                    data, _ = read_until(s, lambda d: False, 0.5)
                    answers[s] = data
                    open_ones.remove(s)
            assert not open_ones, f"{len(open_ones)} of 300 slow heads still open after {HEAD_TIMEOUT + 10} s"
            statuses = sorted({a[9:12].decode() for a in answers.values()})
            timed_out = sum(1 for a in answers.values() if a.startswith(b"HTTP/1.1 408"))
            refused = sum(1 for a in answers.values() if a.startswith(b"HTTP/1.1 429"))
            # 200 per address get in (and 408 at the deadline); the rest is refused at once.
            assert timed_out == PER_ADDRESS and refused == 300 - PER_ADDRESS, statuses
            sample = next(a for a in answers.values() if a.startswith(b"HTTP/1.1 408"))
            assert error_of(sample.partition(b"\r\n\r\n")[2])["code"] == "request_timeout"
        finally:
            for s in sockets:
                s.close()


def test_silent_connections_are_closed_and_counted_per_address(cluster):
    with cluster.guard("bridge", max_growth_mb=30):
        sockets = hostile.open_sockets(cluster.http_port, 250)
        try:
            started = time.time()
            closed_after = {}
            answers = {}
            while len(closed_after) < len(sockets) and time.time() - started < HEAD_TIMEOUT + 10:
                waiting = [s for s in sockets if s not in closed_after]
                ready, _, _ = select.select(waiting, [], [], 0.5)
                for s in ready:
                    answers[s], _ = read_until(s, lambda d: False, 0.5)
                    closed_after[s] = time.time() - started
            assert len(closed_after) == len(sockets), f"{len(sockets) - len(closed_after)} silent sockets still open"
            refused = [s for s in sockets if answers[s].startswith(b"HTTP/1.1 429")]
            assert len(refused) == len(sockets) - PER_ADDRESS
            assert all(closed_after[s] < 3 for s in refused), "refused connections are closed at once"
            assert error_of(answers[refused[0]].partition(b"\r\n\r\n")[2])["code"] == "too_many_connections"
            admitted = [s for s in sockets if s not in refused]
            assert all(answers[s] == b"" and closed_after[s] >= HEAD_TIMEOUT - 1 for s in admitted), \
                "a silent connection gets no answer and is closed at the head deadline"
        finally:
            for s in sockets:
                s.close()


def test_an_oversized_head_gets_431(cluster):
    with cluster.guard("bridge", max_growth_mb=20):
        for head in (f"GET / HTTP/1.1\r\nHost: x\r\nCookie: {'a' * 100_000}\r\n\r\n",
                     "GET / HTTP/1.1\r\nHost: x\r\n" + "".join(f"x{i}: 1\r\n" for i in range(300)) + "\r\n",
                     f"GET /{'a' * 100_000} HTTP/1.1\r\nHost: x\r\n\r\n"):
            sock = connect(cluster)
            try:
                sock.sendall(head.encode())
                status, headers, body = read_response(sock)
                assert status == 431, status
                assert_security_headers(status, headers, "431")
                assert error_of(body)["requestId"]
            finally:
                sock.close()


@pytest.mark.parametrize("head, status, closes", [
    ("POST /api/games HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000000\r\n\r\n", 405, True),
    ("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400, True),
    ("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 18446744073709551615\r\n\r\n", 400, True),
    ("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400, True),
    ("GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n", 400, True),
    ("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + "\x00" * 40 + "\r\n\r\n", 400, True),
    # Not an upgrade the bridge accepts: a plain 400 for /ws, the connection may go on.
    ("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
     "dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 18446744073709551616\r\n\r\n", 400, False),
    ("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
     + "A" * 20_000 + "\r\nSec-WebSocket-Version: 13\r\n\r\n", 400, False),
    # Garbage in X-Forwarded-For from a peer that is no trusted proxy is ignored.
    ("GET / HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 18446744073709551616, ::ffff:999.1.1.1, " + "1." * 5000 + "\r\n\r\n", 200, False),
], ids=["post-huge-length", "length-past-64-bits", "length-2^64-1", "length-negative", "chunked", "tls-hello", "ws-version-huge",
        "ws-key-20kb", "forwarded-for-garbage"])
def test_malformed_or_unexpected_requests_are_refused_at_the_head(cluster, head, status, closes):
    with cluster.guard("bridge", max_growth_mb=20):
        sock = connect(cluster)
        try:
            sock.sendall(head.encode("latin-1"))
            got, headers, _ = read_response(sock)
            assert got == status, (head[:80], got)
            assert_security_headers(got, headers, head[:40])
            if closes:
                _, closed = read_until(sock, lambda d: False, 5)
                assert closed, "the connection stays open after a refusal"
        finally:
            sock.close()


def test_requests_pipelined_far_ahead_close_the_connection(cluster):
    # Thousands of pipelined requests in one go: decoded, they would cost far more than their
    # bytes; past 16 unanswered requests the connection is closed.
    with cluster.guard("bridge", max_growth_mb=20):
        sockets = [connect(cluster, receive_buffer=4096) for _ in range(50)]
        try:
            pipelined = b"GET /courtside-client.js HTTP/1.1\r\nHost: x\r\n\r\n" * 3000
            for s in sockets:
                s.setblocking(False)
                try:
                    s.send(pipelined)
                except (BlockingIOError, OSError):
                    pass
                s.setblocking(True)
            assert hostile.closed_count(sockets, 10) == len(sockets)
        finally:
            for s in sockets:
                s.close()


def test_answers_that_are_never_read_do_not_pile_up(cluster):
    # Clients that keep asking for the page's biggest file (a few requests ahead, within the
    # pipelining limit) and never read: the bridge answers no more than their sockets take, then
    # closes them after the slow-consumer timeout (10 s).
    with cluster.guard("bridge", max_growth_mb=20):
        sockets = [connect(cluster, receive_buffer=4096) for _ in range(20)]
        try:
            request_bytes = b"GET /courtside-client.js HTTP/1.1\r\nHost: x\r\n\r\n" * 4
            for s in sockets:
                s.setblocking(False)
            open_ones = list(sockets)
            started = time.time()
            while open_ones and time.time() - started < 30:
                for s in list(open_ones):
                    try:
                        s.send(request_bytes)
                    except BlockingIOError:
                        pass
                    except OSError:
                        open_ones.remove(s)  # reset by the bridge
                time.sleep(0.25)
            assert not open_ones, f"{len(open_ones)} of {len(sockets)} non-reading clients still open after 30 s"
        finally:
            for s in sockets:
                s.close()


# --- WebSocket floods and malformed frames ---------------------------------------------------


def test_pings_without_reading_are_bounded_and_memory_comes_back(cluster):
    # Each attacker pings as fast as it can and never reads: the bridge owes it one pong at a
    # time and closes it (1008) past the ping rate; the memory it took is given back.
    before = policy_closes(cluster)
    with cluster.guard("bridge", max_growth_mb=10):
        sockets = [WebSocket(cluster, receive_buffer=4096) for _ in range(80)]
        try:
            ping = frame(0x9, b"p" * 125)
            burst = ping * 2000
            for ws in sockets:
                ws.sock.setblocking(False)
            sent = 0
            deadline = time.time() + 5
            while time.time() < deadline:
                for ws in sockets:
                    try:
                        sent += ws.sock.send(burst)
                    except (BlockingIOError, OSError):
                        pass
            for ws in sockets:
                ws.sock.setblocking(True)
            # Each got 1008 (or, flooding still, had its connection reset under the close frame).
            codes = [ws.close_code(seconds=20) for ws in sockets]
            assert all(code in (1008, None) for code in codes), codes
            assert sent > 1_000_000, f"only {sent} bytes of pings went out"
            after = policy_closes(cluster)
            assert after - before >= len(sockets), f"{after - before} ping closes counted for {len(sockets)} attackers"
        finally:
            for ws in sockets:
                ws.close()


def policy_closes(cluster):
    with urllib.request.urlopen(f"http://127.0.0.1:{cluster.admin_port('bridge')}/metrics", timeout=10) as response:
        metrics = response.read().decode()
    return sum(float(line.split()[-1]) for line in metrics.splitlines()
               if line.startswith("courtside_bridge_websocket_policy_closes_total{"))


def test_pings_at_the_allowed_rate_keep_one_pong_each(cluster):
    with cluster.guard("bridge", max_growth_mb=10):
        ws = WebSocket(cluster)
        try:
            assert ws.next_message()["type"] == "hello"
            for index in range(5):
                ws.sock.sendall(frame(0x9, f"p{index}".encode()))
                time.sleep(0.15)
            pongs = []
            while len(pongs) < 5:
                got = ws.next_frame(5)
                assert got is not None, pongs
                if got[0] == 0xA:
                    pongs.append(got[1])
            assert pongs == [f"p{i}".encode() for i in range(5)]
        finally:
            ws.close()


@pytest.mark.parametrize("frames, code", [
    ([frame(0x1, length=2**63 - 1)], 1009),  # announced length beyond the limit: not buffered
    ([frame(0x1, length=2**31)], 1009),
    ([frame(0x1, b"x" * 70_000)], 1009),
    ([frame(0x1, b"x" * 40_000, fin=False), frame(0x0, b"x" * 40_000)], 1009),
    ([frame(0x9, b"x" * 126)], 1002),  # a control frame over 125 bytes
    ([frame(0x1, b"\xc0\x80")], 1007),
    ([frame(0x2, b"\x00\x01")], 1003),
    ([frame(0x3, b"{}")], 1002),
    ([frame(0x8, b"\x00\x01")], 1002),  # close code 1 does not exist
    ([frame(0x8, struct.pack(">H", 65535))], 1002),
], ids=["length-2^63-1", "length-2^31", "70kb-text", "80kb-fragmented", "126-byte-ping", "invalid-utf8", "binary",
        "reserved-opcode", "close-code-1", "close-code-65535"])
def test_oversized_and_malformed_frames_close_with_the_documented_code(cluster, frames, code):
    with cluster.guard("bridge", max_growth_mb=20):
        ws = WebSocket(cluster)
        try:
            assert ws.next_message()["type"] == "hello"
            for f in frames:
                ws.sock.sendall(f)
            assert ws.close_code() == code
        finally:
            ws.close()


# --- bad JSON and out-of-range numbers in every client message -------------------------------


def exchange(ws, message):
    """Sends one message (paced under the message rate) and returns the bridge's answer."""
    ws.send(message)
    time.sleep(0.12)
    answer = ws.next_message()
    while answer and answer["type"] in ("snapshot", "event"):
        answer = ws.next_message()
    return answer


def test_out_of_range_numbers_in_every_client_message(cluster):
    game = live_game(cluster)
    with cluster.guard("bridge", max_growth_mb=20):
        ws = WebSocket(cluster)
        try:
            assert ws.next_message()["type"] == "hello"
            for field in ("epoch", "seq"):
                for value in TOO_LARGE + [-1, -(2**63), 1.5, "1e400"]:
                    number = value if isinstance(value, str) else json.dumps(value)
                    other = "seq" if field == "epoch" else "epoch"
                    text = f'{{"type":"subscribe","games":["{game}"],"resume":{{"{game}":{{"{field}":{number},"{other}":1}}}},"id":"r"}}'
                    answer = exchange(ws, text)
                    assert answer["type"] == "error" and answer["code"] == "bad_request" and answer["ref"] == "r", (field, value, answer)
                for value in IN_RANGE:
                    text = f'{{"type":"subscribe","games":["{game}"],"resume":{{"{game}":{{"{field}":{value},"{other}":{value}}}}},"id":"ok"}}'
                    answer = exchange(ws, text)
                    assert answer["type"] == "subscribed" and answer["id"] == "ok", (field, value, answer)
            for value in TOO_LARGE + IN_RANGE:
                for text in (f'{{"type":"subscribe","games":[{value}]}}', f'{{"type":"unsubscribe","teams":[{value}]}}',
                             f'{{"type":"ping","id":{value}}}', f'{{"type":"subscribe","allLive":{value}}}',
                             f'{{"type":"subscribe","leagues":[{value}]}}'):
                    answer = exchange(ws, text)
                    assert answer["type"] == "error" and answer["code"] == "bad_request", (text, answer)
            assert exchange(ws, {"type": "ping", "id": "still-here"})["type"] == "pong"
        finally:
            ws.close()


@pytest.mark.parametrize("text, code", [
    ("not json", "bad_request"),
    ("", "bad_request"),
    ("[" * 10_000 + "]" * 10_000, "bad_request"),
    ('{"type":"subscribe","games":["' + "a" * 60_000 + '"]}', "bad_request"),
    ('{"type":"subscribe","games":[' + ",".join(f'"g{i}"' for i in range(5000)) + "]}", "too_many_subscriptions"),
    ('{"type":"subscribe","teams":[' + ",".join(f'"T{i}"' for i in range(500)) + "]}", "too_many_subscriptions"),
    ('{"type":"subscribe","resume":{' + ",".join(f'"g{i}":{{"epoch":1,"seq":1}}' for i in range(1000)) + "}}", "too_many_subscriptions"),
    ('{"type":"subscribe","leagues":[' + ",".join(f'"l{i}"' for i in range(5000)) + "]}", "bad_request"),
    ('{"type":"subscribe","leagues":["' + "l" * 60_000 + '"]}', "bad_request"),
    ('{"type":"subscribe","id":"' + "i" * 65 + '"}', "bad_request"),
    ('{"type":"unsubscribe","resume":{}}', "bad_request"),
    ('{"type":"ping","type":"ping"}', "bad_request"),
    ('{"type":"' + "t" * 10_000 + '"}', "unknown_type"),
    ('{"' + "k" * 30_000 + '":1,"' + "k" * 30_000 + '":1}', "bad_request"),
    ('{"type":"subscribe","games":["\\ud800"]}', "bad_request"),
    ('{"type":"ping","id":"\\u0000"}', None),
], ids=["not-json", "empty", "nested-10000", "60kb-id", "5000-games", "500-teams", "1000-resumes", "5000-leagues", "60kb-league",
        "65-char-id",
        "unsubscribe-resume", "duplicate-type", "10kb-type", "30kb-duplicate-keys", "lone-surrogate", "nul-id"])
def test_bad_json_and_schema_violations_get_an_error_and_the_connection_stays(cluster, text, code):
    with cluster.guard("bridge", max_growth_mb=20):
        ws = WebSocket(cluster)
        try:
            assert ws.next_message()["type"] == "hello"
            answer = exchange(ws, text)
            if code is None:
                assert answer["type"] == "pong", answer
            else:
                assert answer["type"] == "error" and answer["code"] == code, answer
                assert len(answer["message"]) < 400, "the error message echoes the whole input"
            assert exchange(ws, {"type": "ping", "id": "after"})["type"] == "pong"
        finally:
            ws.close()


def test_out_of_range_numbers_in_the_json_api_sse_and_last_event_id(cluster):
    game = live_game(cluster)
    with cluster.guard("bridge", max_growth_mb=20):
        for value in TOO_LARGE + [0, -1, "+1", "1e3", "0x10", " 1"]:
            encoded = urllib.parse.quote(str(value))
            for target in (f"/api/games/{game}/events?before={encoded}", f"/api/games/{game}/events?limit={encoded}"):
                status, headers, body = request(cluster, target)
                assert status == 400 and error_of(body)["code"] == "bad_request", (target, status, body)
                assert_security_headers(status, headers, target)
            time.sleep(0.06)  # under the API's request rate
            if value == 0:
                continue  # 0 is a valid epoch and seq in a cursor
            for target, extra in ((f"/events?games={game}&resume={game}:1:{encoded}", ()),
                                  (f"/events?games={game}&resume={game}:{encoded}:1", ()),
                                  (f"/events?games={game}", (("Last-Event-ID", f"{game}:1:{value}"),))):
                status, headers, body = request(cluster, target, headers=extra)
                assert status == 400 and error_of(body)["code"] == "bad_request", (target, extra, status, body)
        for value in IN_RANGE:
            status, _, _ = request(cluster, f"/api/games/{game}/events?before={max(1, value)}&limit=1")
            assert status == 200, value
            time.sleep(0.06)
            sock = connect(cluster)
            try:
                sock.sendall(f"GET /events?games={game}&resume={game}:{value}:{value} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
                status, headers = read_stream_head(sock)
                assert status == 200, value
                assert_security_headers(status, headers, "SSE")
            finally:
                sock.close()
        for limit in ("1", "200"):
            assert request(cluster, f"/api/games/{game}/events?limit={limit}")[0] == 200


def read_stream_head(sock):
    data, _ = read_until(sock, lambda d: b"\r\n\r\n" in d, 10)
    head = data.partition(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
    headers = {line.partition(":")[0].strip().lower(): line.partition(":")[2].strip() for line in head[1:]}
    return int(head[0].split()[1]), headers


# --- headers on every path -------------------------------------------------------------------


def test_every_answer_carries_the_security_headers(cluster):
    game = live_game(cluster)
    with cluster.guard("bridge", max_growth_mb=10):
        for target, method, status in (("/", "GET", 200), ("/index.html", "HEAD", 200), ("/courtside-client.js", "GET", 200),
                                       ("/styles.css", "GET", 200), ("/api/teams", "GET", 200), (f"/api/games/{game}", "GET", 200),
                                       ("/api/games/NOPE", "GET", 404), ("/nope", "GET", 404), ("/ws", "GET", 400),
                                       ("/", "DELETE", 405), ("/events?games=bad%20id", "GET", 400)):
            got, headers, body = request(cluster, target, method=method)
            assert got == status, (target, method, got)
            assert_security_headers(got, headers, f"{method} {target}")
            if got >= 400:
                assert len(error_of(body)["requestId"]) == 16
            time.sleep(0.06)
        _, page, _ = request(cluster, "/")
        assert "frame-ancestors 'none'" in page["content-security-policy"] and "default-src 'self'" in page["content-security-policy"]
        sock = connect(cluster)
        try:
            sock.sendall(f"GET /events?games={game} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            status, headers = read_stream_head(sock)
            assert status == 200 and headers["content-type"] == "text/event-stream"
            assert_security_headers(status, headers, "SSE")
        finally:
            sock.close()
