"""A stand-in schedule service for score-service tests: every game id starting with "game-"
exists (BOS at LAL); "game-<league>-…" plays in that league ("game-wnba-1": the WNBA; "game-x-1":
league "x", one Courtside does not know), any other game has no league (the NBA's rules); status
updates are recorded. Usage: fake_schedule.py PORT"""
import os
import signal
import sys
import threading
from concurrent import futures

import grpc

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "interop"))
import common  # noqa: E402

common.generate_stubs()
from courtside.v1 import common_pb2, schedule_pb2, schedule_pb2_grpc  # noqa: E402


# The league a "game-<key>-…" id names.
LEAGUES = {"nba": "nba", "wnba": "wnba", "ncaam": "mens-college-basketball", "x": "x"}


class Schedule(schedule_pb2_grpc.ScheduleServiceServicer):
    def __init__(self):
        self.statuses = {}

    def GetGame(self, request, context):
        if not request.game_id.startswith("game-"):
            context.abort(grpc.StatusCode.NOT_FOUND, f"unknown game '{request.game_id}'")
        parts = request.game_id.split("-")
        league = parts[1] if len(parts) > 2 and parts[1] in LEAGUES else ""
        return common_pb2.Game(
            id=request.game_id, home_team_id="LAL", away_team_id="BOS", date="2026-11-23",
            status=self.statuses.get(request.game_id, common_pb2.GAME_STATUS_SCHEDULED), league_id=LEAGUES.get(league, ""),
        )

    def UpdateGameStatus(self, request, context):
        self.statuses[request.game_id] = request.status
        return self.GetGame(schedule_pb2.GetGameRequest(game_id=request.game_id), context)


def main():
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    schedule_pb2_grpc.add_ScheduleServiceServicer_to_server(Schedule(), server)
    server.add_insecure_port(f"127.0.0.1:{sys.argv[1]}")
    server.start()
    print(f"listening on {sys.argv[1]}", flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    done.wait()
    server.stop(grace=1).wait()


if __name__ == "__main__":
    main()
