// Unit tests of the page's display helpers (services/bridge/public/format.js).

import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  clockNow,
  formatClock,
  periodLabel,
  periodName,
  playText,
  scoreAnnouncement,
  showsClock,
  statusLabel,
  textColorOn,
} from '../../../services/bridge/public/format.js';

const live = (extra = {}) => ({ home: 54, away: 50, period: 2, clockMs: 431000, clockRunning: true, status: 'live', ...extra });

test('period labels: Q1..Q4, OT, 2OT, ...', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7, 10].map((p) => periodLabel(p)), ['', 'Q1', 'Q2', 'Q3', 'Q4', 'OT', '2OT', '3OT', '6OT']);
  assert.deepEqual([1, 4, 5].map((p) => periodLabel(p, 4)), ['Q1', 'Q4', 'OT']);
  assert.equal(periodName(3), 'quarter 3');
  assert.equal(periodName(5), 'overtime');
  assert.equal(periodName(6), 'overtime 2');
});

test('period labels in a league of halves: H1, H2, OT, 2OT, ...', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 8].map((p) => periodLabel(p, 2)), ['', 'H1', 'H2', 'OT', '2OT', '6OT']);
  assert.equal(periodName(2, 2), 'half 2');
  assert.equal(periodName(3, 2), 'overtime');
  assert.equal(periodName(4, 2), 'overtime 2');
  // A missing or malformed count (an older bridge) means quarters.
  for (const count of [undefined, null, 0, -2, 2.5, '2']) assert.equal(periodLabel(3, count), 'Q3');
  assert.equal(statusLabel(live(), undefined, undefined, 2), 'H2');
  assert.equal(statusLabel(live({ period: 3 }), undefined, undefined, 2), 'OT');
  assert.equal(statusLabel(live({ clockMs: 0, clockRunning: false }), undefined, undefined, 2), 'End H2');
  assert.equal(statusLabel(live({ status: 'final', period: 2 }), undefined, undefined, 2), 'Final');
  assert.equal(statusLabel(live({ status: 'final', period: 3 }), undefined, undefined, 2), 'Final/OT');
  assert.equal(statusLabel(live({ status: 'final', period: 4 }), undefined, undefined, 2), 'Final/2OT');
});

test('clock: M:SS from a minute up, tenths below, truncated like an arena clock', () => {
  assert.equal(formatClock(720000), '12:00');
  assert.equal(formatClock(719999), '11:59');
  assert.equal(formatClock(431000), '7:11');
  assert.equal(formatClock(60000), '1:00');
  assert.equal(formatClock(59999), '59.9');
  assert.equal(formatClock(5230), '5.2');
  assert.equal(formatClock(99), '0.0');
  assert.equal(formatClock(0), '0.0');
  assert.equal(formatClock(-5), '0.0');
});

test('clock runs down between updates only while running', () => {
  assert.equal(clockNow(live(), 1000, 3500), 428500);
  assert.equal(clockNow(live({ clockRunning: false }), 1000, 3500), 431000);
  assert.equal(clockNow(live({ clockMs: 1000 }), 0, 5000), 0, 'clamped at zero');
});

test('status line', () => {
  assert.equal(statusLabel(live()), 'Q2');
  assert.equal(statusLabel(live({ period: 5 })), 'OT');
  assert.equal(statusLabel(live({ clockMs: 0, clockRunning: false })), 'End Q2');
  assert.equal(statusLabel(live({ period: 0 })), 'Tip-off');
  assert.equal(statusLabel(live({ status: 'halftime' })), 'Halftime');
  assert.equal(statusLabel(live({ status: 'final', period: 4 })), 'Final');
  assert.equal(statusLabel(live({ status: 'final', period: 6 })), 'Final/2OT');
  assert.equal(statusLabel(live({ status: 'postponed' })), 'Postponed');
  assert.equal(statusLabel(live({ status: 'cancelled' })), 'Cancelled');
  assert.equal(statusLabel({ status: 'scheduled', period: 0 }, 1700006400000, () => '7:00 PM'), '7:00 PM');
  assert.equal(statusLabel({ status: 'scheduled', period: 0 }), 'Scheduled');
  assert.equal(showsClock(live()), true);
  assert.equal(showsClock(live({ status: 'halftime' })), false);
  assert.equal(showsClock(live({ clockMs: 0, clockRunning: false })), false);
});

test('team colour text picks the more readable ink', () => {
  assert.equal(textColorOn('#007A33'), '#ffffff'); // Celtics green
  assert.equal(textColorOn('#FDB927'), '#111111'); // Lakers gold
  assert.equal(textColorOn('#000000'), '#ffffff');
  assert.equal(textColorOn('#ffffff'), '#111111');
  assert.equal(textColorOn('nonsense'), '#ffffff');
});

test('screen reader announcement and play text', () => {
  const away = { name: 'Lakers' };
  const home = { name: 'Celtics' };
  assert.equal(scoreAnnouncement(away, home, live()), 'Lakers 50, Celtics 54, quarter 2.');
  assert.equal(scoreAnnouncement(away, home, live({ status: 'final', period: 5 })), 'Final: Lakers 50, Celtics 54.');
  assert.equal(playText({ kind: 'basket', description: 'Tatum jumper', points: 2 }), 'Tatum jumper');
  assert.equal(playText({ kind: 'free_throw', team: 'BOS', player: 'Brown', points: 1, description: '' }), 'free throw: Brown, BOS (+1)');
  assert.equal(playText({ kind: 'period_end', points: 0, description: '' }), 'period end');
});
