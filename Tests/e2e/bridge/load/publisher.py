"""Creates GAMES live games in the schedule service and publishes events to the score service at
RATE events/s (round robin over the games) for SECONDS, for the fan-out load test. Each event's
occurred_at is the publisher's clock when it was made, so the client measures publisher→browser."""
import argparse
import os
import sys
import time

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "..", "interop"))
import common  # noqa: E402

common.generate_stubs()
import grpc  # noqa: E402
from courtside.v1 import common_pb2, schedule_pb2, schedule_pb2_grpc, score_pb2, score_pb2_grpc  # noqa: E402

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--schedule", required=True)
    parser.add_argument("--score", required=True)
    parser.add_argument("--games", type=int, default=15)
    parser.add_argument("--rate", type=float, default=5)
    parser.add_argument("--seconds", type=float, default=0)
    parser.add_argument("--setup", action="store_true", help="create the games and make them live, then exit")
    args = parser.parse_args()
    ids = [f"LOAD{i:02d}" for i in range(args.games)]
    score = score_pb2_grpc.ScoreServiceStub(grpc.insecure_channel(args.score))
    counts = {}

    def event(game):
        k = counts.get(game, 0) + 1
        counts[game] = k
        return common_pb2.Event(game_id=game, source_id=f"{game}-{time.time_ns()}-{k}", kind=common_pb2.EVENT_KIND_OTHER,
                                description=f"load event {k}", occurred_at_ms=time.time_ns() // 1_000_000,
                                state=common_pb2.GameState(home_score=0, away_score=0, period=1, clock_ms=600_000,
                                                           clock_running=True, status=common_pb2.GAME_STATUS_LIVE))

    if args.setup:
        schedule = schedule_pb2_grpc.ScheduleServiceStub(grpc.insecure_channel(args.schedule))
        today = common.game_date()
        now = int(time.time() * 1000)
        schedule.UpsertGames(schedule_pb2.UpsertGamesRequest(games=[
            common_pb2.Game(id=g, home_team_id=common.NBA_TRICODES[(2 * i) % 30], away_team_id=common.NBA_TRICODES[(2 * i + 1) % 30], start_time_ms=now, date=today,
                            status=common_pb2.GAME_STATUS_SCHEDULED) for i, g in enumerate(ids)]), timeout=10)
        score.PublishEvents(score_pb2.PublishEventsRequest(events=[event(g) for g in ids]), timeout=10)
        return
    interval = 1.0 / args.rate
    start = time.monotonic()
    sent = 0
    i = 0
    while time.monotonic() - start < args.seconds:
        due = start + sent * interval
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        # Batch whatever is due now (keeps up at high rates).
        batch = max(1, min(200, int((time.monotonic() - start) / interval) - sent + 1))
        events = []
        for _ in range(batch):
            events.append(event(ids[i % len(ids)]))
            i += 1
        score.PublishEvents(score_pb2.PublishEventsRequest(events=events), timeout=10)
        sent += batch
    print(f"publisher: {sent} events in {time.monotonic() - start:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
