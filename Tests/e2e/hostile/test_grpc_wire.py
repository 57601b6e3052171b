"""Hostile clients against the gRPC wire of score, schedule and subscription (and the admin port
every service runs): each attack from issue 12 that the HTTP/2 and gRPC layers answer. Every case
asserts the clear error a client gets (gRPC status, GOAWAY code, closed connection) and, through
`cluster.guard`, that the service stays alive, healthy and within an RSS bound.

The limits are the defaults of docs/grpc-server-limits.md: 100 streams per connection, a 16 KiB
header list, 16 MiB of unread requests per connection, 128 connections per client address, a 5 s
preface deadline, 256 queued PING/SETTINGS acknowledgements.
"""
import os
import socket
import struct
import subprocess
import time
import urllib.request
import uuid

import grpc
import h2.connection
import h2.events
import h2.exceptions
import hpack
import pytest

import hostile
from hostile import pb

GRPC_SERVICES = ("score", "schedule", "subscription")
HEALTH_CHECK = "/grpc.health.v1.Health/Check"
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, RST_STREAM, SETTINGS, PING, GOAWAY, CONTINUATION = 0, 1, 3, 4, 6, 7, 9
ENHANCE_YOUR_CALM, PROTOCOL_ERROR = 0xB, 0x1


# --- raw HTTP/2, for what h2 would refuse to send ------------------------------------------------

