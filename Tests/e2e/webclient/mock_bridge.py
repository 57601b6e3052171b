#!/usr/bin/env python3
"""A stand-in for courtside-bridge that speaks docs/protocol.md, for testing the page and
courtside-client.js in a real browser without the Swift services. Python standard library only.

It serves services/bridge/public/ at /, the JSON API, /events (SSE) and /ws (a minimal RFC 6455
server: text frames, ping/pong, close), with a few games whose events are published on demand.
It keeps every event, so resume always continues exactly.

Control endpoints (for tests; not part of the protocol):
  POST /_mock/publish?game=ID[&points=N][&team=home|away]   append one event (a basket by default)
  POST /_mock/drop                  drop every connection abruptly (no close frame)
  POST /_mock/goaway?ms=N           send goaway(retryAfterMs=N) and close 1001 / end the stream
  POST /_mock/ws?enabled=0|1        refuse (0) or accept WebSocket upgrades
  POST /_mock/reset?game=ID         start a new epoch for the game (clients get a reset snapshot)
  GET  /_mock/stats                 connection counts, WebSocket upgrades refused, every game's position

Usage: mock_bridge.py [--port 8080] [--history N]
"""

import argparse
import base64
import hashlib
import json
import os
import queue
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

ROOT = Path(__file__).resolve().parents[3]
PUBLIC = ROOT / "services" / "bridge" / "public"
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
HEARTBEAT_MS = 15000
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json",
    ".png": "image/png",
    ".ico": "image/x-icon",
}
TEAMS = {
    "BOS": {"id": "BOS", "tricode": "BOS", "city": "Boston", "name": "Celtics", "primaryColor": "#007A33", "secondaryColor": "#BA9653"},
    "LAL": {"id": "LAL", "tricode": "LAL", "city": "Los Angeles", "name": "Lakers", "primaryColor": "#552583", "secondaryColor": "#FDB927"},
    "NYK": {"id": "NYK", "tricode": "NYK", "city": "New York", "name": "Knicks", "primaryColor": "#006BB6", "secondaryColor": "#F58426"},
    "MIA": {"id": "MIA", "tricode": "MIA", "city": "Miami", "name": "Heat", "primaryColor": "#98002E", "secondaryColor": "#F9A01B"},
    "GSW": {"id": "GSW", "tricode": "GSW", "city": "Golden State", "name": "Warriors", "primaryColor": "#1D428A", "secondaryColor": "#FFC72C"},
    "DEN": {"id": "DEN", "tricode": "DEN", "city": "Denver", "name": "Nuggets", "primaryColor": "#0E2240", "secondaryColor": "#FEC524"},
}


def now_ms():
    return int(time.time() * 1000)


class Game:
    def __init__(self, gid, home, away, start, venue, status, history):
        self.id, self.home, self.away, self.start, self.venue = gid, home, away, start, venue
        self.epoch = 1
        self.events = []  # event messages, seq = index + 1
        self.state = {"home": 0, "away": 0, "period": 0, "clockMs": 720000, "clockRunning": False, "status": status}
        if status == "live":
            self.state.update(period=1, clockRunning=True)
            for i in range(history):
                self.append("basket" if i % 3 == 0 else "rebound", "home" if i % 2 else "away", 2 if i % 3 == 0 else 0)

    def append(self, kind="basket", side="home", points=2):
        st = dict(self.state)
        st[side] += points
        st["clockMs"] = max(0, st["clockMs"] - 7000)
        if st["clockMs"] == 0:
            st["period"] += 1
            st["clockMs"] = 720000
        st["status"] = "live"
        st["clockRunning"] = True
        if st["period"] == 0:
            st["period"] = 1
        self.state = st
        team = self.home if side == "home" else self.away
        ev = {"type": "event", "game": self.id, "epoch": self.epoch, "seq": len(self.events) + 1, "kind": kind,
              "team": team, "points": points,
              "description": f"{TEAMS[team]['name']} {kind.replace('_', ' ')}" + (f" (+{points})" if points else ""),
              "at": now_ms(), "recordedAt": now_ms(), "state": dict(st)}
        self.events.append(ev)
        return ev

    def snapshot(self, reason):
        return {"type": "snapshot", "game": self.id, "epoch": self.epoch, "seq": len(self.events), "reason": reason,
                "home": self.home, "away": self.away, "state": dict(self.state), "updatedAt": now_ms()}

    def api(self):
        return {"id": self.id, "date": time.strftime("%Y-%m-%d"), "startTime": self.start, "venue": self.venue,
                "status": self.state["status"], "league": "nba", "home": TEAMS[self.home], "away": TEAMS[self.away],
                "snapshot": {"epoch": self.epoch, "seq": len(self.events), "state": dict(self.state)}}


