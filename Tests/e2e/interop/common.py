"""Shared helpers for the interop tests: stub generation, free ports, process control."""
import os
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
# The 30 NBA teams the schedule seeds, by tricode (for tests and load tools that create games).
NBA_TRICODES = ["ATL", "BOS", "BKN", "CHA", "CHI", "CLE", "DAL", "DEN", "DET", "GSW", "HOU", "IND", "LAC", "LAL", "MEM",
                "MIA", "MIL", "MIN", "NOP", "NYK", "OKC", "ORL", "PHI", "PHX", "POR", "SAC", "SAS", "TOR", "UTA", "WAS"]


def game_date(at=None):
    """The game date of an instant (default: now), "YYYY-MM-DD": the US Eastern date games are
    scheduled under, as the services compute it (GameDate), with the US daylight-saving rules
    and no time-zone database."""
    import datetime
    now = datetime.datetime.fromtimestamp(time.time() if at is None else at, datetime.timezone.utc)
    year = (now - datetime.timedelta(hours=5)).year

    def nth_sunday(n, month):
        first = datetime.date(year, month, 1)
        return first + datetime.timedelta(days=(6 - first.weekday()) % 7 + 7 * (n - 1))

    dst_start = datetime.datetime.combine(nth_sunday(2, 3), datetime.time(7), datetime.timezone.utc)
    dst_end = datetime.datetime.combine(nth_sunday(1, 11), datetime.time(6), datetime.timezone.utc)
    offset = -4 if dst_start <= now < dst_end else -5
    return (now + datetime.timedelta(hours=offset)).strftime("%Y-%m-%d")


def generate_stubs():
    """Generates Python modules for proto/courtside/** into a temp dir and puts it on sys.path."""
    from grpc_tools import protoc
    import grpc_tools

    out = tempfile.mkdtemp(prefix="courtside-pb-")
    proto_dir = os.path.join(ROOT, "proto")
    files = []
    for base, _, names in os.walk(os.path.join(proto_dir, "courtside")):
        files += [os.path.join(base, n) for n in names if n.endswith(".proto")]
    include = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    args = ["protoc", f"-I{proto_dir}", f"-I{include}", f"--python_out={out}", f"--grpc_python_out={out}"] + files
    if protoc.main(args) != 0:
        raise RuntimeError("grpc_tools.protoc failed")
    sys.path.insert(0, out)
    return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, timeout=30.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {timeout}s")


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def stop(process, timeout=10):
    """Stops a process we started, by its PID (SIGTERM, then SIGKILL)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