def frame(kind, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + struct.pack(">BBI", kind, flags, stream & 0x7FFFFFFF) + payload


def literal(name, value, indexed=False):
    """HPACK literal with a new name: without indexing, or entering the dynamic table."""
    def string(data):
        return hpack_integer(len(data), 7, 0) + data
    return (b"\x40" if indexed else b"\x00") + string(name.encode()) + string(value.encode())


def hpack_integer(value, prefix_bits, first):
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes([first | value])
    out, value = bytearray([first | limit]), value - limit
    while value >= 128:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def request_block(path, extra=()):
    return b"".join(literal(name, value) for name, value in hostile.grpc_request_headers(path, extra))


class RawConnection:
    """A socket that speaks HTTP/2 by hand; what the server sends is parsed into frames, header
    blocks decoded with hpack."""

    def __init__(self, port, settings=b""):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buffer = b""
        self.decoder = hpack.Decoder()
        self.closed = False
        self.sock.sendall(PREFACE + frame(SETTINGS, 0, 0, settings))

    def send(self, data):
        try:
            self.sock.sendall(data)
            return True
        except OSError:
            return False

    def frames(self, seconds=10.0, until=lambda f: False):
        """Frames until `until(frame)` holds, the server closes, or time runs out."""
        deadline = time.time() + seconds
        while True:
            while len(self.buffer) >= 9:
                length = int.from_bytes(self.buffer[:3], "big")
                if len(self.buffer) < 9 + length:
                    break
                kind, flags, stream = struct.unpack(">BBI", self.buffer[3:9])
                payload, self.buffer = self.buffer[9:9 + length], self.buffer[9 + length:]
                headers = dict(self.decoder.decode(payload)) if kind == HEADERS else {}
                item = (kind, flags, stream & 0x7FFFFFFF, payload, headers)
                yield item
                if until(item):
                    return
            left = deadline - time.time()
            if self.closed or left <= 0:
                return
            data, self.closed = hostile.read_until_closed_or(self.sock, min(left, 0.2))
            self.buffer += data

    def stream_end(self, stream, seconds=10.0):
        """The final headers (or the RST_STREAM / GOAWAY code) that end `stream`."""
        for kind, flags, sid, payload, headers in self.frames(seconds):
            if sid == stream and kind == HEADERS and flags & 0x1:
                return headers
            if sid == stream and kind == RST_STREAM:
                return {"rst": int.from_bytes(payload[:4], "big")}
            if kind == GOAWAY:
                return {"goaway": int.from_bytes(payload[4:8], "big")}
        return None

    def goaway_code(self, seconds=10.0):
        """The error code of the GOAWAY the server sends before it closes (None if none)."""
        codes = [int.from_bytes(p[4:8], "big") for kind, _, _, p, _ in self.frames(seconds) if kind == GOAWAY]
        return codes[-1] if codes else None

    def close(self):
        self.sock.close()


def health_request():
    return hostile.grpc_frame(pb.health_pb2.HealthCheckRequest().SerializeToString())


def metrics_text(cluster, name):
    with urllib.request.urlopen(f"http://127.0.0.1:{cluster.admin_port(name)}/metrics", timeout=10) as response:
        return response.read().decode()


def limit_hits(cluster, name, limit):
    line = f'courtside_grpc_server_limit_hits_total{{limit="{limit}"}} '
    for row in metrics_text(cluster, name).splitlines():
        if row.startswith(line):
            return float(row[len(line):])
    return 0.0


# --- numbers from the wire -----------------------------------------------------------------------

@pytest.mark.parametrize("name", GRPC_SERVICES)
def test_the_largest_grpc_timeout_is_no_deadline_and_kills_nothing(cluster, name):
    with cluster.guard(name, max_growth_mb=20):
        for timeout in ("99999999H", "99999999M", "99999999S", "99999999m", "99999999u", "99999999n"):
            connection = RawConnection(cluster.grpc_port(name))
            connection.send(frame(HEADERS, 0x4, 1, request_block(HEALTH_CHECK, [("grpc-timeout", timeout)]))
                            + frame(DATA, 0x1, 1, health_request()))
            end = connection.stream_end(1)
            connection.close()
            assert end is not None and end.get("grpc-status") == "0", f"{timeout}: {end}"


# --- header list -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", GRPC_SERVICES)
def test_a_header_block_referencing_a_4k_entry_140k_times_is_refused(cluster, name):
    with cluster.guard(name, max_growth_mb=48):
        connection = RawConnection(cluster.grpc_port(name))
        block = request_block(HEALTH_CHECK) + literal("x-big", "b" * 4000, indexed=True)
        block += b"\xbe" * (16384 - len(block))  # index 62: the 4 KB entry, once per byte
        data = frame(HEADERS, 0x1, 1, block)
        for index in range(8):  # nghttp2 allows 8 CONTINUATION frames
            data += frame(CONTINUATION, 0x4 if index == 7 else 0, 1, b"\xbe" * 16384)
        connection.send(data)
        end = connection.stream_end(1)
        assert end is not None and end.get("grpc-status") == "8", end
        assert "exceed 16384 bytes" in end.get("grpc-message", "")
        # The same connection goes on: its decoder kept the entry (HPACK stayed in sync).
        connection.send(frame(HEADERS, 0x4, 3, request_block(HEALTH_CHECK) + b"\xbe") + frame(DATA, 0x1, 3, health_request()))
        assert (connection.stream_end(3) or {}).get("grpc-status") == "0"
        connection.close()
    assert limit_hits(cluster, name, "header_list_size") >= 1


# --- metrics labels ----------------------------------------------------------------------------

def test_five_thousand_unknown_methods_are_one_metrics_series(cluster):
    name = "score"
    before = metrics_text(cluster, name)
    channel = cluster.grpc_channel(name)
    with cluster.guard(name, max_growth_mb=32):
        for _ in range(5000):
            path = f"/attack.{uuid.uuid4().hex}/{uuid.uuid4().hex}"
            with pytest.raises(grpc.RpcError) as failure:
                channel.unary_unary(path)(b"", timeout=10)
            assert failure.value.code() == grpc.StatusCode.UNIMPLEMENTED
    after = metrics_text(cluster, name)
    assert "attack." not in after
    assert 'courtside_grpc_server_calls_total{method="unknown",code="UNIMPLEMENTED"}' in after
    assert len(after) - len(before) < 4096, f"/metrics grew from {len(before)} to {len(after)} bytes"


# --- buffered request bytes --------------------------------------------------------------------

@pytest.mark.parametrize("name", GRPC_SERVICES)
def test_64_streams_holding_almost_4_mib_each_are_bounded(cluster, name):
    """Each stream announces a 4 MiB message and sends all of it but one byte, as fast as flow
    control allows. The connection may hold 16 MiB: four such messages; the others end with
    RESOURCE_EXHAUSTED as they arrive."""
    size = 4 << 20
    with cluster.guard(name, max_growth_mb=64):
        sock, conn = hostile.h2_client(cluster.grpc_port(name))
        sock.settimeout(0.2)
        streams = {}  # stream: bytes of its framed message still to send (all but the last)
        for index in range(64):
            stream = conn.get_next_available_stream_id()
            conn.send_headers(stream, hostile.grpc_request_headers(HEALTH_CHECK))
            streams[stream] = 5 + size - 1
        sock.sendall(conn.data_to_send())
        prefix = struct.pack(">BI", 0, size)
        ended, deadline = {}, time.time() + 60
        while time.time() < deadline:
            for stream, remaining in list(streams.items()):
                if stream in ended or not remaining:
                    continue
                try:
                    window = min(conn.local_flow_control_window(stream), conn.max_outbound_frame_size, remaining)
                    if window > 0:
                        start = 5 + size - 1 - remaining
                        chunk = (prefix[start:] + b"x" * window)[:window] if start < 5 else b"x" * window
                        conn.send_data(stream, chunk)
                        streams[stream] = remaining - window
                except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError):
                    ended.setdefault(stream, "closed")
            pending = conn.data_to_send()
            if pending:
                sock.sendall(pending)
            try:
                data = sock.recv(1 << 20)
            except socket.timeout:
                data = None
            if data == b"":
                break
            for event in conn.receive_data(data or b""):
                if isinstance(event, h2.events.TrailersReceived) or (isinstance(event, h2.events.ResponseReceived) and event.stream_ended):
                    headers = {k: v for k, v in event.headers}
                    ended[event.stream_id] = headers.get(b"grpc-status", headers.get("grpc-status"))
                elif isinstance(event, h2.events.StreamReset):
                    ended[event.stream_id] = f"reset {event.error_code}"
            pending = conn.data_to_send()
            if pending:
                sock.sendall(pending)
            if all(stream in ended or not remaining for stream, remaining in streams.items()):
                break
        holding = [stream for stream in streams if stream not in ended]
        statuses = {str(value) for value in ended.values()}
        sock.close()
        assert len(holding) <= 4, f"{len(holding)} streams hold their messages"
        assert len(ended) >= 60 and statuses <= {"8", "b'8'"}, statuses
    assert limit_hits(cluster, name, "connection_request_bytes") >= 60


