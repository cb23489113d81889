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
const args = ['uvu', '-r', 'tsx', '--no-color', '-i', '(?<!\\.test)\\.ts$', 'test', ...process.argv.slice(2)];
const child = spawn(npx, args, { stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
let out = '';
child.stdout.on('data', (d) => {
  out += d.toString();
  process.stdout.write(d);
});
child.on('close', (code) => {
  const num = (label) => Number((out.match(new RegExp(`${label}:\\s+(\\d+)`)) ?? [])[1] ?? 0);
  const total = num('Total');
  const passed = num('Passed');
  const skipped = num('Skipped');
  const failed = Math.max(total - passed - skipped, code === 0 ? 0 : 1);
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  process.exit(code === 0 && total > 0 ? 0 : 1);
});

