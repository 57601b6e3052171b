/**
 * @file format.js — pure display helpers for the Courtside page (no DOM), shared by app.js and
 * the unit tests.
 */

/**
 * How many regulation periods a league plays: GET /api/leagues' `regulationPeriods` (2 halves,
 * or 4 quarters when it is missing or not a positive integer).
 * @param {number} [regulationPeriods]
 * @returns {number}
 */
function regulation(regulationPeriods) {
  return Number.isInteger(regulationPeriods) && regulationPeriods > 0 ? regulationPeriods : 4;
}

/**
 * The period's short label: Q1–Q4 (H1–H2 in a league of halves), then OT, 2OT, 3OT, …; ""
 * before tip-off.
 * @param {number} period
 * @param {number} [regulationPeriods] the league's regulation periods (4 when omitted)
 * @returns {string}
 */
export function periodLabel(period, regulationPeriods) {
  if (!Number.isInteger(period) || period <= 0) return '';
  const periods = regulation(regulationPeriods);
  if (period <= periods) return `${periods === 2 ? 'H' : 'Q'}${period}`;
  const ot = period - periods;
  return ot === 1 ? 'OT' : `${ot}OT`;
}

/**
 * The period's spoken name, for screen readers.
 * @param {number} period
 * @param {number} [regulationPeriods] the league's regulation periods (4 when omitted)
 * @returns {string}
 */
export function periodName(period, regulationPeriods) {
  if (!Number.isInteger(period) || period <= 0) return '';
  const periods = regulation(regulationPeriods);
  if (period <= periods) return `${periods === 2 ? 'half' : 'quarter'} ${period}`;
  const ot = period - periods;
  return ot === 1 ? 'overtime' : `overtime ${ot}`;
}

/**
 * A game clock as shown on a scoreboard: "M:SS" from one minute up, "S.t" (tenths) below.
 * Truncates like an arena clock (12:00 shows 11:59 as soon as it runs).
 * @param {number} ms time left in the period
 * @returns {string}
 */
export function formatClock(ms) {
  const t = Math.max(0, Math.floor(Number.isFinite(ms) ? ms : 0));
  if (t >= 60000) {
    const totalSeconds = Math.floor(t / 1000);
    const m = Math.floor(totalSeconds / 60);
    const s = totalSeconds % 60;
    return `${m}:${String(s).padStart(2, '0')}`;
  }
  const tenths = Math.floor(t / 100);
  return `${Math.floor(tenths / 10)}.${tenths % 10}`;
}

/**
 * The clock value to show now: runs down from `clockMs` since `receivedAt` while the clock is
 * running (clamped at 0).
 * @param {{clockMs: number, clockRunning: boolean}} state
 * @param {number} receivedAt when the state was received (same time base as `now`)
 * @param {number} now
 * @returns {number}
 */
export function clockNow(state, receivedAt, now) {
  if (!state) return 0;
  if (!state.clockRunning) return state.clockMs;
  return Math.max(0, state.clockMs - Math.max(0, now - receivedAt));
}

/**
 * The status line of a game card: "Q2" ("H2" in a league of halves), "Halftime", "Final/OT",
 * "Postponed", or the start time. The clock is shown separately for live games.
 * @param {{status: string, period: number, clockMs: number, clockRunning: boolean}} state
 * @param {number} [startTime] scheduled tip-off, ms since the epoch
 * @param {(ms: number) => string} [formatTime] formats the start time
 * @param {number} [regulationPeriods] the league's regulation periods (4 when omitted)
 * @returns {string}
 */
export function statusLabel(state, startTime, formatTime = defaultTime, regulationPeriods = undefined) {
  const status = state?.status ?? 'scheduled';
  switch (status) {
    case 'live': {
      const p = periodLabel(state.period, regulationPeriods);
      if (!p) return 'Tip-off';
      if (state.clockMs === 0 && !state.clockRunning) return `End ${p}`;
      return p;
    }
    case 'halftime':
      return 'Halftime';
    case 'final': {
      const p = periodLabel(state.period, regulationPeriods);
      return state.period > regulation(regulationPeriods) ? `Final/${p}` : 'Final';
    }
    case 'postponed':
      return 'Postponed';
    case 'cancelled':
      return 'Cancelled';
    case 'scheduled':
    default:
      return Number.isFinite(startTime) && startTime > 0 ? formatTime(startTime) : 'Scheduled';
  }
}

/** Whether the clock should be shown next to the status (a live period in progress). */
export function showsClock(state) {
  return !!state && state.status === 'live' && state.period > 0 && !(state.clockMs === 0 && !state.clockRunning);
}

function defaultTime(ms) {
  return new Date(ms).toLocaleTimeString([], { hour: 'numeric', minute: '2-digit' });
}

/**
 * Black or white, whichever reads better on `hex` (WCAG relative luminance).
 * @param {string} hex "#rrggbb"
 * @returns {string}
 */
export function textColorOn(hex) {
  const m = /^#([0-9a-f]{6})$/i.exec(hex || '');
  if (!m) return '#ffffff';
  const n = parseInt(m[1], 16);
  const channel = (v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const l = 0.2126 * channel((n >> 16) & 255) + 0.7152 * channel((n >> 8) & 255) + 0.0722 * channel(n & 255);
  // Contrast against white: 1.05 / (l + 0.05); against black: (l + 0.05) / 0.05.
  return 1.05 / (l + 0.05) >= (l + 0.05) / 0.05 ? '#ffffff' : '#111111';
}

/**
 * The sentence announced to screen readers when a score changes.
 * @param {{name: string}} away
 * @param {{name: string}} home
 * @param {{home: number, away: number, status: string, period: number}} state
 * @param {number} [regulationPeriods] the league's regulation periods (4 when omitted)
 * @returns {string}
 */
export function scoreAnnouncement(away, home, state, regulationPeriods) {
  const score = `${away.name} ${state.away}, ${home.name} ${state.home}`;
  if (state.status === 'final') return `Final: ${score}.`;
  const p = periodName(state.period, regulationPeriods);
  return p ? `${score}, ${p}.` : `${score}.`;
}

/**
 * A short description of an event for the play-by-play when the feed gave none.
 * @param {{kind: string, team?: string, points: number, player?: string, description: string}} ev
 * @returns {string}
 */
export function playText(ev) {
  if (ev.description) return ev.description;
  const who = [ev.player, ev.team].filter(Boolean).join(', ');
  const what = (ev.kind || 'other').replace(/_/g, ' ');
  const pts = ev.points ? ` (+${ev.points})` : '';
  return who ? `${what}: ${who}${pts}` : `${what}${pts}`;
}
