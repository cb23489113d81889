import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { u1Exact2D } from '../../lattices/exact.ts';
import { UsageError } from '../../src/cli/args.ts';
import { run } from '../../src/cli/sample.ts';

const bin = fileURLToPath(new URL('../../bin/gaugeflow.mjs', import.meta.url));
const env = { ...process.env, CI: '1' };

function sample(args: string[]) {
  const r = spawnSync(process.execPath, [bin, 'sample', ...args], { encoding: 'utf8', env, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// a flag may be given once only: runs with another --n use `small` (tiny without its --n)
const small = ['--L', '4', '--beta', '1', '--therm', '20', '--chains', '2', '--sampler', 'heatbath', '--seed', '7', '--wilson-loops', '1x2'];
const tiny = [...small, '--n', '300'];

test('--json: fields, exact comparison, and the same numbers with 0 or 2 workers', () => {
  const a = sample([...tiny, '--workers', '2', '--json']);
  assert.is(a.code, 0, a.stderr);
  const o = JSON.parse(a.stdout);
  for (const k of ['backend', 'seed', 'sampler', 'chains', 'workers', 'acceptance', 'exact', 'deviationSigma', 'rhat', 'wallSeconds', 'secondsPerUpdate', 'interrupted']) {
    assert.ok(k in o, `missing ${k}`);
  }
  assert.is(o.backend, 'none (plain TS)');
  assert.is(o.seed, '7');
  assert.is(o.sampler, 'heatbath');
  assert.is(o.chains, 2);
  assert.is(o.workers, 2);
  assert.is(o.interrupted, false);
  assert.is(o.measured, 600);
  assert.is(o.acceptance, 1);
  assert.equal(Object.keys(o.observables), ['plaquette', 'Q', 'Q2', 'W1x2']);
  for (const obs of Object.values(o.observables) as Record<string, number>[]) {
    for (const k of ['mean', 'err', 'tauInt', 'tauIntErr', 'ess', 'essPerSecond', 'rhat']) assert.type(obs[k], 'number', k);
  }
  const ex = u1Exact2D(1, 4);
  assert.ok(Math.abs(o.exact.plaquette - ex.plaquette) < 1e-14);
  assert.ok(Math.abs(o.exact.Q2 - ex.Q2) < 1e-12);
  assert.is(o.exact.infiniteVolume, false);
  const p = o.observables.plaquette;
  assert.ok(Math.abs(o.deviationSigma.plaquette - (p.mean - ex.plaquette) / p.err) < 1e-12);
  for (const name of ['plaquette', 'Q', 'Q2', 'W1x2']) assert.ok(Math.abs(o.deviationSigma[name]) < 4, `${name}: ${o.deviationSigma[name]}σ`);
  assert.ok(o.rhat.plaquette > 0.95 && o.rhat.plaquette < 1.1);
  assert.ok(o.wallSeconds > 0 && o.secondsPerUpdate > 0 && o.secondsPerUpdate < o.wallSeconds);

  const b = sample([...tiny, '--workers', '0', '--json']);
  assert.is(b.code, 0, b.stderr);
  // everything but the timing-dependent ESS per second is identical
  const statistics = (obs: Record<string, Record<string, number>>) =>
    Object.fromEntries(Object.entries(obs).map(([k, v]) => [k, { ...v, essPerSecond: 0 }]));
  assert.equal(statistics(JSON.parse(b.stdout).observables), statistics(o.observables));
});

test('HMC SU(2): ⟨e^{-ΔH}⟩ reported, plaquette compared with the 2D SU(2) torus value; table output', () => {
  const r = sample(['--group', 'su2', '--L', '4', '--beta', '2', '--n', '40', '--therm', '10', '--chains', '1', '--md-steps', '8', '--json']);
  assert.is(r.code, 0, r.stderr);
  const o = JSON.parse(r.stdout);
  assert.is(o.sampler, 'hmc');
  assert.ok(o.acceptance > 0.5);
  assert.ok(Math.abs(o.expMinusDeltaH.mean - 1) < 0.5);
  assert.is(o.exact.infiniteVolume, false);
  assert.type(o.exact.plaquetteInfiniteVolume, 'number');
  assert.equal(Object.keys(o.observables), ['plaquette']);
  const t = sample([...small, '--n', '50']);
  assert.is(t.code, 0, t.stderr);
  assert.match(t.stdout, /plaquette/);
  assert.match(t.stdout, /R̂/);
});

test('usage errors exit 2 with one line on stderr; --help exits 0', async () => {
  // in-process: every bad invocation is a UsageError (main turns it into exit 2)
  const cases = [['--sampler', 'metro'], ['--bogus'], ['--group', 'suN'], ['--n', '0'], ['--wilson-loops', '2by2'], ['--L'], ['--L', '4', '--wilson-loops', '4x1']];
  for (const args of cases) {
    try {
      await run(args);
      assert.unreachable(args.join(' '));
    } catch (e) {
      assert.instance(e, UsageError, `${args.join(' ')}: ${(e as Error).message}`);
    }
  }
  for (const args of [['--bogus'], ['--group', 'suN']]) {
    const r = sample(args);
    assert.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /gaugeflow sample:/);
  }
  const h = sample(['--help']);
  assert.is(h.code, 0);
  assert.match(h.stdout, /PER CHAIN/);
  // a --save-configs path below a file is refused before any work starts (exit 2, naming the flag)
  const bad = sample([...small, '--n', '2', '--save-configs', join(bin, 'x')]);
  assert.is(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /gaugeflow sample: --save-configs .* is not a directory/);
});

test('SIGINT (Ctrl-C) or SIGTERM (a scheduler): chains stop, partial results are analysed, interrupted: true, exit 130 / 143', async () => {
  for (const [sig, exit] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    const dir = mkdtempSync(join(tmpdir(), 'gaugeflow-sigint-'));
    try {
      const child = spawn(process.execPath, [bin, 'sample', '--L', '4', '--beta', '1', '--sampler', 'heatbath', '--n', '100000000', '--therm', '0',
        '--chains', '2', '--workers', '2', '--json', '--save-configs', dir, '--save-every', '1000'], { env });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      const code = await new Promise<number | null>((resolve, reject) => {
        const t0 = Date.now();
        const poll = setInterval(() => {
          // the first saved configuration shows that sampling (and the signal handler) is live
          if (readdirSync(dir).length > 0) {
            clearInterval(poll);
            child.kill(sig);
          } else if (Date.now() - t0 > 20_000) {
            clearInterval(poll);
            child.kill('SIGKILL');
            reject(new Error('no configuration saved within 20 s'));
          }
        }, 20);
        child.on('exit', (c) => resolve(c));
      });
      assert.is(code, exit, sig);
      const o = JSON.parse(out);
      assert.is(o.interrupted, true);
      assert.ok(o.measured > 0 && o.measured < 200_000_000);
      assert.ok(o.savedConfigs >= 1);
      assert.type(o.observables.plaquette.mean, 'number');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test.run();
