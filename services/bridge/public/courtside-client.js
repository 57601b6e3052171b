/**
 * @file courtside-client.js — a small browser client for the Courtside live score protocol
 * (docs/protocol.md, version 1).
 *
 * It connects to the bridge's WebSocket (`/ws`), follows games, teams, all live games or the live
 * games of some leagues (`leagues: ['wnba']`), keeps
 * the latest position (epoch, seq) of every game, and on any reconnect resumes from those
 * positions so that nothing is missed and nothing is shown twice. When WebSocket cannot connect
 * it falls back to Server-Sent Events (`/events`), and it probes WebSocket again from time to time.
 *
 * It applies the ordering rules of the protocol defensively: duplicates (seq <= known) are
 * dropped, a gap (seq > known + 1) is repaired by resuming that game, and snapshots (`initial`,
 * `reset`, `collapsed`) replace a game's state.
 *
 * No dependencies; plain ES2020. Works in browsers and (with injected WebSocket / EventSource
 * implementations) in Node.
 *
 * @example
 * import { CourtsideClient } from '/courtside-client.js';
 * const client = new CourtsideClient();
 * client.on('snapshot', (s) => render(s.game, s.state));
 * client.on('event', (e) => render(e.game, e.state));
 * client.on('state', ({ state }) => showConnection(state)); // live | reconnecting | fallback ...
 * client.subscribe({ games: ['0022000001'], teams: ['BOS'] });
 * client.subscribe({ leagues: ['wnba'] }); // every live WNBA game
 *
 * Private games (the bridge's `--private-games`) need a connection token: pass `getToken`, an
 * async function returning one (services/bridge/README.md "Private games and connection tokens").
 * The client calls it before each connection, sends the token first, answers the server's
 * `refresh` with a new one, and emits `tokenExpired` when the server closes for an expired token.
 */

/** Protocol version this client speaks (`hello.protocol`). */
export const PROTOCOL_VERSION = 1;

/**
 * Connection states reported by {@link CourtsideClient#state} and the `state` event.
 * @readonly
 * @enum {string}
 */
export const ConnectionState = Object.freeze({
  /** Created, `connect()` / `subscribe()` not called yet. */
  IDLE: 'idle',
  /** First connection attempt in progress. */
  CONNECTING: 'connecting',
  /** Connected over WebSocket (after `hello`). */
  LIVE: 'live',
  /** Connection lost; waiting or trying to reconnect. Positions are kept. */
  RECONNECTING: 'reconnecting',
  /** Connected over the Server-Sent Events fallback (after `hello`). */
  FALLBACK: 'fallback',
  /** `close()` was called. */
  CLOSED: 'closed',
});

/** WebSocket close codes of the protocol (docs/protocol.md §7). */
export const CloseCode = Object.freeze({
  NORMAL: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  UNSUPPORTED_DATA: 1003,
  ABNORMAL: 1006,
  INVALID_PAYLOAD: 1007,
  POLICY: 1008,
  TOO_BIG: 1009,
  INTERNAL: 1011,
  SERVICE_RESTART: 1012,
  TRY_AGAIN_LATER: 1013,
  TOO_SLOW: 4000,
  IDLE_TIMEOUT: 4001,
  /** The connection token expired and no new one came (after `refresh` and `expired`). */
  TOKEN_EXPIRED: 4002,
  /** Used by this client when it drops a connection itself (dead, gap not repaired, ...). */
  CLIENT_RECONNECT: 4100,
});

/** Message types the server may send over SSE (one `event:` name each). */
const SERVER_TYPES = [
  'hello', 'subscribed', 'unsubscribed', 'snapshot', 'event', 'heartbeat', 'pong', 'error', 'goaway', 'authorized', 'refresh', 'expired',
];

const WS_OPEN = 1;
const ES_CONNECTING = 0;

/**
 * @typedef {Object} Position
 * @property {number} epoch changes only when a game's log is reset
 * @property {number} seq   1, 2, 3, ... within an epoch; 0 = before the first event
 */

/**
 * @typedef {Object} GameState
 * @property {number} home
 * @property {number} away
 * @property {number} period        0 before tip-off, 1–4 quarters (1–2 halves where the league's
 *                                  regulationPeriods is 2), then overtime
 * @property {number} clockMs       time left in the period
 * @property {boolean} clockRunning
 * @property {string} status        scheduled | live | halftime | final | postponed | cancelled
 */

/**
 * @typedef {Object} BackoffOptions
 * @property {number} [baseMs=500]   ceiling of the first retry's random delay
 * @property {number} [capMs=30000]  the ceiling never exceeds this
 */

