# Shared by benchmarks/grpc/compare and benchmarks/grpc/tls (sourced, not run): the release
# grpc-bench-server, the request bodies, waiting for a port, reading h2load's summary, medians.

# The release grpc-bench-server of this tree (built if needed); its path on stdout.
bench_server_binary() { # root
  (cd "$1" && swift build -c release --scratch-path .build-release --product grpc-bench-server >&2)
  echo "$(cd "$1" && swift build -c release --scratch-path .build-release --show-bin-path)/grpc-bench-server"
}

# unary.bin: one gRPC message of 64 bytes; stream.bin: the request for 10,000 x 100-byte messages.
write_request_bodies() { # directory
  python3 - "$1" <<'PY'
import struct, sys
d = sys.argv[1]
open(f"{d}/unary.bin", "wb").write(b"\x00" + struct.pack(">I", 64) + b"x" * 64)
body = struct.pack(">II", 10000, 100)
open(f"{d}/stream.bin", "wb").write(b"\x00" + struct.pack(">I", len(body)) + body)
PY
}

# Waits up to 10 s for 127.0.0.1:port to accept; fails otherwise.
wait_for_port() { # port
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  return 1
}

# h2load's summary on stdin -> "req/s seconds succeeded", or "failed" when no request succeeded.
h2load_summary() {
  awk '/^finished in/ { s = $3; sub(",$", "", s); if (s ~ /ms$/) { sub("ms$", "", s); s /= 1000 } else sub("s$", "", s); rps = $4; gsub(",", "", rps) }
    /^requests:/ { succeeded = $8 }
    END { if (succeeded == 0) { print "failed"; exit } print rps, s, succeeded }'
}

# h2load's summary of one server stream on stdin -> messages/s (data bytes / (100 + 5-byte prefix)
# / seconds), or "failed".
h2load_stream_rate() {
  awk '/^finished in/ { s = $3; sub(",$", "", s); if (s ~ /ms$/) { sub("ms$", "", s); s /= 1000 } else sub("s$", "", s) }
    /^requests:/ { succeeded = $8 }
    /^traffic:/ { for (i = 1; i <= NF; i++) if ($i == "data") { v = $(i - 1); gsub("[()]", "", v); data = v } }
    END { if (succeeded == 0) { print "failed"; exit } printf "%.0f\n", data / 105 / s }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
