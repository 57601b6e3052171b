#!/usr/bin/env python3
"""Writes Sportradar's XML form (pbp-v2.0: elements and attributes) of a Sportradar JSON
play-by-play, so that the same real game can be read in both forms.

No public repository we could search holds the XML of a game whose JSON we have, so the XML of
game 0b33d607-fc51-4ef0-b06a-111064074ca9 is derived here from its real JSON
(sportradar/stattleship__sportradar/..._pbp.json) in the layout of Sportradar's real pbp-v2.0
documents (sportradar/beneggett__sportradar-api/*.xml): the game's fields as attributes of
<game>, the teams under <scoring>, each period as <quarter> (<overtime>), its events under
<events>, an event's description as <description> text, its team as <attribution>, each
statistic as an element named by its type with <team> and <player> inside. Every field of the
JSON is kept; nothing is invented.

It also writes the same game as a WNBA game's (there is no WNBA Sportradar payload among the
fixtures), by the stated minimal edit of Tests/TestSupport/WNBAFixtures.swift
(`WNBAFixtures.sportradar()`, which makes the JSON form of it): the teams' aliases IND (home)
and LVA (away), and the regulation clocks scaled from 12-minute quarters to 10-minute ones
(seconds left * 10 / 12, rounded down; overtime clocks unchanged). The replay tests check that
this XML and that JSON give the same events.

Re-run it to reproduce the committed bytes:

    python3 Tests/Fixtures/derive_sportradar_xml.py
"""
import copy
import json
import os
from xml.sax.saxutils import escape, quoteattr

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "sportradar/stattleship__sportradar/basketball_nba_games_0b33d607-fc51-4ef0-b06a-111064074ca9_pbp.json")
TARGET = os.path.join(HERE, "sportradar/stattleship__sportradar/basketball_nba_games_0b33d607-fc51-4ef0-b06a-111064074ca9_pbp.derived.xml")
WNBA_TARGET = os.path.join(HERE, "sportradar/stattleship__sportradar/basketball_nba_games_0b33d607-fc51-4ef0-b06a-111064074ca9_pbp.wnba.derived.xml")


def value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def attributes(obj, skip=()):
    return "".join(f" {k}={quoteattr(value(v))}" for k, v in obj.items() if not isinstance(v, (dict, list)) and k not in skip)


def team(tag, obj, indent):
    return f"{indent}<{tag}{attributes(obj)}/>\n"


def event(e, indent):
    out = [f"{indent}<event{attributes(e, skip=('description',))}>\n"]
    inner = indent + "  "
    if "description" in e:
        out.append(f"{inner}<description>{escape(e['description'])}</description>\n")
    for tag in ("attribution", "location", "possession"):
        if tag in e:
            out.append(team(tag, e[tag], inner))
    if e.get("statistics"):
        out.append(f"{inner}<statistics>\n")
        for s in e["statistics"]:
            out.append(f"{inner}  <{s['type']}{attributes(s, skip=('type',))}>\n")
            for part in ("team", "player"):
                if part in s:
                    out.append(team(part, s[part], inner + "    "))
            out.append(f"{inner}  </{s['type']}>\n")
        out.append(f"{inner}</statistics>\n")
    out.append(f"{indent}</event>\n")
    return "".join(out)


def scaled(clock, period):
    """WNBAFixtures.scaled: a regulation clock "MM:SS" from a 12-minute quarter to a 10-minute one."""
    parts = clock.split(":")
    if len(parts) != 2:
        return clock
    seconds = int(float(parts[0]) * 60 + float(parts[1]))
    kept = seconds if period > 4 else seconds * 10 // 12
    return f"{kept // 60}:{kept % 60:02d}"


def wnba(game):
    """The game as a WNBA game's, by WNBAFixtures.sportradar's edit (see the module's doc)."""
    game = copy.deepcopy(game)
    game["home"]["alias"] = "IND"
    game["away"]["alias"] = "LVA"
    for period in game.get("periods", []):
        for e in period.get("events", []):
            if isinstance(e.get("clock"), str):
                e["clock"] = scaled(e["clock"], period.get("sequence", 1))
    return game


def document(game, comment):
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n',
           f"<!-- {comment} -->\n",
           f'<game xmlns="http://feed.elasticstats.com/schema/basketball/pbp-v2.0.xsd"{attributes(game)}>\n',
           "  <scoring>\n", team("home", game["home"], "    "), team("away", game["away"], "    "), "  </scoring>\n"]
    for period in game.get("periods", []):
        tag = "overtime" if period.get("type") == "overtime" else "quarter"
        out.append(f"  <{tag}{attributes(period, skip=('type',))}>\n")
        if "scoring" in period:
            out += ["    <scoring>\n", team("home", period["scoring"]["home"], "      "),
                    team("away", period["scoring"]["away"], "      "), "    </scoring>\n"]
        out.append("    <events>\n")
        for e in period.get("events", []):
            out.append(event(e, "      "))
        out.append("    </events>\n")
        out.append(f"  </{tag}>\n")
    out.append("</game>\n")
    return "".join(out)


def write(path, text):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def main():
    with open(SOURCE, encoding="utf-8") as f:
        game = json.load(f)
    write(TARGET, document(game, "Derived by Tests/Fixtures/derive_sportradar_xml.py from the real JSON of this game"))
    write(WNBA_TARGET, document(wnba(game), "Derived by Tests/Fixtures/derive_sportradar_xml.py from the real JSON of this game, "
                                            "made a WNBA game's by WNBAFixtures.sportradar's edit"))


if __name__ == "__main__":
    main()
