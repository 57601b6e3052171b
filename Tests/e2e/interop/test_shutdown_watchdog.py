"""The shutdown watchdog ends a process whose Swift concurrency pool is blocked.

`courtside-echo-server` runs its services under `ServiceRunner`, like every Courtside service.
With COURTSIDE_ECHO_BLOCK_POOL_ON_SHUTDOWN=1, SIGTERM makes one of them occupy every thread of
the concurrency pool with a sleep that never ends: the drain can no longer run, nor can
ServiceGroup's escalation to cancellation. Only the watchdog, on its own dispatch queue, can end
the process: it must log what still runs and exit 70 at grace + 10 s.
"""
import os
import signal
import subprocess
import time

import common

SERVER = os.environ.get("ECHO_SERVER", os.path.join(common.ROOT, ".build", "debug", "courtside-echo-server"))
GRACE_SECONDS = 1
WATCHDOG_MARGIN_SECONDS = 10  # ShutdownWatchdog.margin


def test_the_watchdog_ends_a_process_whose_concurrency_pool_is_blocked():
    environment = dict(os.environ, COURTSIDE_ECHO_BLOCK_POOL_ON_SHUTDOWN="1", COURTSIDE_ECHO_GRACE_SECONDS=str(GRACE_SECONDS))
    process = subprocess.Popen(
        [SERVER, str(common.free_port())], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("listening on"), f"server did not start: {line!r}"
        signalled = time.monotonic()
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=90)
        elapsed = time.monotonic() - signalled
        errors = process.stderr.read()
        assert code == 70, f"exit {code}, expected 70 (EX_SOFTWARE) from the watchdog; stderr:\n{errors}"
        assert "every concurrency pool thread is blocked" in errors, errors
        assert "graceful shutdown overran its deadline" in errors, errors
        assert "PoolBlocker" in errors, "the log names what still ran"
        # Not before the deadline (grace + margin), whatever the machine's speed.
        assert elapsed >= GRACE_SECONDS + WATCHDOG_MARGIN_SECONDS - 0.5, f"ended after {elapsed:.1f} s"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
