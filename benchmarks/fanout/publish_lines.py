"""The publishing side of Courtside's adapter for the shared fan-out harness
(benchmarks/fanout/courtside-adapter.js): reads lines "GAME TS_US" from stdin and publishes each
as one event of that game to the score service, over gRPC, as a feed would. The harness's
microsecond stamp travels as the event's description (free text in the protocol), so the
harness's clients can take latency from it; the event's position ({epoch, seq} per game) is the
score service's.

Before it reads anything, it creates the harness's games (g01…gNN) in the schedule and tips
each one off with an unstamped event, so that every game is live — and followed by every
"all live games" connection — before the first measured update. A game id it has not created
is created and tipped off the first time it appears.

Prints "ready" once both services answer, then one line of totals when stdin closes.
"""
import argparse
import os
import queue
import sys
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "Tests", "e2e", "interop"))
import common  # noqa: E402

common.generate_stubs()
import grpc  # noqa: E402
from courtside.v1 import common_pb2, schedule_pb2, schedule_pb2_grpc, score_pb2, score_pb2_grpc  # noqa: E402

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--score", required=True, help="the score service, host:port")
    parser.add_argument("--schedule", required=True, help="the schedule service, host:port")
    parser.add_argument("--games", type=int, default=15, help="the harness's number of games (its --games)")
    args = parser.parse_args()
    score_channel, schedule_channel = grpc.insecure_channel(args.score), grpc.insecure_channel(args.schedule)
    grpc.channel_ready_future(score_channel).result(timeout=30)
    grpc.channel_ready_future(schedule_channel).result(timeout=30)
    score = score_pb2_grpc.ScoreServiceStub(score_channel)
    schedule = schedule_pb2_grpc.ScheduleServiceStub(schedule_channel)
    known = set()
    counts = {}

    def event(game, description):
        k = counts.get(game, 0) + 1
        counts[game] = k
        return common_pb2.Event(
            game_id=game, source_id=f"{game}-{time.time_ns()}-{k}", kind=common_pb2.EVENT_KIND_OTHER, description=description,
            occurred_at_ms=time.time_ns() // 1_000_000,
            state=common_pb2.GameState(home_score=0, away_score=0, period=1, clock_ms=600_000, clock_running=True,
                                       status=common_pb2.GAME_STATUS_LIVE))

    def create(games):
        first = len(known)
        schedule.UpsertGames(schedule_pb2.UpsertGamesRequest(games=[common_pb2.Game(
            id=game, home_team_id=common.NBA_TRICODES[(2 * (first + i)) % 30], away_team_id=common.NBA_TRICODES[(2 * (first + i) + 1) % 30],
            start_time_ms=int(time.time() * 1000), date=common.game_date(), status=common_pb2.GAME_STATUS_SCHEDULED)
            for i, game in enumerate(games)]), timeout=10)
        score.PublishEvents(score_pb2.PublishEventsRequest(events=[event(game, "tip-off") for game in games]), timeout=10)
        known.update(games)

    create([f"g{i:02d}" for i in range(1, args.games + 1)])
    print("ready", flush=True)

    lines = queue.Queue()

    def read():
        for line in sys.stdin:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    published = refused = 0
    done = False
    while not done:
        batch = [lines.get()]
        while True:  # whatever else is already waiting goes in the same call
            try:
                batch.append(lines.get_nowait())
            except queue.Empty:
                break
        events = []
        for line in batch:
            if line is None:
                done = True
                break
            parts = line.split()
            if len(parts) != 2 or not parts[1].isdigit():
                print(f"publish_lines: ignoring a malformed line: {line.strip()[:80]!r}", file=sys.stderr)
                continue
            game, stamp = parts
            if game not in known:
                create([game])
            events.append(event(game, stamp))
        if events:
            try:
                score.PublishEvents(score_pb2.PublishEventsRequest(events=events), timeout=10)
                published += len(events)
            except grpc.RpcError as error:
                refused += len(events)
                print(f"publish_lines: {len(events)} events refused: {error.code().name} {error.details()}", file=sys.stderr)
    print(f"publish_lines: {published} events published, {refused} refused", file=sys.stderr)


if __name__ == "__main__":
    main()
