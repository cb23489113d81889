// Issue 9 for `gaugeflow sample` (spawned, as a user runs it): memory refused before allocation,
// Ctrl-C during a slow set-up, runs never mixed in a --save-configs directory, exact values as an
// annotation, flags that do not apply, and the messages of the shared parser.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { captureMain } from '../fixtures/cli.ts';

const bin = fileURLToPath(new URL('../../bin/gaugeflow.mjs', import.meta.url));
const env = { ...process.env, CI: '1' };
const dir = mkdtempSync(join(tmpdir(), 'gaugeflow-preflight-'));

function gaugeflow(args: string[], timeout = 60_000) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env, timeout });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, seconds: (Date.now() - t0) / 1000 };
}
const sample = (args: string[], timeout?: number) => gaugeflow(['sample', ...args], timeout);
const tiny = ['--L', '4', '--beta', '1', '--therm', '2', '--chains', '1', '--sampler', 'heatbath'];

test('item 1: a run that cannot fit is refused before anything is allocated, with the estimate and the memory available', () => {
  // SU(3) on 160⁴: one field is 352 GiB (the 64⁴ example, 198 GiB for 4 HMC chains, is
  // checked in test/samplers/memory.test.ts). Chosen so that, were the check ever bypassed, the
  // first allocation (> 2³² elements) fails at once instead of filling the machine's memory.
  const r = sample(['--group', 'su3', '--dims', '4', '--L', '160']);
  assert.is(r.code, 2, r.stderr);
  assert.match(r.stderr, /this run needs ≈ 7\.55 TiB \(1\.89 TiB per chain \(one field is 352 GiB; hmc holds ≈ 5\.5 fields\) × 4 chains\) but [\d.]+ [KMGT]iB of memory is available; reduce --L, --dims, --chains or --n, or pass --max-memory \d+GiB/);
  assert.ok(r.seconds < 10, `refused after ${r.seconds} s`);
  // --max-memory below the estimate refuses too, naming the flag; above it the run goes ahead
  const low = sample([...tiny, '--n', '5', '--max-memory', '100']);
  assert.is(low.code, 2, low.stderr);
  assert.match(low.stderr, /more than --max-memory 100 /);
  const ok = sample([...tiny, '--n', '5', '--max-memory', '64M', '--json']);
  assert.is(ok.code, 0, ok.stderr);
  const o = JSON.parse(ok.stdout);
  assert.ok(o.memoryEstimate > 0 && o.memoryEstimate < 64e6);
  assert.is(sample([...tiny, '--max-memory', 'lots']).code, 2);
});

