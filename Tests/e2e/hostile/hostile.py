"""The hostile suite's toolbox: generated stubs, boundary values, raw HTTP/2 and socket helpers.

Test files import it (`import hostile`, `from hostile import pb`); conftest.py builds the
cluster of real services the cases attack.
"""
import os
import select
import socket
import struct
import subprocess
import sys
import time
import types

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "interop"))
import common  # noqa: E402

common.generate_stubs()
from courtside.v1 import common_pb2, schedule_pb2, schedule_pb2_grpc  # noqa: E402
from courtside.v1 import score_pb2, score_pb2_grpc, subscription_pb2, subscription_pb2_grpc  # noqa: E402
from grpc_health.v1 import health_pb2, health_pb2_grpc  # noqa: E402

pb = types.SimpleNamespace(
    common_pb2=common_pb2,
    score_pb2=score_pb2,
    score_pb2_grpc=score_pb2_grpc,
    schedule_pb2=schedule_pb2,
    schedule_pb2_grpc=schedule_pb2_grpc,
    subscription_pb2=subscription_pb2,
    subscription_pb2_grpc=subscription_pb2_grpc,
    health_pb2=health_pb2,
    health_pb2_grpc=health_pb2_grpc,
)

ROOT = common.ROOT
BIN = os.environ.get("COURTSIDE_BIN", os.path.join(ROOT, ".build", "debug"))
# Every numeric field of every RPC is tried at each of these (as far as its type allows).
BOUNDARY_INTS = [0, 1, 2**31, 2**32, 2**53, 2**63 - 1, 2**63, 2**64 - 1]
free_port = common.free_port
wait_for_port = common.wait_for_port
rss_kib = common.rss_kib
game_date = common.game_date


def stop_process(process, timeout=15):
    """SIGTERM, then SIGKILL if the process is still there after `timeout` seconds.
    True when it exited on SIGTERM (a service's watchdog ends it at its grace + 10 s)."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
        return True
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return False


def h2_client(port, settings=None, timeout=10.0):
    """A raw HTTP/2 client: a connected socket and an h2 connection (client side) whose
    preface and SETTINGS have been sent. The caller drives both."""
    import h2.config
    import h2.connection

    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
    conn.initiate_connection()
    if settings:
        conn.update_settings(settings)
    sock.sendall(conn.data_to_send())
    return sock, conn


def grpc_request_headers(path, extra=()):
    """The headers of a gRPC POST to `path` (e.g. "/courtside.v1.ScoreService/GetSnapshots")."""
    return [
        (":method", "POST"),
        (":scheme", "http"),
        (":path", path),
        (":authority", "127.0.0.1"),
        ("content-type", "application/grpc"),
        ("te", "trailers"),
        *extra,
    ]


def grpc_frame(message_bytes, compressed=False):
    """One length-prefixed gRPC message."""
    return struct.pack(">BI", 1 if compressed else 0, len(message_bytes)) + message_bytes


def read_until_closed_or(sock, seconds):
    """Reads until the peer closes or `seconds` pass. Returns (bytes read, closed?)."""
    deadline = time.time() + seconds
    received = bytearray()
    while True:
        left = deadline - time.time()
        if left <= 0:
            return bytes(received), False
        ready, _, _ = select.select([sock], [], [], min(left, 0.5))
        if not ready:
            continue
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            return bytes(received), True
        except socket.timeout:
            continue
        if not chunk:
            return bytes(received), True
        received += chunk


def h2_events_until(sock, conn, predicate, seconds=10.0):
    """Feeds what arrives to `conn` until `predicate(events_so_far)` is true, the peer closes, or
    time runs out. Returns (events, closed?). Sends what h2 wants to send (SETTINGS ACKs…)."""
    import h2.exceptions

    deadline = time.time() + seconds
    events = []
    while time.time() < deadline:
        if predicate(events):
            return events, False
        ready, _, _ = select.select([sock], [], [], 0.2)
        if not ready:
            continue
        try:
            data = sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            return events, True
        if not data:
            return events, True
        try:
            events += conn.receive_data(data)
        except h2.exceptions.ProtocolError:
            return events, True
        pending = conn.data_to_send()
        if pending:
            try:
                sock.sendall(pending)
            except OSError:
                return events, True
    return events, False


def open_sockets(port, count, payload=b"", timeout=5.0):
    """`count` TCP connections to `port`, each having sent `payload`; those the server refused
    at once are left out. The caller closes them."""
    sockets = []
    for _ in range(count):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
            if payload:
                s.sendall(payload)
            sockets.append(s)
        except OSError:
            pass
    return sockets


def closed_count(sockets, seconds):
    """How many of `sockets` the server closed within `seconds` (EOF or reset)."""
    deadline = time.time() + seconds
    open_ones = list(sockets)
    closed = 0
    while open_ones and time.time() < deadline:
        ready, _, _ = select.select(open_ones, [], [], 0.25)
        for s in ready:
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            if not data:
                closed += 1
                open_ones.remove(s)
    return closed