/**
 * @typedef {Object} ClientOptions
 * @property {string} [url]            base URL of the bridge, e.g. `https://scores.example`;
 *   default: the page's origin (`location.origin`)
 * @property {string} [wsPath='/ws']
 * @property {string} [ssePath='/events']
 * @property {?Function} [WebSocket]   WebSocket constructor (default: `globalThis.WebSocket`);
 *   `null` forces the SSE fallback
 * @property {?Function} [EventSource] EventSource constructor (default: `globalThis.EventSource`)
 * @property {BackoffOptions} [backoff]
 * @property {number} [stableMs=5000]        a connection up this long resets the backoff
 * @property {number} [fallbackAfter=3]      consecutive WebSocket failures before trying SSE
 * @property {number} [policyDelayMs=15000]  minimum wait after close 1008
 * @property {number} [goingAwayMaxMs=5000]  random wait ceiling after 1001/1012/1013 without goaway
 * @property {number} [connectTimeoutMs=10000] an attempt without `hello` by then has failed
 * @property {number} [heartbeatFactor=2.5]  silence of factor × heartbeatMs = dead connection
 * @property {number} [gapTimeoutMs=5000]    a gap not repaired by then forces a reconnect
 * @property {number} [probeFirstMs=3000]    first WebSocket probe while on SSE (±50 %); each
 *   failed probe doubles the wait for the next one, up to probeEveryMs
 * @property {number} [probeEveryMs=60000]   longest wait between WebSocket probes on SSE (±50 %)
 * @property {() => Promise<?string>} [getToken] returns the connection token for private games
 *   (or null for none); called before every connection and on each `refresh` from the server
 * @property {() => number} [random=Math.random]
 * @property {(fn: Function, ms: number) => any} [setTimeout]
 * @property {(handle: any) => void} [clearTimeout]
 */

/**
 * The random delay before reconnect attempt `attempt` (0 = the first retry): exponential
 * backoff with full jitter, uniform in [0, min(capMs, baseMs × 2^attempt)).
 * @param {number} attempt
 * @param {BackoffOptions} [options]
 * @param {() => number} [random=Math.random]
 * @returns {number} milliseconds
 */
export function backoffDelay(attempt, options = {}, random = Math.random) {
  const baseMs = options.baseMs ?? 500;
  const capMs = options.capMs ?? 30000;
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(Math.max(attempt, 0), 30));
  return Math.floor(random() * ceiling);
}

/**
 * Formats positions as an SSE cursor: `gameId:epoch:seq` entries separated by commas
 * (the `resume` parameter of `/events` and the SSE `id:` / `Last-Event-ID`).
 * @param {Map<string, Position> | Object<string, Position>} positions
 * @returns {string}
 */
export function formatCursor(positions) {
  const entries = positions instanceof Map ? [...positions.entries()] : Object.entries(positions);
  return entries.map(([game, p]) => `${game}:${p.epoch}:${p.seq}`).join(',');
}

/**
 * Parses an SSE cursor (see {@link formatCursor}). Malformed entries are skipped.
 * @param {string} cursor
 * @returns {Map<string, Position>}
 */
export function parseCursor(cursor) {
  const out = new Map();
  for (const entry of String(cursor || '').split(',')) {
    const m = /^([A-Za-z0-9_.-]{1,64}):(\d{1,16}):(\d{1,16})$/.exec(entry.trim());
    if (m) out.set(m[1], { epoch: Number(m[2]), seq: Number(m[3]) });
  }
  return out;
}

/**
 * The client. Create one per page; it multiplexes every followed game over one connection.
 *
 * Events (subscribe with {@link CourtsideClient#on}):
 * - `snapshot` (message): a snapshot was applied (reason `initial`, `reset` or `collapsed`).
 *   The game's state must be replaced by `message.state`; for `reset`/`collapsed` play-by-play
 *   between the old and the new position was not delivered.
 * - `event` (message): the next event of a game, in order, never twice.
 * - `state` ({state, previous, transport}): the connection state changed.
 * - `error` (message): the server sent an `error` message (the connection stays open).
 * - `hello`, `subscribed`, `unsubscribed`, `goaway`, `heartbeat`, `pong` (message).
 * - `message` (message): every server message, before it is handled.
 * - `drop` ({reason: 'duplicate'|'stale'|'gap', message, position}): a message was not applied.
 * - `gap` ({game, have, got}): a gap was detected; the client is repairing it.
 */
