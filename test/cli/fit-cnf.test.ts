import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import seedrandom from 'seedrandom';
import { tf, initBackend } from '../../src/backend/index.ts';
import { run } from '../../src/cli/fit.ts';
import { loadFlow } from '../../src/flows/io.ts';
import { CNF } from '../../src/flows/cnf/cnf.ts';
import { loadFittedDensity } from '../../src/densities/fitted.ts';
import { splitIndices } from '../../src/data/earth.ts';

test.before(async () => {
  await initBackend();
});

/** `fit` run in-process; the lines it printed on stdout (it must succeed). */
async function fitLines(argv: string[]): Promise<string[]> {
  const lines: string[] = [];
  const orig = console.log;
  console.log = (...a: unknown[]) => void lines.push(a.join(' '));
  try {
    assert.is(await run(argv), 0);
  } finally {
    console.log = orig;
  }
  return lines;
}

async function fitJSON(argv: string[]): Promise<Record<string, unknown>> {
  return JSON.parse((await fitLines([...argv, '--json'])).at(-1)!);
}

test('fit --flow cnf --target: ESS/KL of the exact proposal, model file reloads as an exact-mode CNF', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gf-cnf-fit-'));
  const out = path.join(dir, 'm.json');
  const r = await fitJSON(['--target', 'rezende-correlated', '--symmetric', '--flow', 'cnf', '--steps', '4', '--batch', '32', '--hidden', '8', '--eval-samples', '400', '--out', out]);
  assert.is(r.flow, 'cnf');
  assert.ok((r.ess as number) > 0 && (r.ess as number) <= 1, `ess ${r.ess}`);
  assert.ok(Number.isFinite(r.kl as number) && (r.kl as number) > -0.05, JSON.stringify(r));
  // (duck-typed: io.ts imports cnf.ts dynamically, which under the test runner can be a second module instance)
  const flow = (await loadFlow(out)) as CNF;
  assert.is(flow.toJSON().type, 'cnf');
  assert.is(flow.mode, 'exact');
  const x0 = flow.manifold.sampleUniform(4, seedrandom('x'));
  const a = flow.pushExact64(x0);
  // the saved flow is invariant under (a, −a) shifts: Φ only sees x₁ + x₂
  const sh = flow.pushExact64(tf.add(x0, tf.tensor2d([[0.3, -0.3]])) as tf.Tensor2D);
  a.logq.forEach((v, i) => assert.ok(Math.abs(v - sh.logq[i]) < 1e-4));
  fs.rmSync(dir, { recursive: true });
});

/** 60 points in a patch of lat 60–70°, lon 0–20°, as CSV; returns the CSV path and the unit vectors. */
function patchCSV(dir: string, n = 60): { csv: string; points: number[][] } {
  const csv = path.join(dir, 'd.csv');
  const rng = seedrandom('pts');
  const rows = ['Latitude,Longitude'];
  const points: number[][] = [];
  const d = Math.PI / 180;
  for (let i = 0; i < n; i++) {
    const [lat, lon] = [+(60 + 10 * rng()).toFixed(3), +(20 * rng()).toFixed(3)];
    rows.push(`${lat},${lon}`);
    points.push([Math.cos(lat * d) * Math.cos(lon * d), Math.cos(lat * d) * Math.sin(lon * d), Math.sin(lat * d)]);
  }
  fs.writeFileSync(csv, rows.join('\n'));
  return { csv, points };
}

