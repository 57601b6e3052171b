// Unit tests of services/bridge/public/courtside-client.js with a fake WebSocket, EventSource and
// clock. Run: node --test Tests/e2e/webclient/ (or Tests/e2e/webclient/run).

import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';

import {
  CourtsideClient,
  CloseCode,
  ConnectionState,
  backoffDelay,
  formatCursor,
  parseCursor,
} from '../../../services/bridge/public/courtside-client.js';
import {
  FakeClock,
  makeFakeWebSocket,
  makeFakeEventSource,
  hello,
  snapshot,
  event,
  state,
  subscribed,
  flushWireLog,
  HEARTBEAT_MS,
} from './fakes.mjs';

after(flushWireLog);

const G = '0022000001';
const H = '0022000002';

function setup({ noWebSocket = false, random = () => 0.5, options = {} } = {}) {
  const clock = new FakeClock();
  const WS = noWebSocket ? null : makeFakeWebSocket();
  const ES = makeFakeEventSource();
  const rnd = { fn: random };
  const client = new CourtsideClient({
    url: 'http://bridge.test:8080',
    WebSocket: WS,
    EventSource: ES,
    setTimeout: clock.setTimeout,
    clearTimeout: clock.clearTimeout,
    random: () => rnd.fn(),
    ...options,
  });
  const seen = { snapshot: [], event: [], state: [], drop: [], gap: [], error: [], goaway: [] };
  for (const k of Object.keys(seen)) client.on(k, (x) => seen[k].push(x));
  return {
    clock,
    WS,
    ES,
    client,
    seen,
    rnd,
    ws: (i = -1) => WS.instances.at(i),
    es: (i = -1) => ES.instances.at(i),
    seqs: (game) => seen.event.filter((e) => e.game === game).map((e) => e.seq),
  };
}

/** Subscribes and brings the first WebSocket to `live`. */
function goLive(t, what = { games: [G] }) {
  t.client.subscribe(what);
  const ws = t.ws();
  ws.open();
  ws.deliver(hello());
  ws.deliver(subscribed(what.games || [], what.teams || [], !!what.allLive, ws.sent[0].id, what.leagues || []));
  return ws;
}

/** Fails `n` WebSocket attempts before they open; after each, runs the clock until the next attempt. */
function failAttempts(t, n) {
  for (let i = 0; i < n; i++) {
    const ws = t.WS.instances.length;
    const es = t.ES.instances.length;
    t.ws().fail();
    for (let waited = 0; t.WS.instances.length === ws && t.ES.instances.length === es; waited++) {
      if (waited > 60000) throw new Error('no new attempt within 60 s');
      t.clock.advance(1);
    }
  }
}