export class CourtsideClient {
  /** @param {ClientOptions} [options] */
  constructor(options = {}) {
    const g = globalThis;
    this._base = (options.url ?? (g.location ? g.location.origin : 'http://localhost:8080')).replace(/\/+$/, '');
    this._wsPath = options.wsPath ?? '/ws';
    this._ssePath = options.ssePath ?? '/events';
    this._WS = options.WebSocket !== undefined ? options.WebSocket : g.WebSocket;
    this._ES = options.EventSource !== undefined ? options.EventSource : g.EventSource;
    this._backoff = { baseMs: 500, capMs: 30000, ...(options.backoff || {}) };
    this._stableMs = options.stableMs ?? 5000;
    this._fallbackAfter = options.fallbackAfter ?? 3;
    this._policyDelayMs = options.policyDelayMs ?? 15000;
    this._goingAwayMaxMs = options.goingAwayMaxMs ?? 5000;
    this._connectTimeoutMs = options.connectTimeoutMs ?? 10000;
    this._heartbeatFactor = options.heartbeatFactor ?? 2.5;
    this._gapTimeoutMs = options.gapTimeoutMs ?? 5000;
    this._probeFirstMs = options.probeFirstMs ?? 3000;
    this._probeEveryMs = options.probeEveryMs ?? 60000;
    this._random = options.random ?? Math.random;
    this._getToken = typeof options.getToken === 'function' ? options.getToken : null;
    this._token = null; // the connection token in use
    this._openSeq = 0; // bumped by every _open / close, so a late getToken answer is ignored
    this._setTimeout = options.setTimeout ?? ((fn, ms) => g.setTimeout(fn, ms));
    this._clearTimeout = options.clearTimeout ?? ((h) => g.clearTimeout(h));

    /** @type {Set<string>} */ this._games = new Set();
    /** @type {Set<string>} */ this._teams = new Set();
    this._allLive = false;
    /** @type {Set<string>} */ this._leagues = new Set();
    /** @type {Map<string, Position>} */ this._positions = new Map();
    /** @type {Map<string, {home: string, away: string}>} */ this._teamsOf = new Map();
    /** @type {Map<string, string>} */ this._leagueOf = new Map();
    /** @type {Map<string, {have: Position, timer: any}>} */ this._gaps = new Map();
    /** @type {Map<string, Set<Function>>} */ this._listeners = new Map();

    this._state = ConnectionState.IDLE;
    this._conn = null; // the current transport: {kind: 'ws'|'sse', ...}
    this._probe = null; // a WebSocket probe while on SSE
    this._mode = this._WS ? 'ws' : 'sse';
    this._attempt = 0; // backoff exponent
    this._wsFailures = 0; // consecutive WebSocket attempts that never reached hello
    this._heartbeatMs = 15000;
    this._reconnectTimer = null;
    this._probeTimer = null;
    this._probeDelayMs = this._probeFirstMs; // the wait before the next probe, ±50 %
    this._sseResyncTimer = null;
    this._requestSeq = 0;
  }

  // ---------------------------------------------------------------- public API

  /** The connection state (see {@link ConnectionState}). @type {string} */
  get state() {
    return this._state;
  }

  /** The transport in use: `'websocket'`, `'sse'` or `null`. @type {?string} */
  get transport() {
    if (!this._conn) return null;
    return this._conn.kind === 'ws' ? 'websocket' : 'sse';
  }

  /** What this client asks the server to follow. */
  get followed() {
    return {
      games: [...this._games].sort(),
      teams: [...this._teams].sort(),
      allLive: this._allLive,
      leagues: [...this._leagues].sort(),
    };
  }

  /**
   * The latest position applied for a game.
   * @param {string} game
   * @returns {Position | undefined}
   */
  position(game) {
    const p = this._positions.get(game);
    return p ? { ...p } : undefined;
  }

  /** Every known position, as a plain object `{gameId: {epoch, seq}}`. */
  positions() {
    const out = {};
    for (const [game, p] of this._positions) out[game] = { ...p };
    return out;
  }

  /**
   * Listens for an event (see the class description). Listener errors are caught and logged.
   * @param {string} type
   * @param {(payload: any) => void} listener
   * @returns {() => void} a function that removes the listener
   */
  on(type, listener) {
    if (!this._listeners.has(type)) this._listeners.set(type, new Set());
    this._listeners.get(type).add(listener);
    return () => this.off(type, listener);
  }

  /** Removes a listener added with {@link CourtsideClient#on}. */
  off(type, listener) {
    this._listeners.get(type)?.delete(listener);
  }

  /** Opens the connection (called by `subscribe()` if needed). Idempotent. */
  connect() {
    if (this._state !== ConnectionState.IDLE && this._state !== ConnectionState.CLOSED) return;
    this._setState(ConnectionState.CONNECTING);
    this._open();
  }

  /** Closes the connection for good; positions are kept (a later `connect()` resumes). */
  close() {
    this._clearTimer('_reconnectTimer');
    this._clearTimer('_probeTimer');
    this._clearTimer('_sseResyncTimer');
    for (const gap of this._gaps.values()) this._clearTimeout(gap.timer);
    this._gaps.clear();
    this._dropProbe();
    this._dropConn(CloseCode.NORMAL, 'client closed');
    this._openSeq += 1;
    this._setState(ConnectionState.CLOSED);
  }