test('fit --data: CNF by default, settings in the JSON, exact test density (identity at 0 steps), selection on validation', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gf-cnf-fit-'));
  const { csv } = patchCSV(dir);
  // 0 steps: the data CNF starts at the identity map (zero output layer), so every point has the
  // uniform density 1/4π, through the exact inverse of the discrete map
  const r0 = await fitJSON(['--data', csv, '--steps', '0', '--hidden', '8', '--split-seed', '1', '--mixture', 'none']);
  assert.is(r0.flow, 'cnf');
  assert.is(r0.density, 'cnf');
  assert.equal(r0.sizes, { train: 48, val: 6, test: 6 });
  assert.is(r0.testDensity, 'exact (discrete map)');
  assert.is(r0.testOkFraction, 1);
  assert.ok(Math.abs((r0.testNLL as number) - Math.log(4 * Math.PI)) < 1e-5, `testNLL ${r0.testNLL}`);
  assert.is(r0.testNLL, r0.flowTestNLL);
  assert.is(r0.mixture, undefined);
  // the table printed without --json has the JSON's fields, no 'undefined' among them
  const lines = await fitLines(['--data', csv, '--steps', '0', '--hidden', '8', '--split-seed', '1', '--mixture', 'none']);
  assert.equal(lines.map((l) => l.split(' ')[0]), Object.keys(r0));
  assert.ok(!lines.some((l) => /\bundefined\b/.test(l)), lines.join('\n'));
  // a short run: the defaults are reported, typed flags override them, validation every 2 steps (40/20)
  const r = await fitJSON(['--data', csv, '--steps', '40', '--batch', '32', '--hidden', '8', '--patience', '100', '--split-seed', '1', '--mixture', 'none']);
  const st = r.settings as Record<string, unknown>;
  assert.is(st.iterations, 40);
  assert.is(st.batch, 32);
  assert.equal(st.overridden, ['steps', 'batch', 'hidden', 'patience']);
  assert.equal((st.model as { hidden: number[] }).hidden, [8]);
  assert.match(String(st.basis), /48 training points/);
  assert.is(r.stepsDone, 40);
  const log = r.validation as { it: number; valNLL: number }[];
  assert.is(st.evalEvery, 2);
  assert.is(log.length, 20);
  assert.is(log.at(-1)!.it, 40);
  // the selected weights are those of the best validation NLL
  const best = log.reduce((a, b) => (b.valNLL < a.valNLL ? b : a));
  assert.is(r.selectedIteration, best.it);
  assert.ok(Math.abs((r.flowValNLL as number) - best.valNLL) < 1e-9);
  // the exact and the continuous-time test NLL describe nearly the same density
  assert.ok(Math.abs((r.testNLL as number) - (r.testNLLContinuous as number)) < 0.1, `${r.testNLL} vs ${r.testNLLContinuous}`);
  fs.rmSync(dir, { recursive: true });
});

test('fit --data --out: the default model is the CNF mixed with a kernel density; the saved file reproduces the test NLL', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gf-cnf-fit-'));
  const { csv, points } = patchCSV(dir, 200);
  const out = path.join(dir, 'm.json');
  const r = await fitJSON(['--data', csv, '--steps', '20', '--batch', '32', '--hidden', '8', '--split-seed', '2', '--out', out]);
  assert.is(r.density, 'cnf+kernel');
  const mix = r.mixture as { weight: number; kernel: { neighbours: number; width: number }; kernelTestNLL: number; seconds: number; kernelSeconds: number };
  assert.ok(mix.weight >= 0 && mix.weight <= 1);
  assert.ok(mix.kernelSeconds > 0 && mix.kernelSeconds <= mix.seconds, `${mix.kernelSeconds} of ${mix.seconds} s`);
  assert.ok(mix.kernel.width >= 0.001, JSON.stringify(mix.kernel));
  // the points fill a 10° × 20° patch (≈ 0.03 sr): any sensible density there beats uniform by ≈ 3 nats
  assert.ok((r.testNLL as number) < Math.log(4 * Math.PI) - 2, `testNLL ${r.testNLL}`);
  // the mixture is selected on validation, so its test NLL is near the better of its parts
  assert.ok((r.testNLL as number) <= Math.max(r.flowTestNLL as number, mix.kernelTestNLL) + 1e-9);
  // the file is the density that was measured: its log-density on the test points gives the same NLL
  const model = await loadFittedDensity(out);
  assert.is(model.weight, mix.weight);
  const test = splitIndices(points.length, 2).test.map((i) => points[i]!);
  const lq = model.logDensity(test);
  const nll = -lq.reduce((a, b) => a + b, 0) / lq.length;
  assert.ok(Math.abs(nll - (r.testNLL as number)) < 1e-4, `${nll} vs ${r.testNLL}`);
  const xs = model.sample(50, seedrandom('s'));
  assert.is(xs.length, 50);
  xs.forEach((x) => assert.ok(Math.abs(Math.hypot(...x) - 1) < 1e-5));
  // --mixture applies to a CNF fitted to data only; --min-width to the kernel mixture only
  for (const [argv, flag] of [
    [['--data', csv, '--flow', 'ircpm', '--mixture', 'kernel'], /--mixture/],
    [['--data', csv, '--mixture', 'none', '--min-width', '0.01'], /--min-width/],
    [['--target', 'rezende-unimodal', '--mixture', 'kernel'], /--mixture/],
  ] as const) {
    let err: unknown;
    await run([...argv, '--json']).catch((e: unknown) => (err = e));
    assert.match(String(err), flag);
  }
  fs.rmSync(dir, { recursive: true });
});

test.run();
