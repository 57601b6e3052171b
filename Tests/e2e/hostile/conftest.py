"""The cluster the hostile cases attack: the five services as real processes (the built
executables, as an operator runs them) on free loopback ports, SQLite in memory, the feed on its
simulator so games are live while the attacks run.

`cluster.guard(name, max_growth_mb)` wraps each case: afterwards the service must still run,
answer its health check, and its resident memory must have grown by less than the bound (memory
that is given back within a few seconds counts as given back). A service that died is started
again for the next case, and the case fails with its log's tail.
"""
import contextlib
import os
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import grpc
import pytest

import hostile
from hostile import pb

GRPC_SERVICES = ("schedule", "score", "subscription")
COMMON_FLAGS = ["--log-level", "notice", "--shutdown-grace-seconds", "2"]


class Service:
    def __init__(self, name, args, ports, log_dir):
        self.name = name
        self.args = args
        self.ports = ports
        self.log_path = os.path.join(log_dir, f"{name}.log")
        self.process = None

    def start(self):
        log = open(self.log_path, "a")
        self.process = subprocess.Popen([os.path.join(hostile.BIN, f"courtside-{self.name}"), *self.args],
                                        stdout=log, stderr=subprocess.STDOUT, cwd=os.path.dirname(self.log_path))
        for port in self.ports.values():
            hostile.wait_for_port(port, timeout=60)

    def stop(self):
        if self.process and self.process.poll() is None:
            hostile.stop_process(self.process)

    def log(self):
        with open(self.log_path, errors="replace") as fh:
            return fh.read()


class Cluster:
    def __init__(self, directory):
        self.dir = directory
        port = hostile.free_port
        self.ports = {
            "schedule": {"grpc": port(), "admin": port()},
            "score": {"grpc": port(), "admin": port()},
            "subscription": {"grpc": port(), "admin": port()},
            "bridge": {"http": port(), "admin": port()},
            "feed": {"admin": port()},
        }
        addr = {name: f"127.0.0.1:{self.ports[name]['grpc']}" for name in GRPC_SERVICES}
        args = {
            "schedule": ["--grpc-port", str(self.ports["schedule"]["grpc"]), "--storage", "sqlite::memory:"],
            "score": ["--grpc-port", str(self.ports["score"]["grpc"]), "--storage", "sqlite::memory:",
                      "--schedule-addr", addr["schedule"]],
            "subscription": ["--grpc-port", str(self.ports["subscription"]["grpc"]), "--storage", "sqlite::memory:",
                             "--score-addr", addr["score"], "--schedule-addr", addr["schedule"]],
            "bridge": ["--http-port", str(self.ports["bridge"]["http"]), "--subscription-addr", addr["subscription"],
                       "--score-addr", addr["score"], "--schedule-addr", addr["schedule"]],
            "feed": ["--score-addr", addr["score"], "--schedule-addr", addr["schedule"], "--sim-games", "3", "--sim-speed", "30"],
        }
        self.services = {
            name: Service(name, [*args[name], "--admin-port", str(self.ports[name]["admin"]), *COMMON_FLAGS], self.ports[name], directory)
            for name in ("schedule", "score", "subscription", "bridge", "feed")
        }
        self._channels = {}

    # --- what the cases use ------------------------------------------------------------------

    def grpc_port(self, name):
        return self.ports[name]["grpc"]

    @property
    def http_port(self):
        return self.ports["bridge"]["http"]

    def admin_port(self, name):
        return self.ports[name]["admin"]

    def pid(self, name):
        return self.services[name].process.pid

    def rss_kb(self, name):
        return hostile.rss_kib(self.pid(name))

    def log(self, name):
        return self.services[name].log()

    def grpc_channel(self, name):
        if name not in self._channels:
            self._channels[name] = grpc.insecure_channel(f"127.0.0.1:{self.grpc_port(name)}")
        return self._channels[name]

    def check_alive(self, name):
        """Raises AssertionError unless the service runs and reports itself healthy."""
        process = self.services[name].process
        assert process.poll() is None, f"{name} exited with {process.returncode}:\n{self.tail(name)}"
        if name in GRPC_SERVICES:
            stub = pb.health_pb2_grpc.HealthStub(self.grpc_channel(name))
            last = None
            for _ in range(3):
                try:
                    answer = stub.Check(pb.health_pb2.HealthCheckRequest(service=""), timeout=10)
                    assert answer.status == pb.health_pb2.HealthCheckResponse.SERVING, f"{name} is {answer.status}"
                    return
                except grpc.RpcError as error:
                    last = error
                    time.sleep(0.5)
            raise AssertionError(f"{name} does not answer a health check: {last}\n{self.tail(name)}")
        url = f"http://127.0.0.1:{self.admin_port(name)}/healthz"
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                assert response.status == 200, f"{name} /healthz: {response.status}"
        except (urllib.error.URLError, OSError) as error:
            raise AssertionError(f"{name} /healthz failed: {error}\n{self.tail(name)}")

    @contextlib.contextmanager
    def guard(self, name, max_growth_mb):
        """Runs the block; then the service must be alive, healthy, and within the RSS bound."""
        self.check_alive(name)
        before = self.rss_kb(name)
        try:
            yield
        finally:
            process = self.services[name].process
            if process.poll() is not None:
                tail = self.tail(name)
                self.restart(name)
                raise AssertionError(f"{name} died (exit {process.returncode}) during the case:\n{tail}")
        self.check_alive(name)
        bound_kb = max_growth_mb * 1024
        deadline = time.time() + 5
        growth = self.rss_kb(name) - before
        while growth >= bound_kb and time.time() < deadline:
            time.sleep(0.25)
            growth = self.rss_kb(name) - before
        assert growth < bound_kb, f"{name} grew by {growth / 1024:.1f} MiB (bound {max_growth_mb} MiB)"

    def restart(self, name):
        self.services[name].stop()
        self._channels.pop(name, None)
        self.services[name].start()
        self.check_alive(name)

    def tail(self, name, lines=40):
        return "".join(self.log(name).splitlines(keepends=True)[-lines:])

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self):
        for service in self.services.values():
            service.start()
        for name in self.services:
            deadline = time.time() + 60
            while True:
                try:
                    self.check_alive(name)
                    break
                except AssertionError:
                    if time.time() > deadline:
                        raise
                    time.sleep(0.5)

    def stop(self):
        for channel in self._channels.values():
            channel.close()
        for service in reversed(list(self.services.values())):
            service.stop()


@pytest.fixture(scope="session")
def cluster():
    directory = tempfile.mkdtemp(prefix="courtside-hostile-")
    cluster = Cluster(directory)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
