"""TLS on every gRPC port, with real processes and a stock grpcio client.

A test CA (openssl, in a temporary directory) issues the services' certificates. schedule, score
and subscription serve TLS and require client certificates (mTLS); score and subscription call
their upstreams over TLS with their own certificates. Checks: SERVING over TLS from every
service; no client certificate or one from another CA: the handshake fails; the internal hops
work (and fail without a client certificate); certificate rotation reaches new connections while
an open stream continues.
"""
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "interop"))
import common  # noqa: E402
import test_ca  # noqa: E402

common.generate_stubs()
from courtside.v1 import common_pb2 as cpb  # noqa: E402
from courtside.v1 import score_pb2 as spb  # noqa: E402
from courtside.v1 import score_pb2_grpc as sgrpc  # noqa: E402

BIN = os.environ["COURTSIDE_BIN"]
SERVING = health_pb2.HealthCheckResponse.SERVING
SERVER_NAMES = ["DNS:localhost", "IP:127.0.0.1"]


class Service:
    """A service process we started (stopped by its PID); its log is kept for failures."""

    def __init__(self, name, args, directory, reload_seconds="5"):
        self.name = name
        self.grpc_port = common.free_port()
        self.admin_port = common.free_port()
        self.log_path = os.path.join(directory, f"{name}-{self.grpc_port}.log")
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                [os.path.join(BIN, f"courtside-{name}"), "--grpc-port", str(self.grpc_port), "--admin-port", str(self.admin_port),
                 "--storage", "sqlite::memory:", "--tls-reload-seconds", reload_seconds, "--shutdown-grace-seconds", "5", *args],
                stdout=log, stderr=subprocess.STDOUT,
            )
        common.wait_for_port(self.grpc_port, timeout=60)

    @property
    def address(self):
        return f"127.0.0.1:{self.grpc_port}"

    def log(self):
        with open(self.log_path, errors="replace") as fh:
            return fh.read()

    def ready(self):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.admin_port}/readyz", timeout=5) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def stop(self):
        common.stop(self.process)


def channel(service, ca, cert=None):
    credentials = grpc.ssl_channel_credentials(
        root_certificates=test_ca.read(ca),
        private_key=test_ca.read(cert[1]) if cert else None,
        certificate_chain=test_ca.read(cert[0]) if cert else None,
    )
    return grpc.secure_channel(service.address, credentials)


def health(chan, timeout=10):
    return health_pb2_grpc.HealthStub(chan).Check(health_pb2.HealthCheckRequest(service=""), timeout=timeout).status


def server_args(cert, ca):
    return ["--tls-cert-file", cert[0], "--tls-key-file", cert[1], "--tls-client-ca-file", ca.cert]


def client_args(cert, ca):
    return ["--client-tls-ca-file", ca.cert, "--client-tls-cert-file", cert[0], "--client-tls-key-file", cert[1]]


