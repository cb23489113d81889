/**
 * `gaugeflow train --target single`: the JSON (ESS, acceptance, importance estimate of ln(Z/Z_Haar)
 * with its error beside the exact value), the model file (target 'single', validated on load, the
 * reloaded flow's log q agreeing with the density of its own draws), and usage errors for flags that
 * do not apply.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, tf } from '../../src/backend/index.ts';
import { singleMatrixSUN } from '../../lattices/exact/single-matrix.ts';
import { makeRng } from '../../lattices/random.ts';
import { loadSingleMatrixModel } from '../../src/flows/sun/single-model-file.ts';
import { readGaugeModel } from '../../src/flows/gauge/model-file.ts';
import { captureMain, cli, signalWhenWritten } from '../fixtures/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'gaugeflow-train-single-'));
const model = join(dir, 'su2.json');

const coeffs = [0.17, -0.65, 1.22];

test('train --target single --json: ESS, acceptance, and the importance estimate of ln Z within 5 errors of the exact value', () => {
  const r = cli(['train', '--target', 'single', '--group', 'su2', '--beta', '9', '--coeffs', coeffs.join(','), '--steps', '10', '--eval-samples', '2000', '--out', model, '--json']);
  assert.is(r.code, 0, r.stderr);
  const o = JSON.parse(r.stdout);
  assert.is(o.target, 'single');
  assert.is(o.group, 'su2');
  assert.is(o.N, 2);
  assert.equal(o.coeffs, coeffs);
  assert.is(o.steps, 10);
  assert.is(o.layers, 3); // the recipe of src/flows/sun/single-train.ts
  assert.is(o.batch, 256);
  assert.is(o.estimator, 'path');
  assert.ok(o.params > 0);
  assert.is(o.model, model);
  assert.ok(o.ess > 0 && o.ess <= 1, `ess ${o.ess}`);
  assert.ok(o.acceptance > 0 && o.acceptance <= 1, `acceptance ${o.acceptance}`);
  assert.is(o.failedDraws, 0);
  assert.is(o.evalSamples, 2000);
  assert.is(o.logZExact, singleMatrixSUN(2, 9, coeffs).logZ);
  // unbiased for any flow that covers the support: a few steps suffice, the error is what it is
  assert.ok(o.logZErr > 0, `logZErr ${o.logZErr}`);
  assert.ok(Math.abs(o.logZ - o.logZExact) <= 5 * o.logZErr, `ln Z ${o.logZ} ± ${o.logZErr} vs exact ${o.logZExact}`);
  assert.ok(o.kl >= 0, `kl ${o.kl}`);
});

test('train --target single saves the model before its evaluation (20 000 SU(3) draws); Ctrl-C there skips the evaluation (exit 130, the model kept)', async () => {
  const out = join(dir, 'su3-interrupted.json');
  const { code, stdout, stderr } = await signalWhenWritten(['train', '--target', 'single', '--group', 'su3', '--beta', '9', '--coeffs', coeffs.join(','), '--steps', '2', '--out', out, '--json'], out);
  assert.is(code, 130, stderr);
  assert.match(stderr, /interrupted — skipping the evaluation; the model is saved in .*su3-interrupted\.json/);
  assert.match(stderr, /interrupted during the evaluation; the model is saved in .*su3-interrupted\.json/);
  const o = JSON.parse(stdout);
  assert.equal([o.interrupted, o.evaluation, o.model, o.steps, o.ess], [true, 'interrupted', out, 2, undefined]);
  await initBackend();
  assert.is(loadSingleMatrixModel(out).flow.N, 3);
  assert.not.ok(existsSync(`${out}.checkpoint.json`));
});

test('the single-matrix model file: target single, reloadable (log q of its own draws), rejected as a lattice model, damage named', async () => {
  await initBackend();
  const file = JSON.parse(readFileSync(model, 'utf8'));
  assert.is(file.format, 'gaugeflow-gauge-model');
  assert.is(file.target, 'single');
  assert.equal(file.trained, { beta: 9, coeffs });
  assert.is(file.flow.type, 'ircpm');
  assert.is(file.flow.manifold, 'maxtorus2');
  assert.is(file.history.steps, 10);
  const { flow } = loadSingleMatrixModel(model);
  assert.is(flow.N, 2);
  assert.is(flow.layers.length, 3);
  // the density of a draw (forward pass) and log q through the inverse layers agree
  const s = flow.sample(16, makeRng('single-reload'));
  const back = flow.logProb(s.U);
  const a = s.logq.dataSync();
  const b = back.dataSync();
  for (let i = 0; i < 16; i++) assert.ok(Math.abs(a[i]! - b[i]!) < 2e-3, `log q ${a[i]} vs ${b[i]}`);
  tf.dispose([s.U.re, s.U.im, s.logq, s.ok, back]);
  assert.throws(() => readGaugeModel(model), /single-matrix model/);
  const damaged = join(dir, 'damaged.json');
  const { weights: _w, ...p0 } = file.flow.potentials[0];
  writeFileSync(damaged, JSON.stringify({ ...file, flow: { ...file.flow, potentials: [p0, ...file.flow.potentials.slice(1)] } }));
  assert.throws(() => loadSingleMatrixModel(damaged), /damaged\.json: flow\.potentials\[0\]\.weights/);
  writeFileSync(damaged, JSON.stringify({ ...file, N: 3 }));
  assert.throws(() => loadSingleMatrixModel(damaged), /group su2 disagrees with N = 3/);
});

test('usage errors (exit 2, naming the flag) for flags that do not apply to --target single; --out is not overwritten', async () => {
  const out = join(dir, 'x.json');
  const cases: [string[], RegExp][] = [
    [['train', '--target', 'single', '--group', 'su2', '--L', '8', '--out', out], /--L applies to --target lattice/],
    [['train', '--target', 'single', '--group', 'su3', '--workers', '2', '--out', out], /--workers applies to --target lattice/],
    [['train', '--target', 'single', '--out', out], /--target single needs --group su2, su3 or suN/],
    [['train', '--target', 'single', '--group', 'su2', '--coeffs', '0,0', '--out', out], /--coeffs needs at least one nonzero/],
    [['train', '--group', 'su2', '--coeffs', '1', '--out', out], /--coeffs applies to --target single/],
    [['train', '--target', 'single', '--group', 'su2', '--steps', '1', '--out', model], /exists/],
  ];
  for (const [args, re] of cases) {
    const r = await captureMain(args);
    assert.is(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, re);
  }
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