# --- streams and control frames ----------------------------------------------------------------

def test_more_than_100_streams_on_one_connection_is_refused(cluster):
    name = "schedule"
    with cluster.guard(name, max_growth_mb=32):
        connection = RawConnection(cluster.grpc_port(name))
        for _ in connection.frames(until=lambda f: f[0] == SETTINGS and not f[1] & 0x1):
            pass
        connection.send(frame(SETTINGS, 0x1, 0))  # acknowledged: the limit now binds the connection
        path = "/courtside.v1.ScheduleService/WatchGames"
        connection.send(b"".join(frame(HEADERS, 0x4, 2 * index + 1, request_block(path)) for index in range(101)))
        assert connection.goaway_code() == PROTOCOL_ERROR
        connection.close()


@pytest.mark.parametrize("kind,payload", [(PING, b"12345678"), (SETTINGS, b"")], ids=["ping", "settings"])
@pytest.mark.parametrize("name", GRPC_SERVICES)
def test_a_control_frame_flood_gets_enhance_your_calm(cluster, name, kind, payload):
    with cluster.guard(name, max_growth_mb=20):
        connection = RawConnection(cluster.grpc_port(name))
        connection.send(frame(kind, 0, 0, payload) * 2000)
        assert connection.goaway_code() == ENHANCE_YOUR_CALM
        connection.close()
    assert limit_hits(cluster, name, "control_frame_flood") >= 1


# --- connections that never prove themselves ---------------------------------------------------