class Conn:
    """One browser connection (WebSocket or SSE): what it follows, its positions, its queue."""

    def __init__(self, kind):
        self.kind = kind
        self.games = set()
        self.all_live = False
        self.positions = {}  # game -> (epoch, seq) delivered (for the SSE cursor)
        self.q = queue.Queue()
        self.alive = True

    def put(self, msg):
        self.q.put(msg)


class Hub:
    def __init__(self, history):
        self.lock = threading.RLock()
        start = now_ms()
        self.games = {g.id: g for g in [
            Game("0022000001", "BOS", "LAL", start - 3600_000, "TD Garden", "live", history),
            Game("0022000002", "NYK", "MIA", start - 1800_000, "Madison Square Garden", "live", 12),
            Game("0022000003", "GSW", "DEN", start + 7200_000, "Chase Center", "scheduled", 0),
        ]}
        self.conns = set()
        self.ws_enabled = True
        self.ws_refused = 0

    def follows(self, conn, game):
        return game.id in conn.games or (conn.all_live and game.state["status"] in ("live", "halftime"))

    def subscribe(self, conn, games, all_live, resume, reply):
        """Applies a subscribe atomically with respect to publishing; returns unknown game ids."""
        with self.lock:
            unknown = [g for g in games if g not in self.games]
            before = {gid for gid, g in self.games.items() if self.follows(conn, g)}
            conn.games.update(g for g in games if g in self.games)
            conn.all_live = conn.all_live or all_live
            if unknown:
                conn.put({"type": "error", "code": "unknown_game", "message": "no such game", "games": unknown,
                          **({"ref": reply["id"]} if "id" in reply else {})})
            conn.put({**reply, "games": sorted(conn.games), "teams": [], "allLive": conn.all_live})
            for gid, game in self.games.items():
                pos = resume.get(gid)
                if pos is not None:
                    epoch, seq = pos["epoch"], pos["seq"]
                    if epoch == game.epoch and seq <= len(game.events):
                        for ev in game.events[seq:]:
                            conn.put(ev)
                    else:
                        conn.put(game.snapshot("reset"))
                elif self.follows(conn, game) and gid not in before:
                    conn.put(game.snapshot("initial"))
            self.conns.add(conn)
            return unknown

    def publish(self, gid, side, points):
        with self.lock:
            game = self.games[gid]
            ev = game.append("basket" if points else "rebound", side, points)
            for conn in list(self.conns):
                if self.follows(conn, game):
                    conn.put(ev)
            return ev

    def reset(self, gid):
        with self.lock:
            game = self.games[gid]
            game.epoch += 1
            game.events = []
            snap = game.snapshot("reset")
            for conn in list(self.conns):
                if self.follows(conn, game):
                    conn.put(snap)

    def broadcast_control(self, item):
        with self.lock:
            for conn in list(self.conns):
                conn.put(item)