def eventually(condition, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    directory = str(tmp_path_factory.mktemp("pki"))
    ca = test_ca.CertificateAuthority(directory)
    other = test_ca.CertificateAuthority(directory, "other-ca")
    return {
        "dir": directory, "ca": ca, "other": other,
        "schedule": ca.issue("schedule", SERVER_NAMES), "score": ca.issue("score", SERVER_NAMES),
        "subscription": ca.issue("subscription", SERVER_NAMES), "operator": ca.issue("operator", ["URI:spiffe://courtside/operator"]),
        "stranger": other.issue("stranger", ["URI:spiffe://courtside/operator"]),
    }


@pytest.fixture(scope="module")
def cluster(pki):
    ca, directory = pki["ca"], pki["dir"]
    started = []
    try:
        schedule = Service("schedule", server_args(pki["schedule"], ca), directory)
        started.append(schedule)
        score = Service("score", [*server_args(pki["score"], ca), "--schedule-addr", schedule.address, *client_args(pki["score"], ca)], directory)
        started.append(score)
        subscription = Service(
            "subscription",
            [*server_args(pki["subscription"], ca), "--score-addr", score.address, "--schedule-addr", schedule.address,
             *client_args(pki["subscription"], ca)],
            directory,
        )
        started.append(subscription)
        yield {"schedule": schedule, "score": score, "subscription": subscription}
    finally:
        for service in reversed(started):
            service.stop()


@pytest.mark.parametrize("name", ["schedule", "score", "subscription"])
def test_a_grpcio_client_with_a_certificate_gets_serving(cluster, pki, name):
    with channel(cluster[name], pki["ca"].cert, pki["operator"]) as chan:
        assert health(chan) == SERVING, cluster[name].log()


@pytest.mark.parametrize("name", ["schedule", "score", "subscription"])
def test_without_a_client_certificate_the_handshake_fails(cluster, pki, name):
    with channel(cluster[name], pki["ca"].cert) as chan:
        with pytest.raises(grpc.RpcError) as failure:
            health(chan, timeout=5)
    assert failure.value.code() == grpc.StatusCode.UNAVAILABLE


@pytest.mark.parametrize("name", ["schedule", "score", "subscription"])
def test_a_certificate_from_another_ca_fails(cluster, pki, name):
    with channel(cluster[name], pki["ca"].cert, pki["stranger"]) as chan:
        with pytest.raises(grpc.RpcError) as failure:
            health(chan, timeout=5)
    assert failure.value.code() == grpc.StatusCode.UNAVAILABLE


def test_a_client_that_trusts_another_ca_refuses_the_server(cluster, pki):
    with channel(cluster["score"], pki["other"].cert, pki["operator"]) as chan:
        with pytest.raises(grpc.RpcError) as failure:
            health(chan, timeout=5)
    assert failure.value.code() == grpc.StatusCode.UNAVAILABLE


def test_failed_handshakes_are_counted_by_reason(cluster, pki):
    with channel(cluster["schedule"], pki["ca"].cert) as chan:
        with pytest.raises(grpc.RpcError):
            health(chan, timeout=5)

    def counted():
        with urllib.request.urlopen(f"http://127.0.0.1:{cluster['schedule'].admin_port}/metrics", timeout=5) as response:
            text = response.read().decode()
        lines = [line for line in text.splitlines() if line.startswith('courtside_grpc_server_tls_handshake_failures_total{reason="client_certificate"}')]
        return lines and float(lines[0].split()[-1]) >= 1

    assert eventually(counted), cluster["schedule"].log()


def test_the_services_own_hops_verify_each_other(cluster, pki):
    # subscription -> score: its readiness follows the score stream.
    assert eventually(cluster["subscription"].ready), cluster["subscription"].log()
    # score -> schedule: an unknown game is NOT_FOUND only when the schedule service answered.
    with channel(cluster["score"], pki["ca"].cert, pki["operator"]) as chan:
        event = cpb.Event(game_id="no-such-game", source_id="tls-1", kind=cpb.EVENT_KIND_BASKET, points=2,
                          state=cpb.GameState(home_score=2, period=1, clock_ms=300000, status=cpb.GAME_STATUS_LIVE))
        with pytest.raises(grpc.RpcError) as failure:
            sgrpc.ScoreServiceStub(chan).PublishEvents(spb.PublishEventsRequest(events=[event]), timeout=20)
    assert failure.value.code() == grpc.StatusCode.NOT_FOUND, failure.value.details()


def test_a_hop_without_a_client_certificate_is_refused(cluster, pki):
    # The same check against a score service that presents no certificate to schedule.
    score = Service("score", [*server_args(pki["score"], pki["ca"]), "--schedule-addr", cluster["schedule"].address,
                              "--client-tls-ca-file", pki["ca"].cert], pki["dir"])
    try:
        with channel(score, pki["ca"].cert, pki["operator"]) as chan:
            event = cpb.Event(game_id="no-such-game", source_id="tls-2", kind=cpb.EVENT_KIND_BASKET, points=2,
                              state=cpb.GameState(home_score=2, period=1, clock_ms=300000, status=cpb.GAME_STATUS_LIVE))
            with pytest.raises(grpc.RpcError) as failure:
                sgrpc.ScoreServiceStub(chan).PublishEvents(spb.PublishEventsRequest(events=[event]), timeout=20)
        assert failure.value.code() == grpc.StatusCode.UNAVAILABLE, failure.value.details()
    finally:
        score.stop()


def test_rotated_files_reach_new_connections_while_an_open_stream_continues(pki):
    directory = pki["dir"]
    second = test_ca.CertificateAuthority(directory, "second-ca")
    new = second.issue("schedule-new", SERVER_NAMES)
    live = (os.path.join(directory, "live.pem"), os.path.join(directory, "live.key"))
    test_ca.replace(live[0], pki["schedule"][0])
    test_ca.replace(live[1], pki["schedule"][1])
    schedule = Service("schedule", ["--tls-cert-file", live[0], "--tls-key-file", live[1]], directory, reload_seconds="0.2")
    try:
        old_channel = channel(schedule, pki["ca"].cert)
        watch = health_pb2_grpc.HealthStub(old_channel).Watch(health_pb2.HealthCheckRequest(service=""), timeout=120)
        assert next(watch).status == SERVING

        test_ca.replace(live[0], new[0])
        test_ca.replace(live[1], new[1])

        def new_certificate_served():
            with channel(schedule, second.cert) as chan:
                try:
                    return health(chan, timeout=5) == SERVING
                except grpc.RpcError:
                    return False

        assert eventually(new_certificate_served), schedule.log()
        with channel(schedule, pki["ca"].cert) as chan:
            with pytest.raises(grpc.RpcError):
                health(chan, timeout=5)
        # The open connection still carries calls, and its stream still delivers: draining
        # turns the status NOT_SERVING on it.
        assert health(old_channel) == SERVING
        schedule.process.terminate()
        assert next(watch).status == health_pb2.HealthCheckResponse.NOT_SERVING
        old_channel.close()
        assert "TLS certificate reloaded" in schedule.log()
    finally:
        schedule.stop()


def test_a_bad_new_certificate_is_logged_and_the_old_one_kept(pki):
    directory = pki["dir"]
    live = (os.path.join(directory, "bad-live.pem"), os.path.join(directory, "bad-live.key"))
    test_ca.replace(live[0], pki["schedule"][0])
    test_ca.replace(live[1], pki["schedule"][1])
    schedule = Service("schedule", ["--tls-cert-file", live[0], "--tls-key-file", live[1]], directory, reload_seconds="0.2")
    try:
        with open(live[0] + ".garbage", "w") as fh:
            fh.write("not a certificate\n")
        test_ca.replace(live[0], live[0] + ".garbage")
        assert eventually(lambda: "cannot be used" in schedule.log()), schedule.log()
        with channel(schedule, pki["ca"].cert) as chan:
            assert health(chan) == SERVING
        assert schedule.process.poll() is None
    finally:
        schedule.stop()


def test_a_missing_certificate_file_stops_the_start_with_a_clear_error(pki):
    missing = os.path.join(pki["dir"], "missing.pem")
    result = subprocess.run(
        [os.path.join(BIN, "courtside-schedule"), "--grpc-port", "0", "--admin-port", "0", "--storage", "sqlite::memory:",
         "--tls-cert-file", missing, "--tls-key-file", pki["schedule"][1]],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0
    assert f"{missing}: cannot be read" in result.stdout + result.stderr


def test_the_bridge_serves_https_and_wss(pki):
    import asyncio
    import ssl
    import websockets

    cert, key = pki["ca"].issue("bridge", SERVER_NAMES)
    port, admin = common.free_port(), common.free_port()
    log_path = os.path.join(pki["dir"], f"bridge-{port}.log")
    with open(log_path, "w") as log:
        # Its upstreams are not running: the page, the API and the WebSocket upgrade still answer.
        process = subprocess.Popen(
            [os.path.join(BIN, "courtside-bridge"), "--http-port", str(port), "--admin-port", str(admin),
             "--tls-cert-file", cert, "--tls-key-file", key, "--subscription-addr", f"127.0.0.1:{common.free_port()}"],
            stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        common.wait_for_port(port, timeout=60)
        context = ssl.create_default_context(cafile=pki["ca"].cert)
        with urllib.request.urlopen(f"https://127.0.0.1:{port}/", context=context, timeout=10) as response:
            assert response.status == 200
            assert b"<html" in response.read().lower()

        async def upgrade():
            async with websockets.connect(f"wss://127.0.0.1:{port}/ws", ssl=context, open_timeout=10) as ws:
                return ws.protocol.state.name

        assert asyncio.run(upgrade()) == "OPEN"
        # Cleartext HTTP to the TLS port gets no page.
        with pytest.raises((urllib.error.URLError, OSError, ConnectionError)):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read()
        # A client that trusts another CA refuses the bridge.
        with pytest.raises(urllib.error.URLError):
            urllib.request.urlopen(f"https://127.0.0.1:{port}/", context=ssl.create_default_context(cafile=pki["other"].cert), timeout=5)
    finally:
        common.stop(process)


def test_a_handshake_without_alpn_h2_is_refused(cluster, pki):
    import socket
    import ssl

    context = ssl.create_default_context(cafile=pki["ca"].cert)
    context.load_cert_chain(*pki["operator"])
    context.set_alpn_protocols(["http/1.1"])
    answer = b""
    try:
        with socket.create_connection(("127.0.0.1", cluster["schedule"].grpc_port), timeout=10) as raw:
            with context.wrap_socket(raw, server_hostname="localhost") as tls:
                tls.sendall(b"GET / HTTP/1.1\r\nHost: schedule\r\n\r\n")
                answer = tls.recv(1024)
    except (ssl.SSLError, ConnectionError):
        pass
    assert answer == b"", answer