  /**
   * Follows more games, teams, all live games, or the live games of leagues (at most 20
   * leagues, ids from `GET /api/leagues`). Resume positions in `resume` are taken as
   * what the caller already has (e.g. from `GET /api/games`) for games the client knows nothing
   * about yet; the server then sends only what follows them.
   * @param {{games?: string[], teams?: string[], allLive?: boolean, leagues?: string[],
   *   resume?: Object<string, Position>}} what
   */
  subscribe(what = {}) {
    const games = [...new Set(what.games || [])];
    const teams = [...new Set(what.teams || [])];
    const leagues = [...new Set(what.leagues || [])];
    for (const [game, p] of Object.entries(what.resume || {})) {
      if (!this._positions.has(game) && p && Number.isInteger(p.epoch) && Number.isInteger(p.seq)) {
        this._positions.set(game, { epoch: p.epoch, seq: p.seq });
      }
    }
    games.forEach((x) => this._games.add(x));
    teams.forEach((x) => this._teams.add(x));
    leagues.forEach((x) => this._leagues.add(x));
    if (what.allLive) this._allLive = true;

    if (this._state === ConnectionState.IDLE || this._state === ConnectionState.CLOSED) {
      this.connect(); // the connection's first subscribe carries everything
      return;
    }
    const conn = this._conn;
    if (conn && conn.kind === 'ws' && conn.opened) {
      const resume = {};
      const names = new Set([...games, ...Object.keys(what.resume || {})]);
      for (const game of names) if (this._positions.has(game)) resume[game] = this._positions.get(game);
      const msg = { type: 'subscribe' };
      if (games.length) msg.games = games;
      if (teams.length) msg.teams = teams;
      if (what.allLive) msg.allLive = true;
      if (leagues.length) msg.leagues = leagues;
      if (Object.keys(resume).length) msg.resume = resume;
      msg.id = this._nextId();
      this._send(conn, msg);
    } else if (conn && conn.kind === 'sse') {
      this._scheduleSseResync();
    }
  }

  /**
   * Stops following games, teams, all live games, or leagues. Positions of games no longer
   * followed are forgotten.
   * @param {{games?: string[], teams?: string[], allLive?: boolean, leagues?: string[]}} what
   */
  unsubscribe(what = {}) {
    const games = [...new Set(what.games || [])];
    const teams = [...new Set(what.teams || [])];
    const leagues = [...new Set(what.leagues || [])];
    games.forEach((x) => this._games.delete(x));
    teams.forEach((x) => this._teams.delete(x));
    leagues.forEach((x) => this._leagues.delete(x));
    if (what.allLive) this._allLive = false;
    if (!this._allLive) {
      for (const game of [...this._positions.keys()]) {
        if (!this._stillFollowed(game)) this._forget(game);
      }
    }
    const conn = this._conn;
    if (conn && conn.kind === 'ws' && conn.opened) {
      const msg = { type: 'unsubscribe' };
      if (games.length) msg.games = games;
      if (teams.length) msg.teams = teams;
      if (what.allLive) msg.allLive = true;
      if (leagues.length) msg.leagues = leagues;
      msg.id = this._nextId();
      this._send(conn, msg);
    } else if (conn && conn.kind === 'sse') {
      this._scheduleSseResync();
    }
  }

  /** The URL of the SSE endpoint for the current followed set and positions. @returns {string} */
  sseUrl() {
    const params = [];
    if (this._games.size) params.push(`games=${[...this._games].map(encodeURIComponent).join(',')}`);
    if (this._teams.size) params.push(`teams=${[...this._teams].map(encodeURIComponent).join(',')}`);
    if (this._allLive) params.push('allLive=1');
    if (this._leagues.size) params.push(`leagues=${[...this._leagues].map(encodeURIComponent).join(',')}`);
    if (this._positions.size) params.push(`resume=${formatCursor(this._positions)}`);
    if (this._token) params.push(`token=${encodeURIComponent(this._token)}`);
    return `${this._base}${this._ssePath}${params.length ? `?${params.join('&')}` : ''}`;
  }

  /** The URL of the WebSocket endpoint. @returns {string} */
  wsUrl() {
    return this._base.replace(/^http/, 'ws') + this._wsPath;
  }

  // ---------------------------------------------------------------- connection management

  _open() {
    this._clearTimer('_reconnectTimer');
    if (!this._getToken) {
      this._openTransport();
      return;
    }
    // A fresh token for every connection; a late answer (close() or another _open meanwhile) is dropped.
    const seq = ++this._openSeq;
    this._fetchToken().then((ok) => {
      if (seq !== this._openSeq || this._state === ConnectionState.CLOSED) return;
      if (ok) this._openTransport();
      else this._reconnectAfter(this._nextBackoff());
    });
  }