describe('connecting and subscribing', () => {
  test('connects to /ws, subscribes on open, becomes live on hello', () => {
    const t = setup();
    assert.equal(t.client.state, ConnectionState.IDLE);
    t.client.subscribe({ games: [G], teams: ['BOS'], allLive: true });
    assert.equal(t.client.state, ConnectionState.CONNECTING);
    assert.equal(t.WS.instances.length, 1);
    const ws = t.ws();
    assert.equal(ws.url, 'ws://bridge.test:8080/ws');
    ws.open();
    assert.deepEqual(ws.sent.length, 1);
    const sub = ws.sent[0];
    assert.equal(sub.type, 'subscribe');
    assert.deepEqual(sub.games, [G]);
    assert.deepEqual(sub.teams, ['BOS']);
    assert.equal(sub.allLive, true);
    assert.equal(sub.resume, undefined, 'nothing to resume yet');
    assert.equal(typeof sub.id, 'string');
    assert.equal(t.client.state, ConnectionState.CONNECTING);
    ws.deliver(hello());
    assert.equal(t.client.state, ConnectionState.LIVE);
    assert.equal(t.client.transport, 'websocket');
    assert.deepEqual(
      t.seen.state.map((s) => s.state),
      ['connecting', 'live'],
    );
  });

  test('https base URL gives wss', () => {
    const t = setup({ options: { url: 'https://scores.example/' } });
    t.client.connect();
    assert.equal(t.ws().url, 'wss://scores.example/ws');
  });

  test('later subscribe sends only the change, with known positions as resume', () => {
    const t = setup();
    const ws = goLive(t);
    ws.deliver(snapshot(G, 1, 5));
    t.client.subscribe({ games: [H], resume: { [H]: { epoch: 2, seq: 9 } } });
    const msg = ws.last;
    assert.equal(msg.type, 'subscribe');
    assert.deepEqual(msg.games, [H]);
    assert.deepEqual(msg.resume, { [H]: { epoch: 2, seq: 9 } });
    assert.deepEqual(t.client.position(H), { epoch: 2, seq: 9 });
  });

  test('seeded positions (e.g. from /api/games) go into the first subscribe', () => {
    const t = setup();
    t.client.subscribe({ games: [G, H], resume: { [G]: { epoch: 1, seq: 42 } } });
    t.ws().open();
    assert.deepEqual(t.ws().sent[0].resume, { [G]: { epoch: 1, seq: 42 } });
  });

  test('unsubscribe sends unsubscribe and forgets positions of games no longer followed', () => {
    const t = setup();
    const ws = goLive(t, { games: [G, H] });
    ws.deliver(snapshot(G, 1, 3));
    ws.deliver(snapshot(H, 1, 4));
    t.client.unsubscribe({ games: [H] });
    assert.deepEqual(ws.last, { type: 'unsubscribe', games: [H], id: ws.last.id });
    assert.equal(t.client.position(H), undefined);
    assert.deepEqual(t.client.position(G), { epoch: 1, seq: 3 });
    assert.deepEqual(t.client.followed, { games: [G], teams: [], allLive: false, leagues: [] });
  });

  test('leagues: subscribe sends them, a reconnect and the SSE URL carry them, unsubscribe forgets their games', () => {
    const t = setup({ random: () => 0.5 });
    const ws = goLive(t, { leagues: ['wnba'] });
    assert.deepEqual(ws.sent[0].leagues, ['wnba']);
    ws.deliver({ ...snapshot(G, 1, 3), league: 'wnba' });
    ws.deliver({ ...snapshot(H, 1, 4), league: 'nba' });
    t.client.subscribe({ leagues: ['nba', 'wnba'] });
    assert.deepEqual(ws.last, { type: 'subscribe', leagues: ['nba', 'wnba'], id: ws.last.id });
    assert.deepEqual(t.client.followed, { games: [], teams: [], allLive: false, leagues: ['nba', 'wnba'] });
    assert.equal(
      t.client.sseUrl(),
      'http://bridge.test:8080/events?leagues=wnba,nba&resume=0022000001:1:3,0022000002:1:4',
    );
    t.client.unsubscribe({ leagues: ['wnba'] });
    assert.deepEqual(ws.last, { type: 'unsubscribe', leagues: ['wnba'], id: ws.last.id });
    assert.equal(t.client.position(G), undefined, 'the WNBA game is no longer followed');
    assert.deepEqual(t.client.position(H), { epoch: 1, seq: 4 });
    ws.serverClose(CloseCode.TOO_SLOW);
    t.clock.advance(250);
    const again = t.ws();
    assert.notEqual(again, ws);
    again.open();
    assert.deepEqual(again.sent[0].leagues, ['nba']);
    assert.deepEqual(again.sent[0].resume, { [H]: { epoch: 1, seq: 4 } });
  });

  test('a game followed through a team keeps its position when unsubscribed by id', () => {
    const t = setup();
    const ws = goLive(t, { games: [G], teams: ['BOS'] });
    ws.deliver(snapshot(G, 1, 3)); // home BOS
    t.client.unsubscribe({ games: [G] });
    assert.deepEqual(t.client.position(G), { epoch: 1, seq: 3 });
    t.client.unsubscribe({ teams: ['BOS'] });
    assert.equal(t.client.position(G), undefined);
  });

  test('server errors are emitted and the connection stays', () => {
    const t = setup();
    const ws = goLive(t);
    ws.deliver({ type: 'error', code: 'unknown_game', message: 'no such game', ref: 'c1', games: [G] });
    assert.equal(t.seen.error.length, 1);
    assert.equal(t.seen.error[0].code, 'unknown_game');
    assert.equal(t.client.state, ConnectionState.LIVE);
  });

  test('unknown server message types and junk are ignored', () => {
    const t = setup();
    const ws = goLive(t);
    ws.onmessage({ data: 'not json' });
    ws.onmessage({ data: JSON.stringify({ type: 'from-the-future', x: 1 }) });
    ws.deliver(snapshot(G, 1, 1));
    assert.equal(t.seen.snapshot.length, 1);
  });

  test('a throwing listener does not break delivery', () => {
    const t = setup();
    const ws = goLive(t);
    const original = console.error;
    console.error = () => {};
    try {
      t.client.on('event', () => {
        throw new Error('listener bug');
      });
      ws.deliver(snapshot(G, 1, 1));
      ws.deliver(event(G, 1, 2));
      ws.deliver(event(G, 1, 3));
    } finally {
      console.error = original;
    }
    assert.deepEqual(t.seqs(G), [2, 3]);
  });
});

