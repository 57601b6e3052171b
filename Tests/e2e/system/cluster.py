"""Starts Courtside's services as real processes on free loopback ports, and stops them by PID.

Used by the system tests: each service is the built executable with flags (as an operator
would run it), storage in a temporary directory so restarts keep their data. With a `Trust`
(trust.py), every gRPC port serves TLS and every hop carries a token.
"""
import os
import signal
import subprocess
import sys
import time

import grpc

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "interop"))
import common  # noqa: E402

BIN = os.environ["COURTSIDE_BIN"]


class Service:
    def __init__(self, name, args, grpc_port=None, admin_port=None, http_port=None, log_dir="."):
        self.name, self.args = name, args
        self.grpc_port, self.admin_port, self.http_port = grpc_port, admin_port, http_port
        self.log_path = os.path.join(log_dir, f"{name}.log")
        self.process = None

    def start(self):
        log = open(self.log_path, "a")
        self.process = subprocess.Popen([os.path.join(BIN, f"courtside-{self.name}")] + self.args, stdout=log, stderr=subprocess.STDOUT)
        for port in (self.grpc_port, self.http_port, self.admin_port):
            if port:
                common.wait_for_port(port, timeout=60)
        return self

    def stop(self, timeout=30):
        """SIGTERM and wait: the graceful path. Returns the exit code."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise AssertionError(f"{self.name} did not exit within {timeout}s of SIGTERM")
        return self.process.returncode if self.process else None

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    @property
    def address(self):
        return f"127.0.0.1:{self.grpc_port}"


class Cluster:
    def __init__(self, directory, with_edge=False, trust=None):
        self.dir, self.trust = directory, trust
        ports = {name: (common.free_port(), common.free_port()) for name in ("schedule", "score", "subscription", "bridge", "feed")}
        self.ports = ports
        common_flags = ["--log-level", "notice", "--shutdown-grace-seconds", "5"]

        def serving(name):
            return trust.server_flags(name) if trust else []

        def calling(name):
            return trust.client_flags(name) if trust else []

        schedule_addr = f"127.0.0.1:{ports['schedule'][0]}"
        score_addr = f"127.0.0.1:{ports['score'][0]}"
        subscription_addr = f"127.0.0.1:{ports['subscription'][0]}"
        self.services = {
            "schedule": Service("schedule", ["--grpc-port", str(ports["schedule"][0]), "--admin-port", str(ports["schedule"][1]),
                                             "--storage", f"sqlite:{directory}/schedule.sqlite"] + serving("schedule") + common_flags,
                                grpc_port=ports["schedule"][0], admin_port=ports["schedule"][1], log_dir=directory),
            "score": Service("score", ["--grpc-port", str(ports["score"][0]), "--admin-port", str(ports["score"][1]),
                                       "--storage", f"sqlite:{directory}/score.sqlite", "--schedule-addr", schedule_addr]
                             + serving("score") + calling("score") + common_flags,
                             grpc_port=ports["score"][0], admin_port=ports["score"][1], log_dir=directory),
            "subscription": Service("subscription", ["--grpc-port", str(ports["subscription"][0]), "--admin-port", str(ports["subscription"][1]),
                                                     "--storage", f"sqlite:{directory}/subscription.sqlite",
                                                     "--score-addr", score_addr, "--schedule-addr", schedule_addr]
                                    + serving("subscription") + calling("subscription") + common_flags,
                                    grpc_port=ports["subscription"][0], admin_port=ports["subscription"][1], log_dir=directory),
        }
        if with_edge:
            self.services["bridge"] = Service(
                "bridge", ["--http-port", str(ports["bridge"][0]), "--admin-port", str(ports["bridge"][1]),
                           "--subscription-addr", subscription_addr, "--score-addr", score_addr, "--schedule-addr", schedule_addr,
                           "--static-dir", os.path.join(common.ROOT, "services", "bridge", "public")] + calling("bridge") + common_flags,
                http_port=ports["bridge"][0], admin_port=ports["bridge"][1], log_dir=directory)
            self.services["feed"] = Service(
                "feed", ["--admin-port", str(ports["feed"][1]), "--score-addr", score_addr, "--schedule-addr", schedule_addr,
                         "--sim-games", "3"] + calling("feed") + common_flags,
                admin_port=ports["feed"][1], log_dir=directory)

    def start(self, names=None):
        for name in names or self.services:
            self.services[name].start()
        return self

    def stop(self):
        """Stops every service (reverse order), gracefully; returns their exit codes."""
        return {name: self.services[name].stop() for name in reversed(list(self.services))}

    def __getitem__(self, name):
        return self.services[name]

    def channel(self, name):
        """A grpcio channel to a gRPC service: over TLS with the test's token when the cluster has a Trust."""
        address = self.services[name].address
        return self.trust.channel(address) if self.trust else grpc.insecure_channel(address)

    def logs(self):
        out = []
        for service in self.services.values():
            if os.path.exists(service.log_path):
                with open(service.log_path) as fh:
                    out.append(f"--- {service.name}\n" + "".join(fh.readlines()[-30:]))
        return "\n".join(out)
