// Test doubles for courtside-client.js: a virtual clock, a scripted WebSocket and EventSource,
// and builders for protocol messages. Every message built here or sent by the client is
// recorded, so that check_protocol.py can validate them against docs/protocol.schema.json.

import { writeFileSync } from 'node:fs';

export const wireLog = { client: [], server: [] };

/** Writes the recorded messages to $COURTSIDE_WIRE_LOG (if set). */
export function flushWireLog() {
  const path = process.env.COURTSIDE_WIRE_LOG;
  if (path) writeFileSync(path, JSON.stringify(wireLog));
}

/** A virtual clock with setTimeout / clearTimeout that only moves when told. */
export class FakeClock {
  constructor() {
    this.now = 0;
    this.timers = new Map();
    this.nextId = 1;
    this.setTimeout = (fn, ms) => {
      const id = this.nextId++;
      this.timers.set(id, { id, at: this.now + Math.max(0, ms || 0), fn, ms });
      return id;
    };
    this.clearTimeout = (id) => {
      this.timers.delete(id);
    };
  }

  /** Runs every timer due within `ms`, in order, then sets the clock to now + ms. */
  advance(ms) {
    const end = this.now + ms;
    for (;;) {
      let next = null;
      for (const t of this.timers.values()) {
        if (t.at <= end && (!next || t.at < next.at || (t.at === next.at && t.id < next.id))) next = t;
      }
      if (!next) break;
      this.timers.delete(next.id);
      this.now = next.at;
      next.fn();
    }
    this.now = end;
  }

  /** Runs timers due now (zero-delay ones). */
  flush() {
    this.advance(0);
  }
}

/** A WebSocket class whose instances the test drives (open, messages, close). */
export function makeFakeWebSocket() {
  class FakeWebSocket {
    constructor(url) {
      this.url = url;
      this.readyState = 0;
      this.sent = [];
      this.closedWith = null;
      FakeWebSocket.instances.push(this);
    }

    send(data) {
      if (this.readyState !== 1) throw new Error('InvalidStateError: not open');
      const msg = JSON.parse(data);
      wireLog.client.push(msg);
      this.sent.push(msg);
    }

    close(code, reason) {
      this.closedWith = { code, reason };
      this.readyState = 3;
    }

    // --- driven by the test ("the server") ---
    open() {
      this.readyState = 1;
      this.onopen?.({ type: 'open' });
    }

    deliver(msg) {
      wireLog.server.push(msg);
      this.onmessage?.({ data: JSON.stringify(msg) });
    }

    serverClose(code, reason = '') {
      this.readyState = 3;
      this.onclose?.({ code, reason, wasClean: code !== 1006 });
    }

    fail() {
      this.readyState = 3;
      this.onerror?.({ type: 'error' });
      this.onclose?.({ code: 1006, reason: '', wasClean: false });
    }

    get last() {
      return this.sent[this.sent.length - 1];
    }
  }
  FakeWebSocket.instances = [];
  FakeWebSocket.OPEN = 1;
  return FakeWebSocket;
}

/** An EventSource class whose instances the test drives. */
export function makeFakeEventSource() {
  class FakeEventSource {
    constructor(url) {
      this.url = url;
      this.readyState = 0;
      this.listeners = new Map();
      this.closed = false;
      FakeEventSource.instances.push(this);
    }

    addEventListener(type, fn) {
      if (!this.listeners.has(type)) this.listeners.set(type, []);
      this.listeners.get(type).push(fn);
    }

    close() {
      this.closed = true;
      this.readyState = 2;
    }

    dispatch(type, ev) {
      for (const fn of this.listeners.get(type) || []) fn(ev);
    }

    // --- driven by the test ---
    /** Delivers a server message as `event: <type>` / `data: <json>` / `id: <cursor>`. */
    deliver(msg, lastEventId = '') {
      if (this.closed) return;
      wireLog.server.push(msg);
      this.readyState = 1;
      this.dispatch(msg.type, { type: msg.type, data: JSON.stringify(msg), lastEventId });
    }

    /** A network error; `browserRetries` = the browser reconnects by itself (readyState 0). */
    networkError(browserRetries = true) {
      this.readyState = browserRetries ? 0 : 2;
      this.dispatch('error', { type: 'error' });
    }

    get params() {
      return new URL(this.url).searchParams;
    }
  }
  FakeEventSource.instances = [];
  return FakeEventSource;
}

// ------------------------------------------------------------------ message builders

export const HEARTBEAT_MS = 15000;

export function hello(extra = {}) {
  return {
    type: 'hello',
    protocol: 1,
    server: 'courtside-bridge/test',
    heartbeatMs: HEARTBEAT_MS,
    idleTimeoutMs: 45000,
    limits: { maxMessageBytes: 65536, messagesPerSecond: 10, messageBurst: 20, maxGames: 200, maxTeams: 30 },
    ...extra,
  };
}

export function state(home, away, extra = {}) {
  return { home, away, period: 2, clockMs: 431000, clockRunning: true, status: 'live', ...extra };
}

export function snapshot(game, epoch, seq, reason = 'initial', st = state(seq, 0)) {
  return { type: 'snapshot', game, epoch, seq, reason, home: 'BOS', away: 'LAL', state: st };
}

export function event(game, epoch, seq, st = state(seq, 0)) {
  return {
    type: 'event',
    game,
    epoch,
    seq,
    kind: 'basket',
    team: 'BOS',
    points: 2,
    description: `event ${seq}`,
    recordedAt: 1700000000000 + seq,
    state: st,
  };
}

export function subscribed(games = [], teams = [], allLive = false, id, leagues = []) {
  const msg = { type: 'subscribed', games, teams, allLive, leagues };
  if (id) msg.id = id;
  return msg;
}