  /** Calls getToken; false (and an `error` event with code `client`) when it fails. */
  async _fetchToken() {
    try {
      const token = await this._getToken();
      this._token = typeof token === 'string' && token.length ? token : null;
      return true;
    } catch (err) {
      this._emit('error', { type: 'error', code: 'client', message: `getToken failed: ${err && err.message ? err.message : err}` });
      return false;
    }
  }

  _openTransport() {
    if (this._mode === 'ws' && this._WS) this._openWebSocket(false);
    else if (this._ES) this._openEventSource();
    else if (this._WS) this._openWebSocket(false);
    else {
      this._emit('error', { type: 'error', code: 'client', message: 'neither WebSocket nor EventSource is available' });
    }
  }

  _openWebSocket(isProbe) {
    let ws;
    const conn = { kind: 'ws', ws: null, opened: false, gotHello: false, goawayMs: null, isProbe, timers: {} };
    try {
      ws = new this._WS(this.wsUrl());
    } catch (err) {
      // A constructor that throws (bad URL, blocked scheme) is a failed attempt like any other.
      if (isProbe) this._scheduleNextProbe();
      else {
        this._conn = conn;
        this._setTimeout(() => this._onWsClose(conn, { code: CloseCode.ABNORMAL, reason: String(err) }), 0);
      }
      return;
    }
    conn.ws = ws;
    if (isProbe) this._probe = conn;
    else this._conn = conn;
    ws.onopen = () => {
      conn.opened = true;
      // A probe subscribes only once it is promoted (with the positions of that moment).
      if (!isProbe) this._sendTokenAndSubscribe(conn);
    };
    ws.onmessage = (ev) => this._onText(conn, ev.data);
    ws.onerror = () => {}; // a close event always follows
    ws.onclose = (ev) => this._onWsClose(conn, ev || {});
    this._armConnectTimeout(conn);
  }

  _openEventSource() {
    const conn = { kind: 'sse', es: null, gotHello: false, goawayMs: null, timers: {} };
    let es;
    try {
      es = new this._ES(this.sseUrl());
    } catch (err) {
      this._conn = conn;
      this._setTimeout(() => this._onSseFailure(conn), 0);
      return;
    }
    conn.es = es;
    this._conn = conn;
    for (const type of SERVER_TYPES) {
      es.addEventListener(type, (ev) => {
        // A server `error` message and the EventSource's own error share the name `error`.
        if (type === 'error' && typeof ev.data !== 'string') this._onSseError(conn);
        else this._onText(conn, ev.data);
      });
    }
    this._armConnectTimeout(conn);
  }

  _armConnectTimeout(conn) {
    conn.timers.watchdog = this._setTimeout(() => this._onDead(conn), this._connectTimeoutMs);
  }

  _armWatchdog(conn) {
    if (conn.timers.watchdog) this._clearTimeout(conn.timers.watchdog);
    const ms = conn.gotHello ? this._heartbeatMs * this._heartbeatFactor : this._connectTimeoutMs;
    conn.timers.watchdog = this._setTimeout(() => this._onDead(conn), ms);
  }

  _clearConnTimers(conn) {
    for (const key of Object.keys(conn.timers)) {
      this._clearTimeout(conn.timers[key]);
      delete conn.timers[key];
    }
  }

  /** No hello in time, or silence past the heartbeat: treat as an abnormal close. */
  _onDead(conn) {
    if (conn === this._probe) {
      this._dropProbe();
      this._scheduleNextProbe();
      return;
    }
    if (conn !== this._conn) return;
    if (conn.kind === 'ws') {
      this._detach(conn, CloseCode.CLIENT_RECONNECT, 'no heartbeat');
      this._onWsClose(conn, { code: CloseCode.ABNORMAL, reason: 'timeout' }, true);
    } else {
      this._onSseFailure(conn);
    }
  }

  _detach(conn, code, reason) {
    this._clearConnTimers(conn);
    if (conn.kind === 'ws' && conn.ws) {
      const ws = conn.ws;
      ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
      try {
        ws.close(code, reason);
      } catch (_) {
        /* already closed */
      }
    } else if (conn.kind === 'sse' && conn.es) {
      try {
        conn.es.close();
      } catch (_) {
        /* already closed */
      }
    }
  }

  _dropConn(code, reason) {
    const conn = this._conn;
    this._conn = null;
    if (conn) this._detach(conn, code, reason);
    this._clearTimer('_stableTimer');
  }

  _dropProbe() {
    const probe = this._probe;
    this._probe = null;
    if (probe) this._detach(probe, CloseCode.NORMAL, 'probe');
  }

