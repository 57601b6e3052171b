'use strict';
// Courtside's bridge in the shared fan-out harness (../shared/bench/fanout), as its README asks a
// new server to join: one adapter file. benchmarks/fanout/shared-harness starts the services and
// runs it; by hand, with schedule, score, subscription and bridge already running:
//
//   node ../shared/bench/fanout/bench.js --adapter "$PWD/benchmarks/fanout/courtside-adapter.js" --parse json \
//     --url ws://127.0.0.1:8080/ws --pub-url 127.0.0.1:50051 --server-pid "$(pgrep -x courtside-bridg)" \
//     --conns 10000 --rate 5 --duration 25
//
// Publishing: each update of the harness becomes one event of its game (g01…g15), published to
// the score service over gRPC by publish_lines.py (the project's Python environment, grpcio), so
// it travels the whole way: score service (stored), subscription service, bridge, browser.
// Measuring: the harness stamps each update with CLOCK_REALTIME microseconds in the field it is
// told to read (`tsField`); here that field is the event's `description`, free text in the
// bridge's protocol, which carries the stamp to the clients; `seq` is the game's position in its
// log (per game, hence `streamField: 'game'`). The stamp is a JSON string, so the clients must
// parse messages (`--parse json`; the harness's fast scanner reads numbers only).
const { spawn } = require('child_process');
const path = require('path');
const readline = require('readline');

const ROOT = path.join(__dirname, '..', '..');

function pythonOfProject() {
  if (process.env.COURTSIDE_PYTHON) return process.env.COURTSIDE_PYTHON;
  const { execFileSync } = require('child_process');
  return execFileSync(path.join(ROOT, 'scripts', 'python-env'), { encoding: 'utf8' }).trim();
}

module.exports = {
  name: 'courtside-bridge',
  defaults: (port = 8080) => ({
    url: `ws://127.0.0.1:${port}/ws`,
    pubUrl: process.env.COURTSIDE_SCORE_ADDR || '127.0.0.1:50051', // the score service (gRPC host:port)
    subscribe: '{"type":"subscribe","allLive":true}',
    tsField: 'description', seqField: 'seq', streamField: 'game',
  }),
  async createPublisher(opts) {
    const schedule = process.env.COURTSIDE_SCHEDULE_ADDR || '127.0.0.1:50052';
    // The harness's --games (not part of opts): every game is created and live before the first update.
    const harnessArgs = require(path.join(path.dirname(require.main.filename), 'lib', 'args')).parse(process.argv.slice(2));
    const games = String(+(harnessArgs.games || 15));
    const child = spawn(pythonOfProject(), [path.join(__dirname, 'publish_lines.py'), '--score', opts.pubUrl, '--schedule', schedule, '--games', games],
      { stdio: ['pipe', 'pipe', 'inherit'] });
    await new Promise((resolve, reject) => {
      const lines = readline.createInterface({ input: child.stdout });
      lines.on('line', (line) => { if (line === 'ready') resolve(); });
      child.once('exit', (code) => reject(new Error(`publish_lines.py exited (${code}) before it was ready`)));
    });
    const stamp = opts.tsField;
    const stream = opts.streamField || 'game';
    return {
      publish(_str, obj) { child.stdin.write(`${obj[stream]} ${obj[stamp]}\n`); },
      async close() {
        child.stdin.end();
        await new Promise((resolve) => { if (child.exitCode !== null) resolve(); else child.once('exit', resolve); });
      },
    };
  },
};
