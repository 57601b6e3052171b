#!/usr/bin/env python3
"""Derives the live ESPN capture of the glitch corpus from the real final game summary.

No public repository holds a live ESPN summary with the glitch the feed must survive, so this
makes the smallest edit of a real one that shows it (SOURCES.md lists each change and why):

  python3 Tests/Fixtures/derive_live_summary.py

rewrites espn/smythmyke__bragging_rights/espn_nba_summary_live_q4.edited.json from
espn/smythmyke__bragging_rights/espn_nba_summary.json (same JSON layout: two-space indent).
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "espn", "smythmyke__bragging_rights", "espn_nba_summary.json")
TARGET = os.path.join(HERE, "espn", "smythmyke__bragging_rights", "espn_nba_summary_live_q4.edited.json")

# The capture stops after the defensive rebound at 5:29 of the 4th quarter (play 401585135606,
# IND 115 – BOS 114); the header already shows the next basket (IND 118 at 5:11).
LAST_PLAY_ID = "401585135606"
STALE_PLAY_ID = "401585135594"  # the traveling at 6:20, right after BOS's layup to 115–112
HEADER = {"home": 118, "away": 114, "period": 4, "clock": 311.0, "display": "5:11"}


def main():
    summary = json.load(open(SOURCE, encoding="utf-8"))
    plays = summary["plays"]
    last = next(index for index, play in enumerate(plays) if play["id"] == LAST_PLAY_ID)
    summary["plays"] = plays[: last + 1]

    stale = next(play for play in summary["plays"] if play["id"] == STALE_PLAY_ID)
    assert (stale["homeScore"], stale["awayScore"]) == (115, 112) and not stale["scoringPlay"]
    stale["awayScore"] = 110  # the score before the layup, as live data shows it for a moment

    competition = summary["header"]["competitions"][0]
    competition["status"] = {
        "clock": HEADER["clock"],
        "displayClock": HEADER["display"],
        "period": HEADER["period"],
        "type": {
            "id": "2",
            "name": "STATUS_IN_PROGRESS",
            "state": "in",
            "completed": False,
            "description": "In Progress",
            "detail": f"{HEADER['display']} - 4th Quarter",
            "shortDetail": f"{HEADER['display']} - 4th",
        },
    }
    for competitor in competition["competitors"]:
        score = HEADER[competitor["homeAway"]]
        competitor["score"] = str(score)
        competitor["winner"] = False
        lines = competitor["linescores"]
        earlier = sum(int(line["displayValue"]) for line in lines[:3])
        lines[3]["displayValue"] = str(score - earlier)

    with open(TARGET, "w", encoding="utf-8") as out:
        out.write(json.dumps(summary, indent=2, ensure_ascii=True))


if __name__ == "__main__":
    main()
