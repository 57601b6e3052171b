// The Courtside scoreboard page: today's games, live, and a play-by-play view per game
// (#/game/<id>). Plain ES module, no build step; talks to the bridge through courtside-client.js
// and the JSON API (docs/protocol.md).
//
// Hooks for test automation (kept stable):
// - each game card: [data-game-id], with data-epoch / data-seq = the last rendered position and
//   data-status; scores: [data-testid="home-score"], [data-testid="away-score"]
// - the connection indicator: [data-testid="connection"][data-state="live|reconnecting|fallback"]
// - window.courtsideRendered: {game, epoch, seq, type: 'snapshot'|'event', reason?} appended for
//   every snapshot (reason 'api' for the JSON API's) and event the page renders, in order.
// - window.courtsideClient: the CourtsideClient instance.
// - the league filter: [data-testid="league-filter"] (a <select>; "" = all leagues), remembered in
//   localStorage under "courtside.league"; each league's games: [data-testid="league-section"]
//   with data-league = the league id, its name in .league-title.
// - window.courtsideClientOptions, if set before this module runs: extra CourtsideClient options
//   (timings such as probeFirstMs; see courtside-client.js), for embedders and tests.

import { CourtsideClient } from './courtside-client.js';
import {
  clockNow,
  formatClock,
  periodLabel,
  playText,
  scoreAnnouncement,
  showsClock,
  statusLabel,
  textColorOn,
} from './format.js';

const rendered = (window.courtsideRendered = window.courtsideRendered || []);
const base = new URL('.', window.location.href); // works when the page is served under a prefix
const client = new CourtsideClient({ ...(window.courtsideClientOptions || {}), url: base.href.replace(/\/$/, '') });
window.courtsideClient = client;

const dom = {
  connection: document.querySelector('[data-testid="connection"]'),
  connectionLabel: document.querySelector('[data-testid="connection"] .label'),
  date: document.getElementById('date'),
  leagueFilter: document.getElementById('league-filter'),
  scoreboardView: document.getElementById('scoreboard-view'),
  scoreboard: document.getElementById('scoreboard'),
  scoreboardStatus: document.getElementById('scoreboard-status'),
  gameView: document.getElementById('game-view'),
  gameHeader: document.getElementById('game-header'),
  gameTitle: document.getElementById('game-title'),
  plays: document.getElementById('plays'),
  playsStatus: document.getElementById('plays-status'),
  playsMore: document.getElementById('plays-more'),
  sentinel: document.getElementById('plays-sentinel'),
  announcer: document.getElementById('announcer'),
};

/**
 * Per game: the schedule data, the rendered state and position, and the DOM views showing it.
 * @type {Map<string, {game: object, state: ?object, epoch: ?number, seq: ?number,
 *   receivedAt: number, views: Array<object>, onBoard: boolean}>}
 */
const models = new Map();
const PAGE_TITLE = document.title;

// ------------------------------------------------------------------ helpers

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('data-') || k.startsWith('aria-') || k === 'role' || k === 'href' || k === 'hidden') {
      el.setAttribute(k, v === true ? '' : String(v));
    } else el[k] = v;
  }
  for (const c of children.flat()) if (c != null) el.append(c);
  return el;
}

function apiUrl(path, params = {}) {
  const url = new URL(path, base);
  for (const [k, v] of Object.entries(params)) if (v != null) url.searchParams.set(k, String(v));
  return url;
}