  _onWsClose(conn, ev, alreadyDetached = false) {
    if (conn === this._probe) {
      // The probe failed: stay on SSE and try again later.
      this._probe = null;
      this._clearConnTimers(conn);
      this._scheduleNextProbe();
      return;
    }
    if (conn !== this._conn) return;
    if (!alreadyDetached) this._clearConnTimers(conn);
    this._conn = null;
    this._clearTimer('_stableTimer');
    if (this._state === ConnectionState.CLOSED) return;

    const code = ev.code ?? CloseCode.ABNORMAL;
    if (code === CloseCode.TOKEN_EXPIRED && !conn.tokenExpired) {
      this._emit('tokenExpired', { transport: 'websocket', code, message: ev.reason || 'token expired' });
    }
    this._emit('close', { code, reason: ev.reason || '' });
    let delay;
    if (conn.goawayMs != null) {
      delay = conn.goawayMs;
      this._attempt = 0;
    } else if (code === CloseCode.GOING_AWAY || code === CloseCode.SERVICE_RESTART || code === CloseCode.TRY_AGAIN_LATER) {
      delay = Math.floor(this._random() * this._goingAwayMaxMs);
    } else if (code === CloseCode.POLICY) {
      delay = Math.max(this._policyDelayMs, this._nextBackoff());
    } else {
      delay = this._nextBackoff();
    }
    // WebSocket "cannot connect": the socket never reached hello and the server did not say why.
    if (!conn.gotHello && conn.goawayMs == null && code !== CloseCode.POLICY) {
      this._wsFailures += 1;
      if (this._wsFailures >= this._fallbackAfter && this._ES) {
        this._mode = 'sse';
        delay = Math.min(delay, this._backoff.baseMs);
      }
    }
    this._reconnectAfter(delay);
  }

  _onSseError(conn) {
    if (conn !== this._conn) return;
    if (conn.gotHello && conn.es && conn.es.readyState === ES_CONNECTING) {
      // The browser reconnects by itself and sends Last-Event-ID; wait for its new hello.
      conn.gotHello = false;
      this._clearTimer('_stableTimer');
      this._setState(ConnectionState.RECONNECTING);
      this._armWatchdog(conn);
      return;
    }
    this._onSseFailure(conn);
  }

  _onSseFailure(conn) {
    if (conn !== this._conn) return;
    const hadHello = conn.gotHello;
    this._detach(conn);
    this._conn = null;
    this._clearTimer('_stableTimer');
    this._clearTimer('_probeTimer');
    this._dropProbe();
    if (this._state === ConnectionState.CLOSED) return;
    let delay;
    if (conn.goawayMs != null) {
      delay = conn.goawayMs;
      this._attempt = 0;
    } else {
      delay = this._nextBackoff();
    }
    // SSE did not work either: the server is probably down rather than WebSocket blocked, so
    // alternate back to WebSocket (one more WebSocket failure brings us back here).
    if (!hadHello && this._WS && conn.goawayMs == null) {
      this._mode = 'ws';
      this._wsFailures = Math.max(0, this._fallbackAfter - 1);
    }
    this._reconnectAfter(delay);
  }

  _reconnectAfter(delay) {
    this._setState(ConnectionState.RECONNECTING);
    this._clearTimer('_reconnectTimer');
    this._reconnectTimer = this._setTimeout(() => {
      this._reconnectTimer = null;
      if (this._state !== ConnectionState.CLOSED) this._open();
    }, Math.max(0, delay));
  }

  _nextBackoff() {
    const delay = backoffDelay(this._attempt, this._backoff, this._random);
    this._attempt += 1;
    return delay;
  }

  /** After a failed probe: wait twice as long as last time (up to probeEveryMs), ±50 %. */
  _scheduleNextProbe() {
    this._probeDelayMs = Math.min(this._probeEveryMs, this._probeDelayMs * 2);
    this._scheduleProbe();
  }

  _scheduleProbe() {
    this._clearTimer('_probeTimer');
    if (!this._WS || this._state === ConnectionState.CLOSED) return;
    const ms = Math.floor(this._probeDelayMs * (0.5 + this._random()));
    this._probeTimer = this._setTimeout(() => {
      this._probeTimer = null;
      if (this._conn && this._conn.kind === 'sse' && !this._probe) this._openWebSocket(true);
    }, ms);
  }

  _scheduleSseResync() {
    if (this._sseResyncTimer) return;
    this._sseResyncTimer = this._setTimeout(() => {
      this._sseResyncTimer = null;
      this._restartSse();
    }, 0);
  }

  /** Replaces the EventSource by one whose URL carries the current followed set and positions. */
  _restartSse() {
    const conn = this._conn;
    if (!conn || conn.kind !== 'sse') return;
    this._detach(conn);
    this._conn = null;
    this._openEventSource();
    if (this._state !== ConnectionState.FALLBACK) this._setState(ConnectionState.RECONNECTING);
  }