@pytest.mark.parametrize("name", GRPC_SERVICES)
def test_500_connections_that_never_send_the_preface_are_closed(cluster, name):
    with cluster.guard(name, max_growth_mb=48):
        silent = hostile.open_sockets(cluster.grpc_port(name), 250)
        partial = hostile.open_sockets(cluster.grpc_port(name), 250, payload=PREFACE[:10])
        sockets = silent + partial
        try:
            # 128 per address are admitted and closed at the 5 s deadline; the rest at once.
            assert hostile.closed_count(sockets, 12) == len(sockets)
        finally:
            for s in sockets:
                s.close()
    assert limit_hits(cluster, name, "preface_timeout") >= 1
    assert limit_hits(cluster, name, "max_connections_per_address") >= 1


def test_connections_beyond_128_per_address_get_enhance_your_calm(cluster):
    name = "subscription"
    with cluster.guard(name, max_growth_mb=48):
        connections = [RawConnection(cluster.grpc_port(name)) for _ in range(140)]
        try:
            time.sleep(1)
            refused = [c for c in connections if c.goaway_code(seconds=0.05) == ENHANCE_YOUR_CALM]
            # The harness's own clients (health checks, the bridge) hold a few of the 128 slots.
            assert 12 <= len(refused) <= 30, len(refused)
        finally:
            for c in connections:
                c.close()


# --- error texts -------------------------------------------------------------------------------

@pytest.mark.parametrize("name,path", [
    ("score", "/courtside.v1.ScoreService/GetSnapshots"),
    ("schedule", "/courtside.v1.ScheduleService/GetGame"),
    ("subscription", "/courtside.v1.SubscriptionService/GetSubscription"),
])
def test_a_request_that_does_not_decode_gets_a_request_id_not_the_decoders_text(cluster, name, path):
    with cluster.guard(name, max_growth_mb=20):
        call = cluster.grpc_channel(name).unary_unary(path)
        with pytest.raises(grpc.RpcError) as failure:
            call(b"\x0a\x7f\x01", timeout=10)
        assert failure.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        details = failure.value.details()
        trailers = dict(failure.value.trailing_metadata() or ())
        request_id = trailers.get("courtside-request-id")
        assert request_id and details.endswith(f"(request id {request_id})"), (details, trailers)
        assert "runs past" not in details and "protobuf" not in details


# --- the admin port ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["score", "bridge", "feed"])
def test_admin_connections_that_send_no_request_are_closed(cluster, name):
    with cluster.guard(name, max_growth_mb=20):
        sockets = hostile.open_sockets(cluster.admin_port(name), 10, payload=b"GET /metrics HTT")
        try:
            assert hostile.closed_count(sockets, 10) == len(sockets)
        finally:
            for s in sockets:
                s.close()
        # More than 16 from one address: 503 at once.
        sockets = hostile.open_sockets(cluster.admin_port(name), 30)
        try:
            answers = [hostile.read_until_closed_or(s, 0.5)[0] for s in sockets]
            assert sum(a.startswith(b"HTTP/1.1 503") for a in answers) >= 14
        finally:
            for s in sockets:
                s.close()


def non_loopback_address():
    """An address of this machine other than loopback, or None."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_the_admin_port_stays_on_loopback_when_the_service_listens_everywhere(cluster, tmp_path):
    address = non_loopback_address()
    if address is None:
        pytest.skip("this machine has no address besides loopback")
    grpc_port, admin_port = hostile.free_port(), hostile.free_port()
    log = open(tmp_path / "schedule.log", "w")
    process = subprocess.Popen(
        [os.path.join(hostile.BIN, "courtside-schedule"), "--host", "0.0.0.0", "--grpc-port", str(grpc_port),
         "--admin-port", str(admin_port), "--storage", "sqlite::memory:", "--log-level", "info",
         "--allow-anonymous-writes"],
        stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        hostile.wait_for_port(grpc_port, timeout=60)
        hostile.wait_for_port(admin_port, timeout=60)
        socket.create_connection((address, grpc_port), timeout=5).close()
        with pytest.raises(OSError):
            socket.create_connection((address, admin_port), timeout=5).close()
    finally:
        if not hostile.stop_process(process):
            log.close()
            pytest.fail("courtside-schedule did not exit within 15 s of SIGTERM; its log:\n"
                        + (tmp_path / "schedule.log").read_text(errors="replace")[-6000:])
