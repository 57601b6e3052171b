"""EchoService on Python grpcio: the real peer that Courtside's Swift client calls.

Usage: echo_server.py PORT   (prints "listening on PORT"; stops on SIGTERM)
Same behaviour as the Swift EchoService: echo-* metadata echoed as headers and as trailer-*
trailers, fail_code, delay_ms, response_size, Depth.
"""
import signal
import sys
import threading
import time
from concurrent import futures

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

import common

common.generate_stubs()
from courtside.testing.v1 import echo_pb2 as pb  # noqa: E402
from courtside.testing.v1 import echo_pb2_grpc as echo_grpc  # noqa: E402


def _describe(metadata):
    out = []
    for key, value in metadata:
        if isinstance(value, bytes):
            import base64
            value = base64.b64encode(value).decode()
        out.append(f"{key}={value}")
    return sorted(out)


def _echo_metadata(context):
    echoed = [(k, v) for k, v in context.invocation_metadata() if k.startswith("echo-")]
    context.send_initial_metadata(echoed)
    context.set_trailing_metadata([("trailer-" + k[len("echo-"):], v) for k, v in echoed])


def _payload(request):
    return b"a" * request.response_size if request.response_size else request.payload


def _fail(context, request, message):
    context.abort(grpc.StatusCode(next(c for c in grpc.StatusCode if c.value[0] == request.fail_code)), message)


class Echo(echo_grpc.EchoServiceServicer):
    def Get(self, request, context):
        time.sleep(request.delay_ms / 1000)
        if request.fail_code:
            _fail(context, request, f"failure requested: {request.text}")
        _echo_metadata(context)
        return pb.EchoResponse(text=request.text, payload=_payload(request), metadata=_describe(context.invocation_metadata()))

    def Expand(self, request, context):
        _echo_metadata(context)
        for index in range(request.count):
            time.sleep(request.delay_ms / 1000)
            if not context.is_active():
                return
            yield pb.EchoResponse(text=request.text, index=index, payload=_payload(request))
        if request.fail_code:
            _fail(context, request, f"failure requested after {request.count} messages")

    def Collect(self, request_iterator, context):
        texts = []
        for request in request_iterator:
            if request.fail_code:
                _fail(context, request, f"failure requested at message {len(texts)}")
            texts.append(request.text)
        return pb.EchoResponse(text=" ".join(texts), index=len(texts))

    def Update(self, request_iterator, context):
        _echo_metadata(context)
        for index, request in enumerate(request_iterator):
            time.sleep(request.delay_ms / 1000)
            if request.fail_code:
                _fail(context, request, f"failure requested at message {index}")
            yield pb.EchoResponse(text=request.text, index=index, payload=_payload(request))

    def Depth(self, request, context):
        depth, current = 1, request
        while current.HasField("child"):
            depth, current = depth + 1, current.child
        return pb.EchoResponse(text=current.label, index=depth)


def main():
    port = int(sys.argv[1])
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=32), options=[("grpc.max_receive_message_length", 1 << 20)])
    echo_grpc.add_EchoServiceServicer_to_server(Echo(), server)
    checker = health.HealthServicer()
    checker.set("", health_pb2.HealthCheckResponse.SERVING)
    checker.set("courtside.testing.v1.EchoService", health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(checker, server)
    server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    print(f"listening on {port}", flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    done.wait()
    server.stop(grace=2).wait()


if __name__ == "__main__":
    main()