describe('ordering: snapshots, duplicates, gaps', () => {
  test('initial snapshot then events in order', () => {
    const t = setup();
    const ws = goLive(t);
    ws.deliver(snapshot(G, 1, 42));
    ws.deliver(event(G, 1, 43));
    ws.deliver(event(G, 1, 44));
    assert.equal(t.seen.snapshot.length, 1);
    assert.deepEqual(t.seqs(G), [43, 44]);
    assert.deepEqual(t.client.position(G), { epoch: 1, seq: 44 });
  });

  test('duplicates (seq <= known) are dropped', () => {
    const t = setup();
    const ws = goLive(t);
    ws.deliver(snapshot(G, 1, 10));
    ws.deliver(event(G, 1, 9));
    ws.deliver(event(G, 1, 10));
    ws.deliver(event(G, 1, 11));
    ws.deliver(event(G, 1, 11));
    ws.deliver(event(G, 1, 12));
    assert.deepEqual(t.seqs(G), [11, 12]);
    assert.deepEqual(
      t.seen.drop.map((d) => [d.reason, d.message.seq]),
      [
        ['duplicate', 9],
        ['duplicate', 10],
        ['duplicate', 11],
      ],
    );
  });

  test('events of an older epoch are dropped', () => {
    const t = setup();
    const ws = goLive(t);
    ws.deliver(snapshot(G, 2, 3, 'reset'));
    ws.deliver(event(G, 1, 4));
    assert.deepEqual(t.seqs(G), []);
    assert.deepEqual(t.client.position(G), { epoch: 2, seq: 3 });
  });

  test('a gap (seq > known + 1) is not applied and is repaired by resuming that game', () => {
    const t = setup();
    const ws = goLive(t);
    ws.deliver(snapshot(G, 1, 10));
    ws.deliver(event(G, 1, 11));
    const before = ws.sent.length;
    ws.deliver(event(G, 1, 13)); // 12 is missing
    ws.deliver(event(G, 1, 14));
    assert.deepEqual(t.seqs(G), [11], 'nothing after the gap is applied');
    assert.equal(t.seen.gap.length, 1);
    assert.deepEqual(t.seen.gap[0], { game: G, have: { epoch: 1, seq: 11 }, got: { epoch: 1, seq: 13 } });
    assert.equal(ws.sent.length, before + 1, 'exactly one resume request');
    const req = ws.last;
    assert.equal(req.type, 'subscribe');
    assert.deepEqual(req.resume, { [G]: { epoch: 1, seq: 11 } });
    assert.equal(req.games, undefined, 'a repair does not change the followed set');
    // The server restarts the game from 11: 12, 13, 14 arrive (maybe after queued duplicates).
    ws.deliver(event(G, 1, 14));
    ws.deliver(event(G, 1, 12));
    ws.deliver(event(G, 1, 13));
    ws.deliver(event(G, 1, 14));
    ws.deliver(event(G, 1, 14));
    assert.deepEqual(t.seqs(G), [11, 12, 13, 14]);
    // Repaired: the gap timer does not force a reconnect.
    t.clock.advance(10000);
    assert.equal(t.WS.instances.length, 1);
    assert.equal(t.client.state, ConnectionState.LIVE);
  });

  test('a gap that is not repaired in time forces a reconnect that resumes', () => {
    const t = setup();
    const ws = goLive(t);
    ws.deliver(snapshot(G, 1, 10));
    ws.deliver(event(G, 1, 12));
    t.clock.advance(4999);
    assert.equal(t.WS.instances.length, 1);
    t.clock.advance(2);
    assert.equal(ws.closedWith.code, 4100);
    assert.equal(t.WS.instances.length, 2, 'reconnected at once');
    const ws2 = t.ws();
    ws2.open();
    assert.deepEqual(ws2.sent[0].resume, { [G]: { epoch: 1, seq: 10 } });
  });

  test('an event from a newer epoch without a snapshot is a gap', () => {
    const t = setup();
    const ws = goLive(t);
    ws.deliver(snapshot(G, 1, 10));
    ws.deliver(event(G, 2, 1));
    assert.deepEqual(t.seqs(G), []);
    assert.equal(t.seen.gap.length, 1);
    assert.deepEqual(ws.last.resume, { [G]: { epoch: 1, seq: 10 } });
    ws.deliver(snapshot(G, 2, 1, 'reset'));
    ws.deliver(event(G, 2, 2));
    assert.deepEqual(t.seqs(G), [2]);
  });

  test('a reset snapshot replaces state and position, even backwards', () => {
    const t = setup();
    const ws = goLive(t);
    ws.deliver(snapshot(G, 1, 50));
    ws.deliver(event(G, 1, 51));
    ws.deliver(snapshot(G, 2, 7, 'reset', state(20, 18)));
    assert.deepEqual(t.client.position(G), { epoch: 2, seq: 7 });
    assert.deepEqual(t.seen.snapshot.at(-1).state.home, 20);
    ws.deliver(event(G, 2, 8));
    ws.deliver(event(G, 1, 52)); // old epoch: dropped
    assert.deepEqual(t.seqs(G), [51, 8]);
    // Same epoch, lower seq, reason reset: still applied.
    ws.deliver(snapshot(G, 2, 3, 'reset'));
    assert.deepEqual(t.client.position(G), { epoch: 2, seq: 3 });
  });

  test('a collapsed snapshot jumps forward; a stale initial snapshot is ignored', () => {
    const t = setup();
    const ws = goLive(t);
    ws.deliver(snapshot(G, 1, 10));
    ws.deliver(snapshot(G, 1, 25, 'collapsed'));
    assert.deepEqual(t.client.position(G), { epoch: 1, seq: 25 });
    ws.deliver(event(G, 1, 26));
    ws.deliver(snapshot(G, 1, 20, 'initial'));
    ws.deliver(snapshot(G, 1, 26, 'collapsed'));
    assert.deepEqual(t.client.position(G), { epoch: 1, seq: 26 });
    assert.equal(t.seen.snapshot.length, 2);
    assert.deepEqual(
      t.seen.drop.map((d) => d.reason),
      ['stale', 'stale'],
    );
    // An unknown reason is treated as reset.
    ws.onmessage({ data: JSON.stringify(snapshot(G, 1, 5, 'some-future-reason')) }); // not in schema v1
    assert.deepEqual(t.client.position(G), { epoch: 1, seq: 5 });
  });

  test('an event for a game without a position is taken as its start', () => {
    const t = setup();
    const ws = goLive(t, { teams: ['BOS'] });
    ws.deliver(event(H, 1, 7));
    ws.deliver(event(H, 1, 8));
    assert.deepEqual(t.seqs(H), [7, 8]);
  });

  test('games are independent', () => {
    const t = setup();
    const ws = goLive(t, { games: [G, H] });
    ws.deliver(snapshot(G, 1, 1));
    ws.deliver(snapshot(H, 1, 100));
    ws.deliver(event(H, 1, 101));
    ws.deliver(event(G, 1, 2));
    ws.deliver(event(H, 1, 102));
    assert.deepEqual(t.seqs(G), [2]);
    assert.deepEqual(t.seqs(H), [101, 102]);
    assert.equal(t.seen.gap.length, 0);
  });
});

