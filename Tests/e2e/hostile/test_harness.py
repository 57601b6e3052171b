"""The harness itself: it must notice a dead service and memory growth, or no case proves anything."""
import os
import signal
import time

import pytest


def test_every_service_starts_healthy(cluster):
    for name in ("schedule", "score", "subscription", "bridge", "feed"):
        cluster.check_alive(name)


def test_the_guard_fails_when_the_service_dies(cluster):
    with pytest.raises(AssertionError, match="died"):
        with cluster.guard("schedule", max_growth_mb=50):
            os.kill(cluster.pid("schedule"), signal.SIGKILL)
            time.sleep(0.5)
    cluster.check_alive("schedule")  # the guard started it again


def test_the_guard_fails_on_growth_beyond_the_bound(cluster, monkeypatch):
    readings = iter([100_000] + [100_000 + 60 * 1024] * 100)
    monkeypatch.setattr(cluster, "rss_kb", lambda name: next(readings))
    with pytest.raises(AssertionError, match="grew by"):
        with cluster.guard("score", max_growth_mb=50):
            pass
