#!/usr/bin/env node
// `npm test`: type-check, then the uvu suite, ending with one plain "N passed, N failed" line
// (uvu's own summary is a multi-line table). Extra arguments are passed to uvu as its pattern,
// e.g. `npm test -- hmc` runs only test files whose name matches "hmc".
import { spawnSync, spawn } from 'node:child_process';

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const skipTypecheck = process.env.GAUGEFLOW_SKIP_TYPECHECK === '1';
if (!skipTypecheck) {
  const tsc = spawnSync(npx, ['tsc', '--noEmit', '-p', '.'], { stdio: 'inherit' });
  if (tsc.status !== 0) {
    console.error('type check failed');
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  console.log('type check: ok');
}

// --no-color: otherwise uvu exports FORCE_COLOR=1, which leaks into every child process a test spawns.
// Only *.test.ts files are suites: helpers and fixtures beside them (test/fixtures/cli.ts, …) would
// otherwise be loaded as suites with no tests.
const uvu = ['uvu', '-r', 'tsx', '--no-color', '-i', '(?<!\\.test)\\.ts$'];
// The whole suite runs as two uvu processes side by side: test/cli, whose tests mostly wait on the
// gaugeflow processes they spawn, and everything else, which mostly computes. On 2 cores that took
// the suite from about 5.5 to 4.5 minutes here; since usage errors run main() in the test process
// instead of spawning one gaugeflow each, a CI rehearsal (SLURM and browser tests included) takes
// 4.3 minutes with npm ci (2026-12-02). The CLI group's output is printed when it ends, so the two
// streams do not interleave. With a pattern (`npm test -- hmc`) one process runs it.
const extra = process.argv.slice(2);
const groups = extra.length > 0 ? [['test', ...extra]] : [['test', '-i', '^cli$'], ['test/cli']];

function run(args, live) {
  return new Promise((done) => {
    const child = spawn(npx, [...uvu, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d.toString();
      if (live) process.stdout.write(d);
    });
    child.on('close', (code) => {
      if (!live) process.stdout.write(out);
      done({ code, out });
    });
  });
}

const results = await Promise.all(groups.map((g, i) => run(g, i === 0)));
let [total, passed, skipped, failed] = [0, 0, 0, 0];
for (const { code, out } of results) {
  const num = (label) => Number((out.match(new RegExp(`${label}:\\s+(\\d+)`)) ?? [])[1] ?? 0);
  total += num('Total');
  passed += num('Passed');
  skipped += num('Skipped');
  failed += Math.max(num('Total') - num('Passed') - num('Skipped'), code === 0 ? 0 : 1);
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed === 0 && total > 0 ? 0 : 1);