  /** The token first (the server carries messages out in order), then the whole followed set. */
  _sendTokenAndSubscribe(conn) {
    if (this._token) this._send(conn, { type: 'token', token: this._token, id: this._nextId() });
    this._send(conn, this._fullSubscribe());
  }

  /** The server asked for a new token: WebSocket sends it; SSE reopens the stream with it. */
  _onRefresh(conn, msg) {
    this._emit('refresh', msg);
    if (!this._getToken) return;
    this._fetchToken().then((ok) => {
      if (!ok || conn !== this._conn) return;
      if (conn.kind === 'ws') {
        if (this._token) this._send(conn, { type: 'token', token: this._token, id: this._nextId() });
      } else {
        this._restartSse();
      }
    });
  }

  /** `expired`: the server closes (4002) or ends the stream next; reconnect with a fresh token. */
  _onExpired(conn, msg) {
    conn.tokenExpired = true;
    this._emit('tokenExpired', { transport: conn.kind === 'ws' ? 'websocket' : 'sse', code: CloseCode.TOKEN_EXPIRED, message: msg.message });
    if (conn.kind === 'sse') this._onSseFailure(conn);
  }

  _fullSubscribe() {
    const msg = { type: 'subscribe' };
    if (this._games.size) msg.games = [...this._games];
    if (this._teams.size) msg.teams = [...this._teams];
    if (this._allLive) msg.allLive = true;
    if (this._leagues.size) msg.leagues = [...this._leagues];
    if (this._positions.size) msg.resume = this.positions();
    msg.id = this._nextId();
    return msg;
  }

  _send(conn, msg) {
    if (conn.kind !== 'ws' || !conn.ws || conn.ws.readyState !== WS_OPEN) return false;
    try {
      conn.ws.send(JSON.stringify(msg));
      return true;
    } catch (_) {
      return false;
    }
  }

  _nextId() {
    this._requestSeq += 1;
    return `c${this._requestSeq}`;
  }

  // ---------------------------------------------------------------- messages

  _onText(conn, text) {
    if (conn !== this._conn && conn !== this._probe) return;
    let msg;
    try {
      msg = JSON.parse(text);
    } catch (_) {
      return; // not ours to judge; the server only sends JSON
    }
    if (!msg || typeof msg !== 'object' || typeof msg.type !== 'string') return;
    if (conn === this._probe) {
      if (msg.type !== 'hello') {
        // Until it is promoted, a probe's messages are ignored; the probe resubscribes on hello.
        return;
      }
      this._promoteProbe(conn);
    }
    this._armWatchdog(conn);
    this._emit('message', msg);
    switch (msg.type) {
      case 'hello':
        this._onHello(conn, msg);
        break;
      case 'snapshot':
        this._applySnapshot(msg);
        break;
      case 'event':
        this._applyEvent(msg);
        break;
      case 'goaway':
        this._onGoaway(conn, msg);
        break;
      case 'refresh':
        this._onRefresh(conn, msg);
        break;
      case 'expired':
        this._onExpired(conn, msg);
        break;
      case 'authorized':
      case 'subscribed':
      case 'unsubscribed':
      case 'heartbeat':
      case 'pong':
      case 'error':
        this._emit(msg.type, msg);
        break;
      default:
        break; // unknown types are ignored (forward compatibility)
    }
  }

  _onHello(conn, msg) {
    conn.gotHello = true;
    if (Number.isFinite(msg.heartbeatMs) && msg.heartbeatMs > 0) this._heartbeatMs = msg.heartbeatMs;
    this._armWatchdog(conn);
    this._clearTimer('_stableTimer');
    this._stableTimer = this._setTimeout(() => {
      this._stableTimer = null;
      this._attempt = 0;
    }, this._stableMs);
    if (conn.kind === 'ws') {
      this._wsFailures = 0;
      this._mode = 'ws';
      this._setState(ConnectionState.LIVE);
    } else {
      this._setState(ConnectionState.FALLBACK);
      if (this._WS && !this._probeTimer && !this._probe) {
        this._probeDelayMs = this._probeFirstMs;
        this._scheduleProbe();
      }
    }
    this._emit('hello', msg);
  }

  /** A WebSocket probe reached hello while on SSE: make it the connection, drop the EventSource. */
  _promoteProbe(probe) {
    this._probe = null;
    const old = this._conn;
    this._conn = probe;
    if (old) this._detach(old);
    this._clearTimer('_probeTimer');
    // Resume from the latest positions; whatever the EventSource delivered meanwhile is dropped
    // as a duplicate if the WebSocket sends it again.
    this._sendTokenAndSubscribe(probe);
  }