describe('reconnecting', () => {
  test('resumes every game from its position after a reconnect, and drops the overlap', () => {
    const t = setup();
    const ws = goLive(t, { games: [G, H], teams: ['BOS'] });
    ws.deliver(snapshot(G, 1, 42));
    ws.deliver(event(G, 1, 43));
    ws.deliver(snapshot(H, 3, 7));
    ws.serverClose(1006);
    assert.equal(t.client.state, ConnectionState.RECONNECTING);
    t.clock.advance(500); // attempt 0: at most 500 ms
    assert.equal(t.WS.instances.length, 2);
    const ws2 = t.ws();
    ws2.open();
    const sub = ws2.sent[0];
    assert.equal(sub.type, 'subscribe');
    assert.deepEqual(sub.games.sort(), [G, H]);
    assert.deepEqual(sub.teams, ['BOS']);
    assert.deepEqual(sub.resume, { [G]: { epoch: 1, seq: 43 }, [H]: { epoch: 3, seq: 7 } });
    ws2.deliver(hello());
    assert.equal(t.client.state, ConnectionState.LIVE);
    ws2.deliver(event(G, 1, 43)); // overlap: dropped
    ws2.deliver(event(G, 1, 44));
    assert.deepEqual(t.seqs(G), [43, 44]);
    assert.equal(t.seen.gap.length, 0);
  });

  test('backoff grows exponentially up to the cap; a stable connection resets it', () => {
    const t = setup({ random: () => 0.999999 });
    t.client.connect();
    const delays = [];
    for (let i = 0; i < 9; i++) {
      const n = t.WS.instances.length;
      t.ws().open(); // opens, so it never counts toward the SSE fallback
      t.ws().deliver(hello());
      t.ws().serverClose(1011);
      const start = t.clock.now;
      while (t.WS.instances.length === n) t.clock.advance(1);
      delays.push(t.clock.now - start);
    }
    // random 0.999999: just under each ceiling min(30000, 500 * 2^n).
    assert.deepEqual(delays, [499, 999, 1999, 3999, 7999, 15999, 29999, 29999, 29999]);
    // Up for stableMs: the next loss starts over at attempt 0.
    t.ws().open();
    t.ws().deliver(hello());
    t.clock.advance(5000);
    t.ws().deliver({ type: 'heartbeat', t: 1 });
    const n = t.WS.instances.length;
    t.ws().serverClose(1006);
    const start = t.clock.now;
    while (t.WS.instances.length === n) t.clock.advance(1);
    assert.equal(t.clock.now - start, 499);
  });

  test('backoff delays have full jitter within [0, min(cap, base * 2^n))', () => {
    for (let n = 0; n < 12; n++) {
      const ceiling = Math.min(30000, 500 * 2 ** n);
      assert.equal(backoffDelay(n, {}, () => 0), 0);
      assert.equal(backoffDelay(n, {}, () => 0.999999), ceiling - 1);
      for (let i = 0; i < 200; i++) {
        const d = backoffDelay(n);
        assert.ok(d >= 0 && d < ceiling && Number.isInteger(d), `attempt ${n}: ${d}`);
      }
    }
    assert.equal(backoffDelay(3, { baseMs: 100, capMs: 700 }, () => 0.5), 350);
    assert.equal(backoffDelay(1000, {}, () => 0.5), 15000, 'huge attempts stay at the cap');
    // The client's own delays use the injected random.
    const t = setup({ random: () => 0 });
    goLive(t).serverClose(1006);
    t.clock.advance(0);
    assert.equal(t.WS.instances.length, 2, 'random 0 reconnects at once');
  });

  test('goaway: waits exactly retryAfterMs, then resumes', () => {
    const t = setup({ random: () => 0 });
    const ws = goLive(t);
    ws.deliver(snapshot(G, 1, 5));
    ws.deliver({ type: 'goaway', retryAfterMs: 2300, reason: 'shutdown' });
    assert.equal(t.seen.goaway.length, 1);
    ws.serverClose(1001, 'going away');
    t.clock.advance(2299);
    assert.equal(t.WS.instances.length, 1, 'not before retryAfterMs');
    t.clock.advance(1);
    assert.equal(t.WS.instances.length, 2);
    t.ws().open();
    assert.deepEqual(t.ws().sent[0].resume, { [G]: { epoch: 1, seq: 5 } });
  });

  test('goaway does not count as a failed attempt', () => {
    const t = setup({ random: () => 0.999 });
    t.client.connect();
    for (let i = 0; i < 5; i++) {
      const ws = t.ws();
      ws.open();
      ws.deliver(hello());
      ws.deliver({ type: 'goaway', retryAfterMs: 100 });
      ws.serverClose(1001);
      t.clock.advance(100);
    }
    assert.equal(t.ES.instances.length, 0);
    assert.equal(t.WS.instances.length, 6);
  });

  test('1001 without goaway waits a random 0-5 s', () => {
    const t = setup({ random: () => 0.8 });
    goLive(t).serverClose(1001);
    t.clock.advance(3999);
    assert.equal(t.WS.instances.length, 1);
    t.clock.advance(1);
    assert.equal(t.WS.instances.length, 2);
  });

  test('1008 waits at least 15 s and does not trigger the SSE fallback', () => {
    const t = setup({ random: () => 0 });
    t.client.connect();
    for (let i = 0; i < 4; i++) {
      t.ws().open();
      t.ws().serverClose(1008, 'too many connections');
      t.clock.advance(14999);
      assert.equal(t.WS.instances.length, i + 1);
      t.clock.advance(1);
      assert.equal(t.WS.instances.length, i + 2);
    }
    assert.equal(t.ES.instances.length, 0);
  });

  test('4000 (too slow) and 4001 (idle) reconnect with backoff and resume', () => {
    for (const code of [4000, 4001, 1011]) {
      const t = setup({ random: () => 0.5 });
      const ws = goLive(t);
      ws.deliver(snapshot(G, 4, 2));
      ws.serverClose(code);
      t.clock.advance(250);
      assert.equal(t.WS.instances.length, 2, `code ${code}`);
      t.ws().open();
      assert.deepEqual(t.ws().sent[0].resume, { [G]: { epoch: 4, seq: 2 } });
    }
  });

  test('silence past 2.5 heartbeats drops the connection and reconnects', () => {
    const t = setup({ random: () => 0 });
    const ws = goLive(t);
    t.clock.advance(HEARTBEAT_MS * 2);
    ws.deliver({ type: 'heartbeat', t: 123 });
    t.clock.advance(HEARTBEAT_MS * 2.5 - 1);
    assert.equal(t.WS.instances.length, 1);
    t.clock.advance(1);
    assert.equal(ws.closedWith.code, 4100);
    assert.equal(t.WS.instances.length, 2);
    assert.equal(t.client.state, ConnectionState.RECONNECTING);
  });

  test('an attempt that hangs without hello times out and counts as failed', () => {
    const t = setup({ random: () => 0 });
    t.client.connect();
    t.clock.advance(10000);
    assert.ok(t.ws(0).closedWith);
    assert.equal(t.WS.instances.length, 2);
  });

  test('close() stops everything', () => {
    const t = setup();
    const ws = goLive(t);
    t.client.close();
    assert.equal(t.client.state, ConnectionState.CLOSED);
    assert.equal(ws.closedWith.code, 1000);
    t.clock.advance(600000);
    assert.equal(t.WS.instances.length, 1);
    assert.equal(t.ES.instances.length, 0);
  });
});

