"""A real gRPC peer (Python grpcio, C core) calls Courtside's Swift server on nghttp2.

The server under test is `courtside-echo-server` (EchoService + grpc.health.v1), started by
the fixture below on a free loopback port with a 1 MiB maximum message size.
"""
import os
import subprocess
import threading
import time

import grpc
import pytest

import common

common.generate_stubs()
from courtside.testing.v1 import echo_pb2 as pb  # noqa: E402
from courtside.testing.v1 import echo_pb2_grpc as echo_grpc  # noqa: E402
from grpc_health.v1 import health_pb2, health_pb2_grpc  # noqa: E402

SERVER = os.environ.get("ECHO_SERVER", os.path.join(common.ROOT, ".build", "debug", "courtside-echo-server"))
MAX_MESSAGE = 1 << 20


@pytest.fixture(scope="module")
def server():
    port = common.free_port()
    process = subprocess.Popen([SERVER, str(port), str(MAX_MESSAGE)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    line = process.stdout.readline()
    assert line.startswith("listening on"), f"server did not start: {line!r}"
    threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()
    yield port, process
    common.stop(process)


@pytest.fixture()
def channel(server):
    port, _ = server
    with grpc.insecure_channel(f"127.0.0.1:{port}", options=[("grpc.max_receive_message_length", 64 << 20)]) as ch:
        yield ch


@pytest.fixture()
def stub(channel):
    return echo_grpc.EchoServiceStub(channel)


def test_unary_with_metadata(stub):
    response, call = stub.Get.with_call(
        pb.EchoRequest(text="hello", response_size=10),
        metadata=[("echo-token", "abc"), ("echo-data-bin", b"\x00\x01\xfe\xff"), ("x-plain", "1")],
    )
    assert response.text == "hello"
    assert response.payload == b"a" * 10
    assert "echo-token=abc" in response.metadata and "x-plain=1" in response.metadata
    assert ("echo-token", "abc") in [(m.key, m.value) for m in call.initial_metadata()]
    assert ("echo-data-bin", b"\x00\x01\xfe\xff") in [(m.key, m.value) for m in call.initial_metadata()]
    assert ("trailer-data-bin", b"\x00\x01\xfe\xff") in [(m.key, m.value) for m in call.trailing_metadata()]


def test_status_and_unicode_message(stub):
    with pytest.raises(grpc.RpcError) as failure:
        stub.Get(pb.EchoRequest(text="Grüße 100% 🏀", fail_code=grpc.StatusCode.ALREADY_EXISTS.value[0]))
    assert failure.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert failure.value.details() == "failure requested: Grüße 100% 🏀"


def test_server_streaming_thousands(stub):
    indices = [r.index for r in stub.Expand(pb.EchoRequest(text="s", count=20000, response_size=50))]
    assert indices == list(range(20000))


def test_server_streaming_stalled_reader_resumes_and_server_memory_stays_bounded(server, stub):
    _, process = server
    count, size = 10000, 10000  # 100 MB in all
    responses = stub.Expand(pb.EchoRequest(text="big", count=count, response_size=size))
    for _ in range(5):
        next(responses)
    before = common.rss_kib(process.pid)
    time.sleep(1.5)  # the reader stalls; the server must wait, not buffer 100 MB
    during = common.rss_kib(process.pid)
    received = 5 + sum(1 for _ in responses)
    assert received == count
    assert during - before < 40 * 1024, f"server RSS grew by {during - before} KiB while the reader stalled"


def test_client_streaming(stub):
    response = stub.Collect(iter([pb.EchoRequest(text=f"w{i}") for i in range(300)]))
    assert response.index == 300
    assert response.text.split(" ") == [f"w{i}" for i in range(300)]


def test_bidirectional_streaming(stub):
    def requests():
        for i in range(200):
            yield pb.EchoRequest(text=f"b{i}")
    assert [r.text for r in stub.Update(requests())] == [f"b{i}" for i in range(200)]


def test_deadline_exceeded(stub):
    started = time.monotonic()
    with pytest.raises(grpc.RpcError) as failure:
        stub.Get(pb.EchoRequest(text="slow", delay_ms=5000), timeout=0.3)
    assert failure.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert time.monotonic() - started < 3


def test_client_cancel_stops_the_stream(stub):
    responses = stub.Expand(pb.EchoRequest(text="c", count=1000, delay_ms=20))
    next(responses)
    responses.cancel()
    with pytest.raises(grpc.RpcError) as failure:
        for _ in responses:
            pass
    assert failure.value.code() == grpc.StatusCode.CANCELLED
    # The connection is still good for the next call.
    assert stub.Get(pb.EchoRequest(text="next")).text == "next"


def test_unknown_method_is_unimplemented(channel):
    with pytest.raises(grpc.RpcError) as failure:
        channel.unary_unary("/courtside.testing.v1.EchoService/Missing")(b"")
    assert failure.value.code() == grpc.StatusCode.UNIMPLEMENTED
    with pytest.raises(grpc.RpcError) as failure:
        channel.unary_unary("/no.Such/Service")(b"")
    assert failure.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_oversized_message_is_resource_exhausted(stub):
    with pytest.raises(grpc.RpcError) as failure:
        stub.Get(pb.EchoRequest(payload=b"x" * (MAX_MESSAGE + 1)))
    assert failure.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert stub.Get(pb.EchoRequest(text="ok")).text == "ok"


def test_malformed_message_is_invalid_argument(channel):
    with pytest.raises(grpc.RpcError) as failure:
        channel.unary_unary("/courtside.testing.v1.EchoService/Get")(b"\x0a\x7f\x01")
    assert failure.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_hostile_nesting_is_refused(channel):
    body = b""
    for _ in range(5000):
        body = b"\x0a" + _varint(len(body)) + body
    with pytest.raises(grpc.RpcError) as failure:
        channel.unary_unary("/courtside.testing.v1.EchoService/Depth")(body)
    assert failure.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    # The decoder's reason ("nest deeper than 100 levels") stays in the server's log; the
    # client gets a request id to quote.
    request_id = dict(failure.value.trailing_metadata())["courtside-request-id"]
    assert failure.value.details() == f"could not decode the request as Nested (request id {request_id})"


def test_health_check_and_watch(channel):
    health = health_pb2_grpc.HealthStub(channel)
    assert health.Check(health_pb2.HealthCheckRequest()).status == health_pb2.HealthCheckResponse.SERVING
    assert health.Check(health_pb2.HealthCheckRequest(service="courtside.testing.v1.EchoService")).status == health_pb2.HealthCheckResponse.SERVING
    with pytest.raises(grpc.RpcError) as failure:
        health.Check(health_pb2.HealthCheckRequest(service="unknown.Service"))
    assert failure.value.code() == grpc.StatusCode.NOT_FOUND
    watch = health.Watch(health_pb2.HealthCheckRequest(service="unknown.Service"))
    assert next(watch).status == health_pb2.HealthCheckResponse.SERVICE_UNKNOWN
    watch.cancel()


def test_many_concurrent_calls(stub):
    futures = [stub.Get.future(pb.EchoRequest(text=str(i))) for i in range(300)]
    assert [f.result().text for f in futures] == [str(i) for i in range(300)]


def test_graceful_shutdown_finishes_calls_in_flight():
    port = common.free_port()
    process = subprocess.Popen([SERVER, str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout.readline().startswith("listening on")
        with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
            stub = echo_grpc.EchoServiceStub(ch)
            health = health_pb2_grpc.HealthStub(ch)
            watch = health.Watch(health_pb2.HealthCheckRequest())
            assert next(watch).status == health_pb2.HealthCheckResponse.SERVING
            future = stub.Get.future(pb.EchoRequest(text="in flight", delay_ms=1000))
            time.sleep(0.2)
            process.terminate()  # SIGTERM: NOT_SERVING, GOAWAY, drain
            assert next(watch).status == health_pb2.HealthCheckResponse.NOT_SERVING
            assert future.result(timeout=10).text == "in flight"
        assert process.wait(timeout=10) == 0
    finally:
        common.stop(process)


def _varint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)
