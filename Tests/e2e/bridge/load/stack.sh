# Sourced by run-fanout and benchmarks/fanout/shared-harness: builds (release) and starts
# schedule, score, subscription and bridge on free loopback ports, SQLite in memory, the bridge
# without its per-IP connection limit (the load comes from one address). Needs $root, $py and
# $work, and an array `pids`; sets p_sched, p_score, p_sub, p_http and bridge (its PID), adds
# every PID to `pids`, and defines port and wait_port.
port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; exit 1; }

start_stack() {
  if [ -z "${COURTSIDE_BIN_DIR:-}" ]; then
    local scratch=(${SWIFT_SCRATCH_PATH:+--scratch-path "$SWIFT_SCRATCH_PATH"})
    for product in courtside-schedule courtside-score courtside-subscription courtside-bridge; do
      (cd "$root" && swift build -c release "${scratch[@]}" --product "$product" >/dev/null)
    done
    COURTSIDE_BIN_DIR=$(cd "$root" && swift build -c release "${scratch[@]}" --show-bin-path)
  fi
  local bin=$COURTSIDE_BIN_DIR common=(--log-level warning --admin-port 0)
  p_sched=$(port); p_score=$(port); p_sub=$(port); p_http=$(port)
  "$bin/courtside-schedule" "${common[@]}" --grpc-port "$p_sched" --storage sqlite::memory: >"$work/schedule.log" 2>&1 & pids+=($!); wait_port "$p_sched"
  "$bin/courtside-score" "${common[@]}" --grpc-port "$p_score" --storage sqlite::memory: --schedule-addr "127.0.0.1:$p_sched" >"$work/score.log" 2>&1 & pids+=($!); wait_port "$p_score"
  "$bin/courtside-subscription" "${common[@]}" --grpc-port "$p_sub" --storage sqlite::memory: --score-addr "127.0.0.1:$p_score" \
    --schedule-addr "127.0.0.1:$p_sched" >"$work/subscription.log" 2>&1 & pids+=($!); wait_port "$p_sub"
  "$bin/courtside-bridge" "${common[@]}" --http-port "$p_http" --subscription-addr "127.0.0.1:$p_sub" --score-addr "127.0.0.1:$p_score" \
    --schedule-addr "127.0.0.1:$p_sched" --max-connections-per-ip 1000000 --max-http-connections-per-ip 1000000 --max-http-connections 1000000 --idle-timeout-seconds 3600 >"$work/bridge.log" 2>&1 &
  bridge=$!; pids+=($bridge); wait_port "$p_http"
}