describe('SSE fallback', () => {
  test('cursor format: gameId:epoch:seq, comma-separated; parse round-trips', () => {
    const m = new Map([
      [G, { epoch: 1, seq: 42 }],
      [H, { epoch: 1, seq: 7 }],
    ]);
    assert.equal(formatCursor(m), '0022000001:1:42,0022000002:1:7');
    assert.equal(formatCursor({ [G]: { epoch: 3, seq: 0 } }), '0022000001:3:0');
    assert.equal(formatCursor(new Map()), '');
    assert.deepEqual(parseCursor('0022000001:1:42,0022000002:1:7'), m);
    assert.deepEqual(parseCursor(''), new Map());
    assert.deepEqual([...parseCursor('a:1:2,bad,c:x:1,d:1:2:3,e-f.g_h:0:9').keys()], ['a', 'e-f.g_h']);
  });

  test('after 3 failed WebSocket attempts it switches to /events with the followed set and cursor', () => {
    const t = setup({ random: () => 0.5 });
    t.client.subscribe({ games: [G, H], teams: ['BOS'], allLive: true, resume: { [G]: { epoch: 1, seq: 42 }, [H]: { epoch: 1, seq: 7 } } });
    failAttempts(t, 3);
    assert.equal(t.WS.instances.length, 3);
    assert.equal(t.ES.instances.length, 1);
    const es = t.es();
    assert.equal(
      es.url,
      'http://bridge.test:8080/events?games=0022000001,0022000002&teams=BOS&allLive=1&resume=0022000001:1:42,0022000002:1:7',
    );
    assert.equal(t.client.state, ConnectionState.RECONNECTING);
    es.deliver(hello());
    assert.equal(t.client.state, ConnectionState.FALLBACK);
    assert.equal(t.client.transport, 'sse');
    es.deliver(subscribed([G, H], ['BOS'], true));
    es.deliver(event(G, 1, 43), '0022000001:1:43,0022000002:1:7');
    es.deliver(event(G, 1, 43), '0022000001:1:43,0022000002:1:7');
    es.deliver(event(H, 1, 8), '0022000001:1:43,0022000002:1:8');
    assert.deepEqual(t.seqs(G), [43]);
    assert.deepEqual(t.seqs(H), [8]);
    assert.equal(t.seen.drop.length, 1);
  });

  test('without WebSocket it uses SSE at once', () => {
    const t = setup({ noWebSocket: true });
    t.client.subscribe({ games: [G] });
    assert.equal(t.ES.instances.length, 1);
    assert.equal(t.es().url, 'http://bridge.test:8080/events?games=0022000001');
    t.es().deliver(hello());
    t.es().deliver(snapshot(G, 1, 3), '0022000001:1:3');
    assert.equal(t.client.state, ConnectionState.FALLBACK);
    assert.deepEqual(t.client.position(G), { epoch: 1, seq: 3 });
  });

  test('a server error message is not taken for a connection error', () => {
    const t = setup({ noWebSocket: true });
    t.client.subscribe({ games: [G] });
    t.es().deliver(hello());
    t.es().deliver({ type: 'error', code: 'unknown_game', message: 'no such game', games: [G] });
    assert.equal(t.seen.error.length, 1);
    assert.equal(t.ES.instances.length, 1);
    assert.equal(t.client.state, ConnectionState.FALLBACK);
  });

  test('a gap on SSE reopens the EventSource with the known position', () => {
    const t = setup({ noWebSocket: true });
    t.client.subscribe({ games: [G] });
    t.es().deliver(hello());
    t.es().deliver(snapshot(G, 1, 3), '0022000001:1:3');
    t.es().deliver(event(G, 1, 5), '0022000001:1:5');
    t.clock.flush();
    assert.equal(t.es(0).closed, true);
    assert.equal(t.ES.instances.length, 2);
    assert.equal(t.es().params.get('resume'), '0022000001:1:3');
    assert.deepEqual(t.seqs(G), []);
  });

  test('the browser reconnecting an EventSource by itself (Last-Event-ID) is left alone', () => {
    const t = setup({ noWebSocket: true });
    t.client.subscribe({ games: [G] });
    t.es().deliver(hello());
    t.es().networkError(true);
    assert.equal(t.client.state, ConnectionState.RECONNECTING);
    assert.equal(t.ES.instances.length, 1);
    t.es().deliver(hello());
    assert.equal(t.client.state, ConnectionState.FALLBACK);
  });

  test('a failed EventSource is recreated with resume from the current positions', () => {
    const t = setup({ noWebSocket: true, random: () => 0.5 });
    t.client.subscribe({ games: [G] });
    t.es().deliver(hello());
    t.es().deliver(snapshot(G, 1, 3), '0022000001:1:3');
    t.es().deliver(event(G, 1, 4), '0022000001:1:4');
    t.es().networkError(false); // e.g. HTTP 503: the browser gives up
    assert.equal(t.es(0).closed, true);
    t.clock.advance(250);
    assert.equal(t.ES.instances.length, 2);
    assert.equal(t.es().params.get('resume'), '0022000001:1:4');
    assert.equal(t.es().params.get('games'), G);
  });

  test('SSE goaway: waits retryAfterMs, then a new EventSource resumes', () => {
    const t = setup({ noWebSocket: true });
    t.client.subscribe({ games: [G] });
    t.es().deliver(hello());
    t.es().deliver(snapshot(G, 2, 9), '0022000001:2:9');
    t.es().deliver({ type: 'goaway', retryAfterMs: 1234 });
    assert.equal(t.es(0).closed, true);
    t.clock.advance(1233);
    assert.equal(t.ES.instances.length, 1);
    t.clock.advance(1);
    assert.equal(t.ES.instances.length, 2);
    assert.equal(t.es().params.get('resume'), '0022000001:2:9');
  });

  test('subscribing while on SSE reopens the stream with the new set', () => {
    const t = setup({ noWebSocket: true });
    t.client.subscribe({ games: [G] });
    t.es().deliver(hello());
    t.client.subscribe({ teams: ['LAL'] });
    t.client.subscribe({ allLive: true });
    t.clock.flush();
    assert.equal(t.ES.instances.length, 2, 'changes in one tick coalesce');
    assert.equal(t.es().params.get('teams'), 'LAL');
    assert.equal(t.es().params.get('allLive'), '1');
  });

  test('when SSE fails too, it goes back to WebSocket (server down, not WebSocket blocked)', () => {
    const t = setup({ random: () => 0 });
    t.client.subscribe({ games: [G] });
    failAttempts(t, 3);
    assert.equal(t.ES.instances.length, 1);
    t.es().networkError(false);
    t.clock.advance(1);
    assert.equal(t.WS.instances.length, 4, 'next attempt is a WebSocket');
    t.ws().open();
    t.ws().deliver(hello());
    assert.equal(t.client.state, ConnectionState.LIVE);
  });

  test('while on SSE it probes WebSocket and switches back when the probe says hello', () => {
    const t = setup({ random: () => 0.5 });
    t.client.subscribe({ games: [G] });
    failAttempts(t, 3);
    const es = t.es();
    es.deliver(hello());
    es.deliver(snapshot(G, 1, 10), '0022000001:1:10');
    assert.equal(t.client.state, ConnectionState.FALLBACK);
    const before = t.WS.instances.length;
    t.clock.advance(3000); // probeFirstMs ±50 %, random 0.5 = exactly 3000
    assert.equal(t.WS.instances.length, before + 1, 'a probe socket');
    const probe = t.ws();
    probe.open();
    assert.equal(probe.sent.length, 0, 'the probe does not subscribe before hello');
    es.deliver(event(G, 1, 11), '0022000001:1:11'); // SSE keeps delivering meanwhile
    probe.deliver(hello());
    assert.equal(es.closed, true);
    assert.equal(t.client.state, ConnectionState.LIVE);
    assert.deepEqual(probe.sent[0].resume, { [G]: { epoch: 1, seq: 11 } });
    probe.deliver(event(G, 1, 11));
    probe.deliver(event(G, 1, 12));
    assert.deepEqual(t.seqs(G), [11, 12]);
  });

  test('a failed probe leaves SSE in place and tries again later', () => {
    const t = setup({ random: () => 0.5 });
    t.client.subscribe({ games: [G] });
    failAttempts(t, 3);
    t.es().deliver(hello());
    t.clock.advance(3000);
    const n = t.WS.instances.length;
    t.ws().fail();
    assert.equal(t.client.state, ConnectionState.FALLBACK);
    assert.equal(t.es().closed, false);
    // Each failed probe doubles the wait (3 s first), up to probeEveryMs (60 s).
    let probes = n;
    const advanceAlive = (ms) => {
      // the SSE stream stays alive meanwhile (a heartbeat every 10 s)
      for (; ms > 10000; ms -= 10000) {
        t.es().deliver({ type: 'heartbeat', t: 1 });
        t.clock.advance(10000);
      }
      t.es().deliver({ type: 'heartbeat', t: 1 });
      t.clock.advance(ms);
    };
    for (const wait of [6000, 12000, 24000, 48000, 60000, 60000]) {
      advanceAlive(wait - 1);
      assert.equal(t.WS.instances.length, probes, `no probe before ${wait} ms`);
      t.clock.advance(1);
      assert.equal(t.WS.instances.length, probes + 1, `a probe after ${wait} ms`);
      probes += 1;
      t.ws().fail();
      assert.equal(t.client.state, ConnectionState.FALLBACK);
    }
  });

  test('a new fallback starts probing at probeFirstMs again', () => {
    const t = setup({ random: () => 0.5 });
    t.client.subscribe({ games: [G] });
    failAttempts(t, 3);
    t.es().deliver(hello());
    t.clock.advance(3000);
    t.ws().fail();
    t.clock.advance(6000);
    t.ws().fail(); // the next probe would come after 12 s
    t.es().networkError(false); // SSE lost too: one WebSocket attempt, then SSE anew
    failAttempts(t, 1);
    assert.equal(t.ES.instances.length, 2, 'a new EventSource');
    t.es().deliver(hello());
    const n = t.WS.instances.length;
    t.clock.advance(2999);
    assert.equal(t.WS.instances.length, n);
    t.clock.advance(1);
    assert.equal(t.WS.instances.length, n + 1, 'the first probe of a new fallback comes after 3 s');
  });
});

