"""`make run` as the README promises it: one command starts every service on the embedded
defaults with the simulator feeding games and prints the page's URL; the gRPC ports speak TLS
from a local CA that the `courtside` CLI finds by itself; Ctrl-C stops everything with no process
left behind; a second run finds the games where the first one left them (and the same CA)."""
import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.request

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
PORTS = {"bridge": 8080, "score": 50051, "schedule": 50052, "subscription": 50053,
         **{f"admin {port}": port for port in range(9101, 9106)}}
BANNER = "Courtside is running: open http://127.0.0.1:8080"


def port_open(port):
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def get(path):
    with urllib.request.urlopen(f"http://127.0.0.1:8080{path}", timeout=10) as response:
        return response.status, response.headers.get("content-type", ""), response.read()


class RunAll:
    """scripts/run-all in its own process group, as a terminal would run it."""

    def __init__(self, run_dir):
        env = {**os.environ, "COURTSIDE_RUN_DIR": str(run_dir)}
        self.process = subprocess.Popen([os.path.join(ROOT, "scripts", "run-all")], cwd=ROOT, env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        start_new_session=True)
        self.pgid = self.process.pid
        self.lines = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def output(self):
        return "\n".join(self.lines[-60:])

    def wait_for_banner(self, timeout=900):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(BANNER in line for line in self.lines):
                return
            if self.process.poll() is not None:
                pytest.fail(f"run-all exited ({self.process.returncode}) before printing the URL:\n{self.output()}")
            time.sleep(0.2)
        pytest.fail(f"run-all did not print the URL within {timeout} s:\n{self.output()}")

    def ctrl_c(self):
        """What Ctrl-C does in a terminal: SIGINT to the foreground process group."""
        os.killpg(self.pgid, signal.SIGINT)
        try:
            code = self.process.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(self.pgid, signal.SIGKILL)
            pytest.fail(f"run-all did not stop within 90 s of Ctrl-C:\n{self.output()}")
        assert code == 0, f"run-all exited with {code} after Ctrl-C:\n{self.output()}"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.killpg(self.pgid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            left = subprocess.run(["ps", "-o", "pid,cmd", "-g", str(self.pgid)], capture_output=True, text=True).stdout
            os.killpg(self.pgid, signal.SIGKILL)
            pytest.fail(f"processes left behind after Ctrl-C:\n{left}")
        still_open = [name for name, port in PORTS.items() if port_open(port)]
        assert not still_open, f"ports still open after Ctrl-C: {still_open}"


def courtside(cwd, *args):
    """The `courtside` CLI that run-all built, run in `cwd` (it looks for run/tls and run/tokens there)."""
    bin_path = subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    return subprocess.run([os.path.join(bin_path, "courtside"), *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def check_tls_files(tls_dir):
    """The local CA and a certificate per gRPC service for localhost and 127.0.0.1, private keys private."""
    for name in ("ca", "schedule", "score", "subscription"):
        assert (tls_dir / f"{name}.pem").exists() and (tls_dir / f"{name}.key").exists(), f"no {name} certificate and key in {tls_dir}"
        assert (tls_dir / f"{name}.key").stat().st_mode & 0o077 == 0, f"{name}.key is readable by others"
    for name in ("schedule", "score", "subscription"):
        verified = subprocess.run(["openssl", "verify", "-CAfile", str(tls_dir / "ca.pem"), str(tls_dir / f"{name}.pem")],
                                  capture_output=True, text=True)
        assert verified.returncode == 0, f"{name}.pem does not chain to ca.pem: {verified.stdout}{verified.stderr}"
        text = subprocess.run(["openssl", "x509", "-in", str(tls_dir / f"{name}.pem"), "-noout", "-ext", "subjectAltName"],
                              capture_output=True, text=True, check=True).stdout
        assert "DNS:localhost" in text and "IP Address:127.0.0.1" in text, f"{name}.pem names {text}"


def check_cli_over_tls(run_dir):
    """From the directory holding run/, the CLI verifies the services with run/tls/ca.pem and sends
    run/tokens/cli.token; from anywhere else it speaks cleartext, which the TLS ports refuse."""
    home = run_dir.parent
    for port in (50051, 50052, 50053):
        result = courtside(home, "health", f"127.0.0.1:{port}")
        assert result.returncode == 0 and "SERVING" in result.stdout, f"health over TLS on {port}: {result.stdout}{result.stderr}"
    games = courtside(home, "games")
    assert games.returncode == 0, f"courtside games over TLS: {games.stdout}{games.stderr}"
    elsewhere = home / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    cleartext = courtside(elsewhere, "health", "127.0.0.1:50051", "--timeout", "3")
    assert cleartext.returncode != 0, f"a cleartext call to the TLS port succeeded: {cleartext.stdout}"
    explicit = courtside(elsewhere, "health", "127.0.0.1:50051", "--client-tls-ca-file", str(run_dir / "tls" / "ca.pem"))
    assert explicit.returncode == 0 and "SERVING" in explicit.stdout, f"--client-tls-ca-file: {explicit.stdout}{explicit.stderr}"


def played_games():
    """The games of today's slate that have events: id → (epoch, seq)."""
    status, content_type, body = get("/api/games")
    assert status == 200 and content_type.startswith("application/json")
    games = json.loads(body)["games"]
    return {g["id"]: (g["snapshot"]["epoch"], g["snapshot"]["seq"], g["snapshot"]["state"]["status"]) for g in games
            if g.get("snapshot") and g["snapshot"]["seq"] > 0}


def wait_for_play(minimum_events, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        played = played_games()
        if played and max(seq for _, seq, _ in played.values()) >= minimum_events:
            return played
        time.sleep(1)
    pytest.fail(f"no game reached {minimum_events} events within {timeout} s (games: {played_games()})")


def check_both_leagues_play(timeout=120):
    """The simulator's default slate: NBA and WNBA games, each between teams of its league, and
    games of both under way within a minute or two (WNBA games tip off second)."""
    deadline = time.monotonic() + timeout
    while True:
        status, _, body = get("/api/games")
        assert status == 200
        games = json.loads(body)["games"]
        leagues = {g["league"] for g in games}
        assert leagues == {"nba", "wnba"}, f"the simulator's slate is not NBA and WNBA: {sorted(leagues)}"
        for g in games:
            assert g["home"]["league"] == g["away"]["league"] == g["league"], f"{g['id']}: teams of another league"
        wnba = [g for g in games if g["league"] == "wnba"]
        assert all(g["home"]["id"].startswith("wnba-") for g in wnba), [g["home"]["id"] for g in wnba]
        status, _, body = get("/api/games?league=wnba")
        assert status == 200 and {g["id"] for g in json.loads(body)["games"]} == {g["id"] for g in wnba}
        played = {g["league"] for g in games if g.get("snapshot") and g["snapshot"]["seq"] > 0}
        if played == {"nba", "wnba"}:
            return
        assert time.monotonic() < deadline, f"games of only {sorted(played)} have events after {timeout} s"
        time.sleep(1)


def test_make_run_starts_everything_stops_cleanly_and_continues(tmp_path):
    busy = [f"{name} ({port})" for name, port in PORTS.items() if port_open(port)]
    if busy:
        pytest.fail(f"make run needs its default ports, but these are in use: {', '.join(busy)} "
                    "(is another `make run` going?)")
    run_dir = tmp_path / "run"

    first = RunAll(run_dir)
    try:
        first.wait_for_banner()
        status, content_type, page = get("/")
        assert status == 200 and content_type.startswith("text/html") and b"<html" in page.lower()
        for script in ("/app.js",):
            status, _, _ = get(script)
            assert status == 200, f"{script} is not served"
        before = wait_for_play(minimum_events=5)
        check_both_leagues_play()
        check_tls_files(run_dir / "tls")
        check_cli_over_tls(run_dir)
    finally:
        if first.process.poll() is None:
            first.ctrl_c()
    assert "stopped." in first.output()
    for name in ("schedule", "score", "subscription"):
        assert (run_dir / "data" / f"{name}.sqlite").exists(), f"no {name} database under {run_dir}/data"
    # Writes need tokens: the first start made a key, its JWKS and a token per caller (docs/auth.md).
    assert (run_dir / "auth" / "signing-key.pem").exists() and (run_dir / "auth" / "jwks.json").exists()
    for name in ("feed", "score", "subscription", "bridge", "cli"):
        assert (run_dir / "tokens" / f"{name}.token").read_text().count(".") == 2, f"no token for {name}"
    first_ca = (run_dir / "tls" / "ca.pem").read_bytes()

    second = RunAll(run_dir)
    try:
        second.wait_for_banner()
        assert (run_dir / "tls" / "ca.pem").read_bytes() == first_ca, "the second start made a new CA"
        after = played_games()
        for game, (epoch, seq, _) in before.items():
            assert game in after, f"{game} is gone after the restart"
            assert after[game][0] == epoch, f"{game} changed epoch across the restart: {epoch} → {after[game][0]}"
            assert after[game][1] >= seq, f"{game} went back from seq {seq} to {after[game][1]}"
        deadline = time.monotonic() + 60
        while "continuing the slate" not in (run_dir / "logs" / "feed.log").read_text():
            assert time.monotonic() < deadline, (
                f"the second feed did not continue the slate it found:\n{(run_dir / 'logs' / 'feed.log').read_text()[-3000:]}")
            time.sleep(0.5)
        unfinished = {game for game, (_, _, status) in before.items() if status != "final"}
        deadline = time.monotonic() + 120
        while unfinished:
            now = played_games()
            if any(now[game][1] > before[game][1] for game in unfinished if game in now):
                break
            assert time.monotonic() < deadline, f"no unfinished game of the first run moved on in the second: {now}"
            time.sleep(1)
    finally:
        if second.process.poll() is None:
            second.ctrl_c()