HUB = None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "courtside-mock-bridge"

    def log_message(self, fmt, *args):
        if os.environ.get("MOCK_BRIDGE_LOG"):
            sys.stderr.write("mock_bridge: " + fmt % args + "\n")

    # ---------------------------------------------------------------- plumbing

    def send_json(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, code, message):
        self.send_json(status, {"error": {"code": code, "message": message}})

    def do_POST(self):
        url = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if url.path == "/_mock/publish":
            gid = q.get("game", "0022000001")
            if gid not in HUB.games:
                return self.error(404, "unknown_game", gid)
            ev = HUB.publish(gid, q.get("team", "home"), int(q.get("points", "2")))
            return self.send_json(200, ev)
        if url.path == "/_mock/drop":
            HUB.broadcast_control(("drop",))
            return self.send_json(200, {"ok": True})
        if url.path == "/_mock/goaway":
            HUB.broadcast_control(("goaway", int(q.get("ms", "1000"))))
            return self.send_json(200, {"ok": True})
        if url.path == "/_mock/ws":
            HUB.ws_enabled = q.get("enabled", "1") == "1"
            return self.send_json(200, {"ok": True})
        if url.path == "/_mock/reset":
            HUB.reset(q.get("game", "0022000001"))
            return self.send_json(200, {"ok": True})
        self.error(404, "not_found", url.path)

    def do_GET(self):
        url = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        path = url.path
        if path == "/ws":
            return self.websocket()
        if path == "/events":
            return self.sse(q)
        if path == "/_mock/stats":
            with HUB.lock:
                return self.send_json(200, {
                    "connections": {k: sum(1 for c in HUB.conns if c.kind == k) for k in ("ws", "sse")},
                    "wsRefused": HUB.ws_refused,
                    "games": {g.id: {"epoch": g.epoch, "seq": len(g.events), "state": g.state} for g in HUB.games.values()}})
        if path == "/api/games":
            with HUB.lock:
                return self.send_json(200, {"date": time.strftime("%Y-%m-%d"), "games": [g.api() for g in HUB.games.values()]})
        if path == "/api/leagues":
            return self.send_json(200, {"leagues": [{"id": "nba", "name": "National Basketball Association", "shortName": "NBA", "regulationPeriods": 4}]})
        if path == "/api/teams":
            return self.send_json(200, {"teams": sorted(TEAMS.values(), key=lambda t: t["tricode"])})
        if path.startswith("/api/games/"):
            parts = [unquote(p) for p in path.split("/")[3:]]
            with HUB.lock:
                game = HUB.games.get(parts[0])
                if not game:
                    return self.error(404, "unknown_game", f"no such game: {parts[0]}")
                if len(parts) == 1:
                    return self.send_json(200, game.api())
                if parts[1:] == ["events"]:
                    try:
                        limit = int(q.get("limit", "50"))
                        before = int(q["before"]) if "before" in q else None
                    except ValueError:
                        return self.error(400, "bad_request", "bad parameters")
                    if not 1 <= limit <= 200 or (before is not None and before < 1):
                        return self.error(400, "bad_request", "bad parameters")
                    events = [e for e in reversed(game.events) if before is None or e["seq"] < before][:limit]
                    next_before = events[-1]["seq"] if events and events[-1]["seq"] > 1 else None
                    return self.send_json(200, {"game": game.id, "epoch": game.epoch, "events": events, "nextBefore": next_before})
            return self.error(404, "not_found", path)
        return self.static(path)

    def static(self, path):
        name = "index.html" if path == "/" else path.lstrip("/")
        target = (PUBLIC / name).resolve()
        if PUBLIC not in target.parents or name.startswith(".") or not target.is_file():
            return self.error(404, "not_found", path)
        data = target.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", TYPES.get(target.suffix, "application/octet-stream"))
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    # ---------------------------------------------------------------- SSE

    def sse(self, q):
        conn = Conn("sse")
        resume = {}
        for source in (q.get("resume", ""), self.headers.get("Last-Event-ID", "")):
            for entry in filter(None, source.split(",")):
                gid, epoch, seq = entry.split(":")
                resume[gid] = {"epoch": int(epoch), "seq": int(seq)}
        games = [g for g in q.get("games", "").split(",") if g]
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        for gid, p in resume.items():
            conn.positions[gid] = (p["epoch"], p["seq"])
        conn.put({"type": "hello", "protocol": 1, "server": "courtside-mock-bridge/1", "heartbeatMs": HEARTBEAT_MS,
                  "idleTimeoutMs": 45000, "limits": {"maxMessageBytes": 65536, "messagesPerSecond": 10,
                                                     "messageBurst": 20, "maxGames": 200, "maxTeams": 30}})
        try:
            self.wfile.write(b"retry: 1500\n\n")
            HUB.subscribe(conn, games, q.get("allLive") in ("1", "true"), resume, {"type": "subscribed"})
            while True:
                try:
                    item = conn.q.get(timeout=HEARTBEAT_MS / 1000)
                except queue.Empty:
                    item = {"type": "heartbeat", "t": now_ms()}
                if isinstance(item, tuple):
                    if item[0] == "goaway":
                        msg = {"type": "goaway", "retryAfterMs": item[1]}
                        self.wfile.write(f"retry: {item[1]}\nevent: goaway\ndata: {json.dumps(msg)}\n\n".encode())
                    break
                lines = f"event: {item['type']}\ndata: {json.dumps(item, separators=(',', ':'))}\n"
                if item["type"] in ("snapshot", "event"):
                    conn.positions[item["game"]] = (item["epoch"], item["seq"])
                    cursor = ",".join(f"{g}:{e}:{s}" for g, (e, s) in conn.positions.items())
                    lines += f"id: {cursor}\n"
                self.wfile.write((lines + "\n").encode())
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass
        finally:
            with HUB.lock:
                HUB.conns.discard(conn)

    # ---------------------------------------------------------------- WebSocket

    def websocket(self):
        key = self.headers.get("Sec-WebSocket-Key")
        if not HUB.ws_enabled or not key or "websocket" not in (self.headers.get("Upgrade") or "").lower():
            if not HUB.ws_enabled:
                with HUB.lock:
                    HUB.ws_refused += 1
            return self.error(403 if not HUB.ws_enabled else 400, "bad_request", "websocket refused")
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.end_headers()
        self.close_connection = True
        conn = Conn("ws")
        sock = self.connection
        write_lock = threading.Lock()

        def send_frame(opcode, payload):
            header = bytes([0x80 | opcode])
            n = len(payload)
            if n < 126:
                header += bytes([n])
            elif n < 65536:
                header += bytes([126]) + struct.pack("!H", n)
            else:
                header += bytes([127]) + struct.pack("!Q", n)
            with write_lock:
                sock.sendall(header + payload)

        def reader():
            try:
                while conn.alive:
                    b0, b1 = self.rfile.read(2)
                    opcode, n = b0 & 0x0F, b1 & 0x7F
                    if n == 126:
                        n = struct.unpack("!H", self.rfile.read(2))[0]
                    elif n == 127:
                        n = struct.unpack("!Q", self.rfile.read(8))[0]
                    mask = self.rfile.read(4) if b1 & 0x80 else b"\0\0\0\0"
                    data = bytes(c ^ mask[i % 4] for i, c in enumerate(self.rfile.read(n)))
                    if opcode == 8:
                        conn.put(("close", 1000))
                        return
                    if opcode == 9:
                        send_frame(10, data)
                    elif opcode == 1:
                        self.on_client_message(conn, data)
            except (ValueError, OSError, struct.error):
                conn.put(("drop",))

        conn.put({"type": "hello", "protocol": 1, "server": "courtside-mock-bridge/1", "heartbeatMs": HEARTBEAT_MS,
                  "idleTimeoutMs": 45000, "limits": {"maxMessageBytes": 65536, "messagesPerSecond": 10,
                                                     "messageBurst": 20, "maxGames": 200, "maxTeams": 30}})
        with HUB.lock:
            HUB.conns.add(conn)
        threading.Thread(target=reader, daemon=True).start()
        try:
            while True:
                try:
                    item = conn.q.get(timeout=HEARTBEAT_MS / 1000)
                except queue.Empty:
                    item = {"type": "heartbeat", "t": now_ms()}
                if isinstance(item, tuple):
                    if item[0] == "goaway":
                        send_frame(1, json.dumps({"type": "goaway", "retryAfterMs": item[1]}).encode())
                        send_frame(8, struct.pack("!H", 1001) + b"going away")
                    elif item[0] == "close":
                        send_frame(8, struct.pack("!H", item[1]))
                    else:  # drop: no close frame
                        sock.shutdown(socket.SHUT_RDWR)
                    break
                send_frame(1, json.dumps(item, separators=(",", ":")).encode())
        except OSError:
            pass
        finally:
            conn.alive = False
            with HUB.lock:
                HUB.conns.discard(conn)

    def on_client_message(self, conn, data):
        try:
            msg = json.loads(data)
        except ValueError:
            return conn.put({"type": "error", "code": "bad_request", "message": "not JSON"})
        reply = {"id": msg["id"]} if isinstance(msg.get("id"), str) else {}
        if msg.get("type") == "subscribe":
            HUB.subscribe(conn, msg.get("games", []), bool(msg.get("allLive")), msg.get("resume", {}),
                          {"type": "subscribed", **reply})
        elif msg.get("type") == "unsubscribe":
            with HUB.lock:
                conn.games.difference_update(msg.get("games", []))
                if msg.get("allLive"):
                    conn.all_live = False
                conn.put({"type": "unsubscribed", "games": sorted(conn.games), "teams": [], "allLive": conn.all_live, **reply})
        elif msg.get("type") == "ping":
            conn.put({"type": "pong", "t": now_ms(), **reply})
        else:
            conn.put({"type": "error", "code": "unknown_type", "message": "unknown type",
                      **({"ref": reply["id"]} if reply else {})})


def main():
    global HUB
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--history", type=int, default=120, help="events already in the first game")
    args = parser.parse_args()
    HUB = Hub(args.history)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(f"mock_bridge: http://127.0.0.1:{server.server_address[1]}/", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