// ---------------------------------------------------------------- connection tokens (getToken)

const P = 'PRIV1';
const settle = () => new Promise((resolve) => setImmediate(resolve));

function setupWithToken({ noWebSocket = false } = {}) {
  const clock = new FakeClock();
  const WS = noWebSocket ? null : makeFakeWebSocket();
  const ES = makeFakeEventSource();
  const issued = [];
  const client = new CourtsideClient({
    url: 'http://bridge.test:8080',
    WebSocket: WS,
    EventSource: ES,
    setTimeout: clock.setTimeout,
    clearTimeout: clock.clearTimeout,
    random: () => 0.5,
    getToken: async () => {
      const token = `token-${issued.length + 1}`;
      issued.push(token);
      return token;
    },
  });
  const seen = { tokenExpired: [], refresh: [], authorized: [], close: [] };
  for (const k of Object.keys(seen)) client.on(k, (x) => seen[k].push(x));
  return { clock, WS, ES, client, seen, issued };
}

describe('connection tokens', () => {
  test('the token is the first message, before the subscribe', async () => {
    const t = setupWithToken();
    t.client.subscribe({ games: [P] });
    assert.equal(t.WS.instances.length, 0, 'no socket before getToken answered');
    await settle();
    const ws = t.WS.instances[0];
    ws.open();
    assert.deepEqual(ws.sent.map((m) => m.type), ['token', 'subscribe']);
    assert.equal(ws.sent[0].token, 'token-1');
    ws.deliver(hello());
    ws.deliver({ type: 'authorized', expiresAt: 1700000900000, id: ws.sent[0].id });
    ws.deliver(subscribed([P], [], false, ws.sent[1].id));
    assert.equal(t.client.state, ConnectionState.LIVE);
    assert.equal(t.seen.authorized.length, 1);
  });

  test('refresh is answered with a new token on the same socket', async () => {
    const t = setupWithToken();
    t.client.subscribe({ games: [P] });
    await settle();
    const ws = t.WS.instances[0];
    ws.open();
    ws.deliver(hello());
    ws.deliver({ type: 'refresh', expiresAt: 1700000900000, closeInMs: 10000 });
    await settle();
    assert.equal(ws.last.type, 'token');
    assert.equal(ws.last.token, 'token-2');
    assert.equal(t.seen.refresh.length, 1);
    assert.equal(t.WS.instances.length, 1, 'the connection is kept');
  });

  test('expired then close 4002 is reported once, and the reconnect gets a fresh token', async () => {
    const t = setupWithToken();
    t.client.subscribe({ games: [P] });
    await settle();
    const ws = t.WS.instances[0];
    ws.open();
    ws.deliver(hello());
    ws.deliver({ type: 'expired', message: 'the connection token expired and no new one came' });
    ws.serverClose(CloseCode.TOKEN_EXPIRED, 'token expired');
    assert.equal(t.seen.tokenExpired.length, 1);
    assert.equal(t.seen.tokenExpired[0].code, 4002);
    assert.equal(t.seen.close.at(-1).code, 4002);
    assert.equal(t.client.state, ConnectionState.RECONNECTING);
    t.clock.advance(1000);
    await settle();
    const next = t.WS.instances[1];
    assert.ok(next, 'reconnected');
    next.open();
    assert.equal(next.sent[0].type, 'token');
    assert.equal(next.sent[0].token, 'token-2');
  });

  test('SSE carries the token in its URL, reopens on refresh and reconnects after expired', async () => {
    const t = setupWithToken({ noWebSocket: true });
    t.client.subscribe({ games: [P] });
    await settle();
    const es = t.ES.instances[0];
    assert.equal(es.params.get('token'), 'token-1');
    es.deliver(hello());
    es.deliver({ type: 'refresh', expiresAt: 1700000900000, closeInMs: 10000 });
    await settle();
    t.clock.flush();
    assert.ok(es.closed, 'the old stream is closed');
    const reopened = t.ES.instances.at(-1);
    assert.equal(reopened.params.get('token'), 'token-2');
    reopened.deliver(hello());
    reopened.deliver({ type: 'expired', message: 'the connection token expired and no new one came' });
    assert.equal(t.seen.tokenExpired.length, 1);
    assert.equal(t.seen.tokenExpired[0].transport, 'sse');
    t.clock.advance(1000);
    await settle();
    assert.equal(t.ES.instances.at(-1).params.get('token'), 'token-3');
  });

  test('a getToken that fails is reported and retried with backoff', async () => {
    const clock = new FakeClock();
    const WS = makeFakeWebSocket();
    let calls = 0;
    const client = new CourtsideClient({
      url: 'http://bridge.test:8080', WebSocket: WS, EventSource: null, setTimeout: clock.setTimeout, clearTimeout: clock.clearTimeout,
      random: () => 0.5,
      getToken: async () => {
        calls += 1;
        if (calls === 1) throw new Error('signed out');
        return 'token-ok';
      },
    });
    const errors = [];
    client.on('error', (e) => errors.push(e));
    client.subscribe({ games: [P] });
    await settle();
    assert.equal(WS.instances.length, 0);
    assert.match(errors[0].message, /getToken failed: signed out/);
    clock.advance(1000);
    await settle();
    assert.equal(WS.instances.length, 1);
  });
});