  _onGoaway(conn, msg) {
    const ms = Number.isFinite(msg.retryAfterMs) ? Math.max(0, msg.retryAfterMs) : this._goingAwayMaxMs;
    conn.goawayMs = ms;
    this._emit('goaway', msg);
    if (conn.kind === 'sse') {
      // Reconnect ourselves after the server's delay (with resume from our positions).
      this._onSseFailure(conn);
    }
    // WebSocket: the server closes with 1001 next; _onWsClose uses conn.goawayMs.
  }

  _applySnapshot(msg) {
    if (typeof msg.game !== 'string' || !Number.isInteger(msg.epoch) || !Number.isInteger(msg.seq)) return;
    const have = this._positions.get(msg.game);
    const isReset = msg.reason !== 'initial' && msg.reason !== 'collapsed'; // unknown reasons act as reset
    const fresh = isReset || !have || have.epoch !== msg.epoch || msg.seq > have.seq;
    if (!fresh) {
      this._emit('drop', { reason: 'stale', message: msg, position: { ...have } });
      return;
    }
    this._positions.set(msg.game, { epoch: msg.epoch, seq: msg.seq });
    if (typeof msg.home === 'string' && typeof msg.away === 'string') {
      this._teamsOf.set(msg.game, { home: msg.home, away: msg.away });
    }
    if (typeof msg.league === 'string') this._leagueOf.set(msg.game, msg.league);
    this._gapRepaired(msg.game);
    this._emit('snapshot', msg);
  }

  _applyEvent(msg) {
    if (typeof msg.game !== 'string' || !Number.isInteger(msg.epoch) || !Number.isInteger(msg.seq)) return;
    const have = this._positions.get(msg.game);
    if (have) {
      if (msg.epoch < have.epoch || (msg.epoch === have.epoch && msg.seq <= have.seq)) {
        this._emit('drop', { reason: 'duplicate', message: msg, position: { ...have } });
        return;
      }
      if (msg.epoch !== have.epoch || msg.seq !== have.seq + 1) {
        this._emit('drop', { reason: 'gap', message: msg, position: { ...have } });
        this._onGap(msg.game, have, msg);
        return;
      }
    }
    this._positions.set(msg.game, { epoch: msg.epoch, seq: msg.seq });
    this._gapRepaired(msg.game);
    this._emit('event', msg);
  }

  _onGap(game, have, msg) {
    const pending = this._gaps.get(game);
    if (pending && pending.have.epoch === have.epoch && pending.have.seq === have.seq) return; // already asked
    if (pending) this._clearTimeout(pending.timer);
    const timer = this._setTimeout(() => this._gapTimedOut(game), this._gapTimeoutMs);
    this._gaps.set(game, { have: { ...have }, timer });
    this._emit('gap', { game, have: { ...have }, got: { epoch: msg.epoch, seq: msg.seq } });
    const conn = this._conn;
    if (conn && conn.kind === 'ws') {
      this._send(conn, { type: 'subscribe', resume: { [game]: { ...have } }, id: `gap-${game}`.slice(0, 64) });
    } else if (conn && conn.kind === 'sse') {
      this._scheduleSseResync();
    }
  }

  _gapRepaired(game) {
    const pending = this._gaps.get(game);
    if (!pending) return;
    this._clearTimeout(pending.timer);
    this._gaps.delete(game);
  }

  _gapTimedOut(game) {
    const pending = this._gaps.get(game);
    if (!pending) return;
    this._gaps.delete(game);
    const have = this._positions.get(game);
    if (!have || have.epoch !== pending.have.epoch || have.seq !== pending.have.seq) return;
    // The server did not repair it: start over on a fresh connection, resuming everything.
    const conn = this._conn;
    if (!conn) return;
    this._detach(conn, CloseCode.CLIENT_RECONNECT, 'gap not repaired');
    this._conn = null;
    this._clearTimer('_stableTimer');
    this._reconnectAfter(0);
  }

  _stillFollowed(game) {
    if (this._games.has(game)) return true;
    if (this._allLive) return true;
    if (this._leagues.size && this._leagues.has(this._leagueOf.get(game))) return true;
    const t = this._teamsOf.get(game);
    return !!t && (this._teams.has(t.home) || this._teams.has(t.away));
  }

  _forget(game) {
    this._positions.delete(game);
    this._teamsOf.delete(game);
    this._leagueOf.delete(game);
    this._gapRepaired(game);
  }

  _setState(state) {
    const previous = this._state;
    if (previous === state) return;
    this._state = state;
    this._emit('state', { state, previous, transport: this.transport });
  }

  _clearTimer(name) {
    if (this[name]) {
      this._clearTimeout(this[name]);
      this[name] = null;
    }
  }

  _emit(type, payload) {
    const set = this._listeners.get(type);
    if (!set) return;
    for (const fn of [...set]) {
      try {
        fn(payload);
      } catch (err) {
        if (globalThis.console) console.error('courtside-client listener failed:', err);
      }
    }
  }
}