test('item 1: Ctrl-C during a slow set-up stops at once (exit 130, nothing measured, partial result printed)', async () => {
  // SU(96) on a 6³ lattice: 648 links, ≈ 91 MiB, but several seconds of Haar hot start (O(N³) per
  // link); heat-bath sweeps of SU(96) are slower still. The old code blocked the event loop for the
  // whole hot start and then ran an update before it looked at the signal.
  const child = spawn(process.execPath, [bin, 'sample', '--group', 'suN', '--N', '96', '--dims', '3', '--L', '6', '--sampler', 'heatbath', '--chains', '1', '--n', '10', '--json'], { env });
  let out = '';
  let err = '';
  let sentAt = 0;
  child.stdout.on('data', (d) => (out += d));
  const code = await new Promise<number | null>((resolve, reject) => {
    const killer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no exit within 30 s; stderr: ${err}`));
    }, 30_000);
    child.stderr.on('data', (d) => {
      err += d;
      if (!sentAt && /setting up 1 chain, ≈ 9\d\.\d MiB/.test(err)) {
        sentAt = Date.now();
        setTimeout(() => child.kill('SIGINT'), 200); // inside the hot start
      }
    });
    child.on('exit', (c) => {
      clearTimeout(killer);
      resolve(c);
    });
  });
  const latency = Date.now() - sentAt - 200;
  assert.ok(sentAt > 0, `no set-up line on stderr: ${err}`);
  assert.is(code, 130, err);
  assert.ok(latency < 2500, `exited ${latency} ms after SIGINT`);
  assert.match(err, /interrupted during set-up: nothing was measured/);
  const o = JSON.parse(out);
  assert.is(o.interrupted, true);
  assert.is(o.measured, 0);
});

test('item 4: the exact value is an annotation: failures give exact: null with a warning, slow sums are cut off', () => {
  const a = sample(['--group', 'su2', '--beta', '1e16', '--L', '4', '--n', '20', '--therm', '0', '--chains', '1', '--json']);
  assert.is(a.code, 0, a.stderr);
  const o = JSON.parse(a.stdout);
  assert.is(o.exact, null);
  assert.match(o.exactWarning, /no exact value: .*non-positive/);
  assert.match(a.stderr, /warning: no exact value/);
  assert.type(o.observables.plaquette.mean, 'number');
  // SU(32) on 2×2: the torus sum ran > 40 s; now ≤ 5 s, then the infinite-volume value
  const b = sample(['--group', 'suN', '--N', '32', '--L', '2', '--n', '1', '--therm', '0', '--chains', '1', '--sampler', 'heatbath', '--json']);
  assert.is(b.code, 0, b.stderr);
  const p = JSON.parse(b.stdout);
  assert.is(p.exact.infiniteVolume, true);
  assert.match(p.exactWarning, /exceeded 5 s/);
  assert.ok(b.seconds < 20, `${b.seconds} s`);
});

test('item 5: --save-configs refuses a non-empty directory; --force replaces the earlier run, never mixes', () => {
  const d = join(dir, 'cfg');
  const first = sample([...tiny, '--n', '6', '--save-configs', d, '--json']);
  assert.is(first.code, 0, first.stderr);
  assert.is(readdirSync(d).length, 6);
  writeFileSync(join(d, 'notes.txt'), 'mine');
  const again = sample([...tiny, '--n', '3', '--save-configs', d]);
  assert.is(again.code, 2, again.stderr);
  assert.match(again.stderr, /--save-configs .* is not empty \(7 entries\); .*--force/);
  assert.is(readdirSync(d).length, 7, 'nothing touched');
  const forced = sample([...tiny, '--n', '3', '--save-configs', d, '--force', '--json']);
  assert.is(forced.code, 0, forced.stderr);
  assert.match(forced.stderr, /removed 6 configuration file\(s\) of an earlier run/);
  assert.equal(readdirSync(d).sort(), ['chain0_000000.cfg', 'chain0_000001.cfg', 'chain0_000002.cfg', 'notes.txt']);
  // a missing nested directory is created; a path through a file, or a file, is refused up front
  const nested = sample([...tiny, '--n', '1', '--save-configs', join(dir, 'a', 'b')]);
  assert.is(nested.code, 0, nested.stderr);
  assert.ok(existsSync(join(dir, 'a', 'b', 'chain0_000000.cfg')));
  const file = join(dir, 'afile');
  writeFileSync(file, 'x');
  const onFile = sample([...tiny, '--save-configs', file]);
  assert.is(onFile.code, 2);
  assert.match(onFile.stderr, /--save-configs .*afile exists and is a file, not a directory/); // item 10: no raw EEXIST
});

test('item 8: sample flags that do not apply are usage errors naming what they apply to', async () => {
  // in this process (no spawn: the same main()); each with a tiny run's sizes, so that code without
  // these checks finishes quickly and fails
  const cases: [string[], RegExp][] = [
    [['--sampler', 'hmc', '--or-steps', '3'], /--or-steps applies to --sampler heatbath/],
    [['--sampler', 'heatbath', '--md-steps', '5'], /--md-steps applies to --sampler hmc/],
    [['--sampler', 'heatbath', '--integrator', 'omelyan'], /--integrator applies to --sampler hmc/],
    [['--sampler', 'heatbath', '--traj-length', '2'], /--traj-length applies to --sampler hmc/],
    [['--traj-length', '-1'], /--traj-length must be greater than 0/],
    [['--save-every', '3'], /--save-every applies to --save-configs/],
    [['--force'], /--force applies to --save-configs/],
    [['--save-configs', ''], /--save-configs needs a non-empty value/],
    [['--group', 'u1', '--N', '5'], /--N applies to --group suN/],
    [['--batch', '8'], /--batch applies to --sampler flow/],
  ];
  for (const [args, why] of cases) {
    const r = await captureMain(['sample', ...args, '--L', '4', '--n', '1', '--therm', '0', '--chains', '1']);
    assert.is(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, why);
    assert.is(r.err.trim().split('\n').length, 1, r.err);
  }
});

test('item 10: duplicate flags, non-decimal integers and a bare gaugeflow are usage errors on stderr', () => {
  const dup = sample(['--L', '4', '--L', '6', '--n', '1', '--therm', '0', '--chains', '1']);
  assert.is(dup.code, 2);
  assert.match(dup.stderr, /--L given more than once/);
  const hex = sample(['--L', '0x10', '--n', '1', '--therm', '0', '--chains', '1']);
  assert.is(hex.code, 2);
  assert.match(hex.stderr, /--L expects an integer, got '0x10' \(decimal digits only\)/);
  const bare = gaugeflow([]);
  assert.is(bare.code, 2);
  assert.is(bare.stdout, '');
  assert.match(bare.stderr, /usage: gaugeflow <command>/);
  const help = gaugeflow(['--help']);
  assert.is(help.code, 0);
  assert.match(help.stdout, /usage: gaugeflow <command>/);
});

test('item 10: a closed stdout pipe ends the command quietly; a full disk is one line, exit 1', async () => {
  const child = spawn(process.execPath, [bin, 'exact', '--group', 'u1', '--L', '8', '--beta', '2', '--charges'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy(); // the reader is gone before the command writes
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.is(err, '', 'no stack trace');
  assert.is(code, 0);
  if (existsSync('/dev/full')) {
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${bin}" exact --group u1 --L 8 --beta 2 > /dev/full`], { encoding: 'utf8' });
    assert.is(r.status, 1);
    assert.is(r.stderr.trim(), 'gaugeflow: cannot write to stdout: no space left on device');
  }
});

test.after(() => {
  rmSync(dir, { recursive: true, force: true });
});

test.run();
