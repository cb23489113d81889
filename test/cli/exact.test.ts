import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/cli/exact.ts';
import { main } from '../../src/cli/main.ts';
import { UsageError } from '../../src/cli/args.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Run `fn` with console.log / console.error captured. */
async function capture(fn: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  try {
    const code = await fn();
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}

const near = (x: number, ref: number, tol: number): boolean => Math.abs(x - ref) <= tol;

test('in-process: 2D U(1) --json carries plaquette, Q2, chi, volume, inputs and backend "none"', async () => {
  const r = await capture(() => run(['--group', 'u1', '--dims', '2', '--L', '8', '--beta', '2', '--json']));
  assert.is(r.code, 0);
  const j = JSON.parse(r.out);
  assert.ok(near(j.plaquette, 0.697775, 5e-7) && near(j.Q2, 1.2393, 5e-6) && near(j.chi, j.Q2 / 64, 1e-15));
  assert.is(j.volume, 'finite');
  assert.is(j.backend, 'none');
  assert.equal([j.group, j.N, j.dims, j.L, j.beta], ['u1', 1, 2, 8, 2]);
});

test('in-process: SU(N) plaquette (infinite by default, finite on request) and single-matrix target', async () => {
  const su3 = JSON.parse((await capture(() => run(['--group', 'su3', '--L', '8', '--beta', '4', '--json']))).out);
  assert.ok(near(su3.plaquette, 0.279619, 5e-7));
  assert.is(su3.volume, 'infinite');
  const suN = JSON.parse((await capture(() => run(['--group', 'suN', '--N', '2', '--beta', '2', '--json']))).out);
  assert.ok(near(suN.plaquette, 0.433127, 5e-7));
  assert.is(suN.N, 2);
  const fin = JSON.parse((await capture(() => run(['--group', 'su2', '--L', '2', '--beta', '2', '--volume', 'finite', '--json']))).out);
  assert.is(fin.volume, 'finite');
  assert.ok(fin.plaquette > su3.plaquette && Math.abs(fin.plaquette - 0.433127) > 1e-3, 'L=2 differs from infinite volume');
  const single = JSON.parse(
    (await capture(() => run(['--group', 'su3', '--beta', '9', '--target', 'single', '--coeffs', '0.17,-0.65,1.22', '--json']))).out,
  );
  assert.ok(near(single.retr, 0.05993, 5e-6) && near(single.logZ, 8.7624, 5e-5));
  assert.equal(single.coeffs, [0.17, -0.65, 1.22]);
});

test('in-process: --loops and --charges', async () => {
  const j = JSON.parse((await capture(() => run(['--group', 'u1', '--L', '8', '--beta', '2', '--loops', '1x1,2x3', '--charges', '--json']))).out);
  assert.ok(near(j.wilson['1x1'], j.plaquette, 1e-14));
  assert.ok(j.wilson['2x3'] > 0 && j.wilson['2x3'] < j.plaquette ** 5);
  const sumP = j.charges.P.reduce((a: number, p: number) => a + p, 0);
  const q2 = j.charges.Q.reduce((a: number, q: number, i: number) => a + q * q * j.charges.P[i], 0);
  assert.ok(near(sumP, 1, 1e-12) && near(q2, j.Q2, 1e-10) && j.Q4 > j.Q2);
  const su = JSON.parse((await capture(() => run(['--group', 'su2', '--beta', '4', '--loops', '2x2', '--json']))).out);
  assert.ok(near(su.wilson['2x2'], su.plaquette ** 4, 1e-15));
});

test('in-process: human table', async () => {
  const r = await capture(() => run(['--group', 'u1', '--L', '8', '--beta', '2']));
  assert.is(r.code, 0);
  assert.match(r.out, /U\(1\)/);
  assert.match(r.out, /<cos theta_P>\s+0\.69777465/);
  assert.match(r.out, /<Q\^2>\s+1\.2392989/);
});

const bin = resolve(root, 'bin/gaugeflow.mjs');
const gaugeflow = (args: string[]) => spawnSync(process.execPath, [bin, 'exact', ...args], { cwd: root, encoding: 'utf8' });

test('usage errors: every bad invocation is a UsageError (main turns it into exit 2)', async () => {
  // main() itself is exercised through the real binary below: under `uvu -r tsx` the lazily
  // imported command gets its own copy of args.ts, so an in-process main() cannot recognise it.
  const bad: string[][] = [
    ['--group', 'u1', '--L', '8', '--beta', '-1'],
    ['--group', 'u1', '--L', '1', '--beta', '1'],
    ['--group', 'u1', '--L', '8', '--beta', '1', '--bogus', '1'],
    ['--group', 'u1', '--L', '--beta', '1'],
    ['--group', 'suN', '--beta', '1'],
    ['--group', 'u1', '--L', '8', '--beta', '1', '--dims', '4'],
    ['--group', 'u1', '--beta', '1'],
    ['--group', 'su3', '--N', '4', '--beta', '1'],
    ['--group', 'u1', '--L', '8', '--beta', '1', '--coeffs', '1,2'],
    ['--group', 'suN', '--N', '5', '--beta', '1', '--target', 'single', '--coeffs', '1,2'],
    ['--group', 'u1', '--L', '8', '--beta', 'abc'],
    ['--L', '8', '--beta', '1'],
    ['--group', 'u1', '--L', '8'],
    ['--group', 'u1', '--L', '4', '--beta', '1', '--loops', '4x1'],
    ['--group', 'u1', '--L', '4', '--beta', '1', '--loops', '2by2'],
    ['--group', 'su2', '--beta', '1', '--charges'],
    ['--group', 'su3', '--beta', '1', '--target', 'single', '--loops', '1x1'],
  ];
  for (const argv of bad) {
    let thrown: unknown;
    const r = await capture(async () => {
      try {
        return await run(argv);
      } catch (e) {
        thrown = e;
        return -1;
      }
    });
    assert.ok(thrown instanceof UsageError, `${argv.join(' ')}: ${String(thrown)}`);
    assert.is(r.out, '');
  }
  assert.is((await capture(() => run(['--help']))).code, 0);
  const unknown = await capture(() => main(['exactly']));
  assert.is(unknown.code, 2);
});

test('child process: node bin/gaugeflow.mjs exact … --json, exit codes 0 and 2', () => {
  const ok = gaugeflow(['--group', 'u1', '--dims', '2', '--L', '16', '--beta', '6', '--json']);
  assert.is(ok.status, 0, ok.stderr);
  const j = JSON.parse(ok.stdout.trim());
  assert.ok(near(j.plaquette, 0.912359, 5e-7) && near(j.Q2, 1.1947, 5e-6));
  assert.is(j.backend, 'none');
  assert.is(j.volume, 'finite');
  for (const [args, why] of [
    [['--group', 'u1', '--L', '8', '--beta', '-2', '--json'], /beta/],
    [['--group', 'u1', '--L', '1', '--beta', '2', '--json'], /--L/],
    [['--group', 'suN', '--beta', '2', '--json'], /--N/],
    [['--group', 'u1', '--L', '8', '--beta', '2', '--dims', '3'], /dims/],
  ] as const) {
    const bad = gaugeflow([...args]);
    assert.is(bad.status, 2, args.join(' '));
    assert.is(bad.stdout, '');
    assert.is(bad.stderr.trim().split('\n').length, 1, bad.stderr);
    assert.match(bad.stderr, why);
  }
});

test('the exact command and lattices/exact never import TensorFlow.js, src/ or samplers/', () => {
  const seen = new Set<string>();
  const bad: string[] = [];
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
      const spec = m[1]!;
      if (spec.includes('tensorflow') || spec.endsWith('backend/index.ts')) bad.push(`${file} → ${spec}`);
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec);
      if (file.includes('/lattices/') && /\/(src|samplers)\//.test(target)) bad.push(`${file} → ${spec}`);
      if (existsSync(target)) visit(target);
    }
  };
  visit(resolve(root, 'src/cli/exact.ts'));
  visit(resolve(root, 'lattices/exact.ts'));
  assert.ok(seen.size > 5);
  assert.equal(bad, []);
});

test.run();