async function getJSON(url) {
  const res = await fetch(url, { headers: { Accept: 'application/json' }, cache: 'no-store' });
  if (!res.ok) {
    let message = `HTTP ${res.status}`;
    try {
      const body = await res.json();
      if (body && body.error && body.error.message) message = body.error.message;
    } catch (_) {
      /* not JSON */
    }
    const err = new Error(message);
    err.status = res.status;
    throw err;
  }
  return res.json();
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function teamName(team) {
  return team.name || team.city || team.tricode || team.id;
}

function paintTeam(el, team) {
  const color = /^#[0-9a-f]{6}$/i.test(team.primaryColor || '') ? team.primaryColor : '#5b6573';
  el.style.setProperty('--team-color', color);
  el.style.setProperty('--team-ink', textColorOn(color));
}

function announce(text) {
  dom.announcer.append(h('p', { text }));
  while (dom.announcer.childElementCount > 3) dom.announcer.firstElementChild.remove();
}

// ------------------------------------------------------------------ connection indicator

const CONNECTION_LABELS = {
  idle: 'Connecting…',
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  fallback: 'Live (fallback)',
  closed: 'Offline',
};

function showConnection(state) {
  const shown = state === 'live' || state === 'fallback' ? state : 'reconnecting';
  dom.connection.dataset.state = shown;
  dom.connection.dataset.clientState = state;
  dom.connectionLabel.textContent = CONNECTION_LABELS[state] || state;
  dom.connection.title =
    state === 'fallback'
      ? 'Connected through Server-Sent Events (WebSocket unavailable)'
      : state === 'live'
        ? 'Connected: scores update live'
        : 'Connection lost: reconnecting, nothing will be missed';
}

client.on('state', ({ state }) => showConnection(state));
showConnection(client.state);

// ------------------------------------------------------------------ game views (card, header)

function scoreView(model, kind) {
  const { game } = model;
  const isCard = kind === 'card';
  const prefix = isCard ? '' : 'detail-';
  const teamRow = (side) => {
    const team = game[side];
    const row = h(
      'div',
      { class: `team ${side}` },
      h('span', { class: 'badge', 'aria-hidden': 'true', text: team.tricode || team.id }),
      h(
        'span',
        { class: 'team-name' },
        isCard ? null : h('span', { class: 'city', text: team.city ? `${team.city} ` : '' }),
        teamName(team),
      ),
      h('span', { class: 'score', 'data-testid': `${prefix}${side}-score`, text: '' }),
    );
    paintTeam(row, team);
    return row;
  };
  const away = teamRow('away');
  const home = teamRow('home');
  const status = h('span', { class: 'status' });
  const clock = h('span', { class: 'clock', 'aria-hidden': 'true' });
  const meta = h('div', { class: 'meta' }, status, clock);
  const label = `${teamName(game.away)} at ${teamName(game.home)}`;
  let root;
  if (isCard) {
    const link = h('a', { class: 'game-link', href: `#/game/${encodeURIComponent(game.id)}` }, away, home, meta);
    root = h('li', { class: 'game', 'data-game-id': game.id, 'data-testid': 'game' }, link);
    root.link = link;
  } else {
    root = h(
      'div',
      { class: 'game detail', 'data-testid': 'game-detail' },
      away,
      home,
      meta,
      h('p', { class: 'venue', text: game.venue || '' }),
    );
  }
  const view = {
    kind,
    root,
    label,
    homeScore: home.querySelector('.score'),
    awayScore: away.querySelector('.score'),
    home,
    away,
    status,
    clock,
  };
  model.views.push(view);
  paintView(model, view, false);
  return view;
}

function paintView(model, view, changed) {
  const st = model.state;
  const { root } = view;
  if (model.seq != null) {
    root.dataset.epoch = String(model.epoch);
    root.dataset.seq = String(model.seq);
  }
  root.dataset.status = st ? st.status : model.game.status;
  const home = st ? String(st.home) : '';
  const away = st ? String(st.away) : '';
  const homeChanged = view.homeScore.textContent !== home;
  const awayChanged = view.awayScore.textContent !== away;
  view.homeScore.textContent = home;
  view.awayScore.textContent = away;
  if (changed && homeChanged) flash(view.home);
  if (changed && awayChanged) flash(view.away);
  const state = st || { status: model.game.status, period: 0, clockMs: 0, clockRunning: false };
  view.status.textContent = statusLabel(state, model.game.startTime, undefined, regulationPeriods(model.game));
  paintClock(model, view, performance.now());
  if (st && st.status === 'final' && st.home !== st.away) {
    view.home.classList.toggle('winner', st.home > st.away);
    view.away.classList.toggle('winner', st.away > st.home);
  } else {
    view.home.classList.remove('winner');
    view.away.classList.remove('winner');
  }
  if (view.kind === 'card') {
    const parts = [view.label];
    if (st) parts.push(`${teamName(model.game.away)} ${st.away}, ${teamName(model.game.home)} ${st.home}`);
    parts.push(view.status.textContent);
    root.link.setAttribute('aria-label', parts.join('. '));
  }
}

function paintClock(model, view, now) {
  const st = model.state;
  const text = st && showsClock(st) ? formatClock(clockNow(st, model.receivedAt, now)) : '';
  if (view.clock.textContent !== text) view.clock.textContent = text;
  view.clock.classList.toggle('running', !!(st && st.clockRunning && text));
}

function flash(el) {
  el.classList.remove('flash');
  void el.offsetWidth; // restart the animation
  el.classList.add('flash');
  clearTimeout(el.flashTimer);
  // Also ends the static highlight used with prefers-reduced-motion (no animationend there).
  el.flashTimer = setTimeout(() => el.classList.remove('flash'), 1300);
}

// The clocks run down smoothly between updates while a game's clock is running.
let ticker = null;
function tick() {
  const now = performance.now();
  let running = false;
  for (const model of models.values()) {
    if (!model.state || !model.state.clockRunning) continue;
    running = true;
    for (const view of model.views) paintClock(model, view, now);
  }
  if (!running) {
    clearInterval(ticker);
    ticker = null;
  }
}
function ensureTicker() {
  if (!ticker) ticker = setInterval(tick, 100);
}

/**
 * Renders a game's new state at (epoch, seq) on every view of it and records it.
 * @param {object} model
 * @param {object} st GameState
 * @param {{epoch: number, seq: number, type: string, reason?: string, quiet?: boolean}} at
 */
function render(model, st, at) {
  const previous = model.state;
  model.state = st;
  model.epoch = at.epoch;
  model.seq = at.seq;
  model.receivedAt = performance.now();
  for (const view of model.views) paintView(model, view, !!previous);
  const entry = { game: model.game.id, epoch: at.epoch, seq: at.seq, type: at.type };
  if (at.reason) entry.reason = at.reason;
  rendered.push(entry);
  if (previous && !at.quiet) {
    const scoreChanged = previous.home !== st.home || previous.away !== st.away;
    const wentFinal = previous.status !== 'final' && st.status === 'final';
    if (scoreChanged || wentFinal) announce(scoreAnnouncement(model.game.away, model.game.home, st, regulationPeriods(model.game)));
  }
  if (st.clockRunning) ensureTicker();
}

function addModel(game, onBoard) {
  let model = models.get(game.id);
  if (!model) {
    model = { game, state: null, epoch: null, seq: null, receivedAt: 0, views: [], onBoard };
    models.set(game.id, model);
    if (game.snapshot) {
      render(model, game.snapshot.state, { epoch: game.snapshot.epoch, seq: game.snapshot.seq, type: 'snapshot', reason: 'api', quiet: true });
    }
  }
  model.onBoard = model.onBoard || onBoard;
  return model;
}

function resumeOf(model) {
  return model.seq != null ? { [model.game.id]: { epoch: model.epoch, seq: model.seq } } : {};
}

// ------------------------------------------------------------------ live updates

client.on('snapshot', (msg) => {
  const model = models.get(msg.game);
  if (!model) return;
  render(model, msg.state, { epoch: msg.epoch, seq: msg.seq, type: 'snapshot', reason: msg.reason });
  if (gameView && gameView.id === msg.game) playsOnSnapshot(msg);
});

client.on('event', (msg) => {
  const model = models.get(msg.game);
  if (!model) return;
  render(model, msg.state, { epoch: msg.epoch, seq: msg.seq, type: 'event' });
  if (gameView && gameView.id === msg.game) playsOnEvent(msg);
});

client.on('error', (msg) => {
  if (globalThis.console) console.warn('courtside:', msg.code, msg.message);
});

// ------------------------------------------------------------------ leagues

const LEAGUE_KEY = 'courtside.league';
/** League id → {id, name, shortName, regulationPeriods}, from GET /api/leagues. */
const leagues = new Map();

function storedLeague() {
  try {
    return window.localStorage.getItem(LEAGUE_KEY) || '';
  } catch (_) {
    return ''; // storage disabled: the choice lasts as long as the page
  }
}

function storeLeague(id) {
  try {
    if (id) window.localStorage.setItem(LEAGUE_KEY, id);
    else window.localStorage.removeItem(LEAGUE_KEY);
  } catch (_) {
    /* storage disabled */
  }
}

let chosenLeague = storedLeague();

function leagueName(id) {
  const league = leagues.get(id);
  if (league) return league.shortName || league.name || id;
  return id ? id.toUpperCase() : 'Games';
}

/** The regulation periods of a game's league (undefined before GET /api/leagues answers: quarters). */
function regulationPeriods(game) {
  return leagues.get(game?.league || 'nba')?.regulationPeriods;
}

function fillLeagueFilter() {
  const options = [h('option', { value: '', text: 'All leagues' })];
  for (const league of leagues.values()) {
    options.push(h('option', { value: league.id, text: league.shortName || league.name || league.id }));
  }
  // A remembered league the bridge no longer lists stays selectable until the user changes it.
  if (chosenLeague && !leagues.has(chosenLeague)) options.push(h('option', { value: chosenLeague, text: leagueName(chosenLeague) }));
  dom.leagueFilter.replaceChildren(...options);
  dom.leagueFilter.value = chosenLeague;
}

async function loadLeagues() {
  try {
    const body = await getJSON(apiUrl('api/leagues'));
    leagues.clear();
    for (const league of body.leagues || []) leagues.set(league.id, league);
  } catch (_) {
    /* an older bridge: the sections are named by id */
  }
  fillLeagueFilter();
}

dom.leagueFilter.addEventListener('change', () => {
  chosenLeague = dom.leagueFilter.value;
  storeLeague(chosenLeague);
  loadScoreboard();
});

// ------------------------------------------------------------------ scoreboard

let scoreboardLoad = 0;

async function loadScoreboard() {
  const params = new URLSearchParams(window.location.search);
  const date = /^\d{4}-\d{2}-\d{2}$/.test(params.get('date') || '') ? params.get('date') : null;
  const load = ++scoreboardLoad;
  for (let delay = 1000; ; delay = Math.min(delay * 2, 15000)) {
    try {
      const league = chosenLeague || null;
      const body = await getJSON(apiUrl('api/games', { date, league }));
      if (load !== scoreboardLoad) return; // the filter changed meanwhile
      renderScoreboard(body);
      return;
    } catch (err) {
      if (load !== scoreboardLoad) return;
      if (err.status === 400 && chosenLeague) {
        // The remembered league is not one the bridge knows (any more): show every league.
        chosenLeague = '';
        storeLeague('');
        fillLeagueFilter();
        continue;
      }
      dom.scoreboardStatus.hidden = false;
      dom.scoreboardStatus.textContent = `Could not load the games (${err.message}). Retrying…`;
      await sleep(delay);
    }
  }
}

function renderScoreboard(body) {
  const day = new Date(`${body.date}T12:00:00`);
  dom.date.textContent = Number.isNaN(day.getTime())
    ? body.date
    : day.toLocaleDateString([], { weekday: 'short', month: 'short', day: 'numeric' });
  dom.date.dateTime = body.date;
  // One section per league, in the order of GET /api/leagues (then any other, by id).
  const byLeague = new Map();
  const resume = {};
  const shown = new Set();
  for (const game of body.games) {
    const league = game.league || '';
    if (!byLeague.has(league)) byLeague.set(league, []);
    const model = addModel(game, true);
    let card = model.views.find((v) => v.kind === 'card');
    if (!card) card = scoreView(model, 'card');
    byLeague.get(league).push(card.root);
    shown.add(game.id);
    Object.assign(resume, resumeOf(model));
  }
  const order = [...leagues.keys()];
  const ids = [...byLeague.keys()].sort((a, b) => {
    const ia = order.indexOf(a);
    const ib = order.indexOf(b);
    return (ia < 0 ? order.length : ia) - (ib < 0 ? order.length : ib) || a.localeCompare(b);
  });
  const sections = ids.map((league) => {
    const titleId = `league-${league || 'other'}`;
    return h(
      'section',
      { class: 'league', 'data-testid': 'league-section', 'data-league': league, 'aria-labelledby': titleId },
      h('h2', { class: 'league-title', id: titleId, text: leagueName(league) }),
      h('ul', { class: 'scoreboard' }, byLeague.get(league)),
    );
  });
  dom.scoreboard.replaceChildren(...sections);
  // Games of another league (the filter changed) are no longer followed.
  const gone = [];
  for (const model of models.values()) {
    if (!model.onBoard || shown.has(model.game.id)) continue;
    model.onBoard = false;
    model.views = model.views.filter((v) => v.kind !== 'card');
    if (!gameView || gameView.id !== model.game.id) gone.push(model.game.id);
  }
  if (gone.length) client.unsubscribe({ games: gone });
  dom.scoreboardStatus.hidden = body.games.length > 0;
  dom.scoreboardStatus.textContent = body.games.length ? '' : chosenLeague ? `No ${leagueName(chosenLeague)} games today.` : 'No games today.';
  const games = body.games.map((g) => g.id);
  if (games.length) client.subscribe({ games, resume });
  else client.connect();
}

// ------------------------------------------------------------------ game view (play-by-play)

/** @type {?{id: string, model: ?object, epoch: ?number, newest: number, nextBefore: ?number,
 *   loading: boolean, token: number, pending: Array<object>, own: boolean, items: Map<number, Element>}} */
let gameView = null;

function route() {
  const m = /^#\/game\/([A-Za-z0-9_.%-]{1,200})$/.exec(window.location.hash);
  if (m) openGame(decodeURIComponent(m[1]));
  else closeGame();
}

async function openGame(id) {
  if (gameView && gameView.id === id) return;
  closeGame(false);
  const viewState = { id, model: null, epoch: null, newest: 0, nextBefore: null, loading: false, token: 0, pending: [], own: false, items: new Map() };
  gameView = viewState;
  dom.scoreboardView.hidden = true;
  dom.gameView.hidden = false;
  dom.gameHeader.replaceChildren(h('p', { class: 'notice', text: 'Loading…' }));
  dom.plays.replaceChildren();
  dom.playsStatus.textContent = '';
  dom.playsMore.hidden = true;
  window.scrollTo(0, 0);

  let model = models.get(id);
  if (!model) {
    try {
      model = addModel(await getJSON(apiUrl(`api/games/${encodeURIComponent(id)}`)), false);
    } catch (err) {
      if (gameView !== viewState) return;
      dom.gameHeader.replaceChildren(h('p', { class: 'notice', text: err.status === 404 ? 'No such game.' : `Could not load the game (${err.message}).` }));
      dom.gameTitle.focus();
      return;
    }
    if (gameView !== viewState) return;
  }
  // The period labels depend on the league (quarters or halves).
  await leaguesReady;
  if (gameView !== viewState) return;
  viewState.model = model;
  if (!model.onBoard) {
    viewState.own = true;
    client.subscribe({ games: [id], resume: resumeOf(model) });
  }
  const header = scoreView(model, 'detail');
  viewState.header = header;
  dom.gameHeader.replaceChildren(header.root);
  document.title = `${model.game.away.tricode} @ ${model.game.home.tricode} — ${PAGE_TITLE}`;
  dom.gameTitle.focus();
  loadPlays(true);
}

function closeGame(restoreFocus = true) {
  const v = gameView;
  if (!v) {
    dom.gameView.hidden = true;
    dom.scoreboardView.hidden = false;
    return;
  }
  gameView = null;
  if (v.model && v.header) v.model.views = v.model.views.filter((x) => x !== v.header);
  if (v.own && v.model && !v.model.onBoard) client.unsubscribe({ games: [v.id] });
  dom.gameView.hidden = true;
  dom.scoreboardView.hidden = false;
  dom.plays.replaceChildren();
  dom.gameHeader.replaceChildren();
  document.title = PAGE_TITLE;
  if (restoreFocus) {
    const card = dom.scoreboard.querySelector(`[data-game-id="${CSS.escape(v.id)}"] a`);
    if (card) card.focus();
  }
}

/** Loads the newest page (reset) or the next older page of plays. */
async function loadPlays(reset) {
  const v = gameView;
  if (!v || (!reset && (v.loading || v.nextBefore == null))) return;
  const token = ++v.token;
  v.loading = true;
  if (reset) v.epoch = null; // live events wait in v.pending until the page is in
  dom.playsStatus.textContent = 'Loading plays…';
  try {
    const body = await getJSON(apiUrl(`api/games/${encodeURIComponent(v.id)}/events`, { limit: 50, before: reset ? null : v.nextBefore }));
    if (gameView !== v || token !== v.token) return;
    if (reset) {
      v.items.clear();
      dom.plays.replaceChildren();
      v.epoch = body.epoch;
      v.newest = 0;
    } else if (body.epoch !== v.epoch) {
      v.loading = false;
      loadPlays(true);
      return;
    }
    for (const ev of body.events) insertPlay(v, ev);
    v.nextBefore = body.nextBefore;
    v.loading = false;
    dom.playsStatus.textContent = v.nextBefore == null ? (v.items.size ? 'Start of the game.' : 'No plays yet.') : '';
    dom.playsMore.hidden = v.nextBefore == null;
    // Live events that arrived while the first page loaded.
    const pending = v.pending;
    v.pending = [];
    for (const ev of pending) playsOnEvent(ev);
    // Keep filling while the end of the list is on screen.
    if (v.nextBefore != null && sentinelVisible()) loadPlays(false);
  } catch (err) {
    if (gameView !== v || token !== v.token) return;
    v.loading = false;
    dom.playsStatus.textContent = `Could not load plays (${err.message}).`;
    dom.playsMore.hidden = false;
    if (reset) v.nextBefore = null;
  }
}

/** Fetches the plays between `after` (exclusive) and `before` (exclusive) that the list lacks. */
async function fillPlays(v, after, before) {
  const missing = before - after - 1;
  if (missing <= 0) return;
  try {
    const body = await getJSON(apiUrl(`api/games/${encodeURIComponent(v.id)}/events`, { before, limit: Math.min(200, missing) }));
    if (gameView !== v || body.epoch !== v.epoch) return;
    for (const ev of body.events) if (ev.seq > after) insertPlay(v, ev);
  } catch (_) {
    /* the list stays incomplete; a reload of the view fixes it */
  }
}

function playsOnEvent(ev) {
  const v = gameView;
  if (!v || v.id !== ev.game) return;
  if (v.epoch == null) {
    v.pending.push(ev);
    return;
  }
  if (ev.epoch !== v.epoch) {
    loadPlays(true);
    return;
  }
  const newest = v.newest;
  insertPlay(v, ev);
  if (newest > 0 && ev.seq > newest + 1) fillPlays(v, newest, ev.seq);
}

function playsOnSnapshot(msg) {
  const v = gameView;
  if (!v || v.epoch == null) return;
  if (msg.reason === 'collapsed' && msg.epoch === v.epoch) {
    // The events up to the snapshot's position were skipped on the stream: fetch them.
    if (msg.seq > v.newest) fillPlays(v, v.newest, msg.seq + 1);
  } else if (msg.epoch !== v.epoch || msg.reason === 'reset') {
    loadPlays(true);
  }
}

function insertPlay(v, ev) {
  if (v.items.has(ev.seq)) return;
  const model = v.model;
  const teamSide = model && ev.team ? (ev.team === model.game.home.id ? 'home' : ev.team === model.game.away.id ? 'away' : null) : null;
  const teamInfo = teamSide ? model.game[teamSide] : null;
  const when = [periodLabel(ev.state.period, model && regulationPeriods(model.game)), ev.state.period > 0 ? formatClock(ev.state.clockMs) : ''].filter(Boolean).join(' ');
  const badge = h('span', { class: 'badge', text: teamInfo ? teamInfo.tricode : ev.team || '' });
  if (teamInfo) paintTeam(badge, teamInfo);
  else badge.classList.add('neutral');
  const li = h(
    'li',
    {
      class: `play kind-${ev.kind}${ev.points > 0 ? ' scoring' : ''}${ev.kind === 'correction' ? ' correction' : ''}`,
      'data-seq': ev.seq,
    },
    h('span', { class: 'play-time', text: when }),
    badge,
    h('span', { class: 'play-text', text: playText(ev) }),
    h('span', { class: 'play-score', text: `${ev.state.away}–${ev.state.home}` }),
  );
  // Newest first: insert before the first item with a smaller seq.
  let before = null;
  for (const [seq, el] of v.items) {
    if (seq < ev.seq && (!before || seq > before.seq)) before = { seq, el };
  }
  if (before) dom.plays.insertBefore(li, before.el);
  else dom.plays.append(li);
  v.items.set(ev.seq, li);
  if (ev.seq > v.newest) v.newest = ev.seq;
}

function sentinelVisible() {
  const r = dom.sentinel.getBoundingClientRect();
  return r.top < window.innerHeight + 400;
}

if ('IntersectionObserver' in window) {
  new IntersectionObserver(
    (entries) => {
      if (entries.some((e) => e.isIntersecting)) loadPlays(false);
    },
    { rootMargin: '400px 0px' },
  ).observe(dom.sentinel);
}
dom.playsMore.addEventListener('click', () => {
  if (gameView && gameView.epoch == null) loadPlays(true);
  else loadPlays(false);
});

// ------------------------------------------------------------------ start

window.addEventListener('hashchange', route);
fillLeagueFilter();
const leaguesReady = loadLeagues();
route();
leaguesReady.then(loadScoreboard);
