/**
 * `gaugeflow train --group su2` and `gaugeflow sample --sampler flow` on the SU(2) model, end to end on
 * a tiny 4×4 lattice: the model file (one format, `group` and `N`), the importance estimate of log Z
 * against the exact 2D SU(2) torus value, the sample JSON with the exact plaquette annotation,
 * worker-count independence of the flow chain, and usage errors for flags that do not apply to SU(N).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sunExact2D } from '../../lattices/exact/sun.ts';
import { captureMain, cli, flowChainSameForWorkers } from '../fixtures/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'gaugeflow-train-sun-'));
const committedU1 = fileURLToPath(new URL('../../bench/models/u1-L8-b2-energy.model.json', import.meta.url));
const model = join(dir, 'su2.json');

const tiny = ['--L', '4', '--beta', '1', '--layers', '2', '--hidden', '4', '--steps', '4', '--batch', '8', '--eval-samples', '400', '--seed', '3'];

test('train --group su2 --json: report, model file with group and N, log Z against the exact 2D SU(2) value', () => {
  const r = cli(['train', '--group', 'su2', ...tiny, '--workers', '0', '--out', model, '--json']);
  assert.is(r.code, 0, r.stderr);
  const o = JSON.parse(r.stdout);
  assert.is(o.group, 'su2');
  assert.is(o.N, 2);
  assert.is(o.kernel, 'ircpm');
  assert.is(o.layers, 2);
  assert.is(o.steps, 4);
  assert.ok(o.params > 0);
  assert.ok(o.ess > 0 && o.ess <= 1, `ess ${o.ess}`);
  assert.ok(o.acceptance > 0 && o.acceptance <= 1, `acceptance ${o.acceptance}`);
  assert.is(o.failedDraws, 0);
  // the KL uses the exact log Z (w.r.t. normalised Haar measure) of the 4×4 torus at β = 1
  assert.is(o.klLogZ, 'exact');
  assert.is(o.logZExact, sunExact2D(2, 1, 4).logZ);
  // and the importance estimate, over the flow's own log q, agrees with it within 3 standard errors
  assert.ok(o.logZErr > 0 && o.logZErr < 0.5, `logZErr ${o.logZErr}`);
  assert.ok(Math.abs(o.logZ - o.logZExact) < 3 * o.logZErr, `log Z ${o.logZ} ± ${o.logZErr} vs exact ${o.logZExact}`);
  const file = JSON.parse(readFileSync(model, 'utf8'));
  assert.is(file.format, 'gaugeflow-gauge-model');
  assert.is(file.group, 'su2');
  assert.is(file.N, 2);
  assert.is(file.kernel, 'ircpm');
  assert.equal(file.trained, { L: 4, beta: 1 });
  assert.is(file.flow.type, 'sun-gauge');
  assert.is(file.flow.layers, 2);
  assert.equal(file.flow.options, { convHidden: [4], stripeOrder: 'descending' });
  assert.is(file.history.steps, 4);
});

test('sample --sampler flow on the SU(2) model: the HMC JSON with the exact plaquette; --workers 1 and 2 give the identical chain; heavy-tailed weights are flagged (weightWarning), a good proposal is not', () => {
  const args = ['sample', '--sampler', 'flow', '--model', model, '--n', '150', '--therm', '10', '--chains', '2', '--batch', '32', '--seed', '5', '--json'];
  const [oa] = flowChainSameForWorkers(args);
  for (const k of ['observables', 'acceptance', 'exact', 'deviationSigma', 'importanceEss', 'failedDraws', 'proposalsPerSecond', 'backend', 'rhat']) assert.ok(k in oa, `missing ${k}`);
  assert.equal(Object.keys(oa.observables), ['plaquette']);
  assert.is(oa.spec.group, 'su2');
  assert.is(oa.spec.L, 4);
  assert.is(oa.spec.beta, 1);
  assert.is(oa.measured, 300);
  assert.is(oa.exact.plaquette, sunExact2D(2, 1, 4).plaquette);
  assert.is(oa.failedDraws, 0);
  assert.ok(oa.acceptance > 0 && oa.acceptance < 1);
  // the same model far from its β: weights so heavy-tailed that the chain's errors are flagged
  const far = cli(['sample', '--sampler', 'flow', '--model', model, '--beta', '12', '--n', '100', '--therm', '10', '--chains', '1', '--batch', '32', '--seed', '5', '--workers', '0', '--json']);
  assert.is(far.code, 0, far.stderr);
  const of = JSON.parse(far.stdout);
  assert.ok(of.importanceEss * 110 < 100, `importance ESS ${of.importanceEss}`);
  assert.match(of.weightWarning, /heavy-tailed importance weights: [\d.]+ effective draws of 110/);
  // and a good proposal (the committed U(1) model, ESS ≈ 0.36) is not flagged
  const good = cli(['sample', '--sampler', 'flow', '--model', committedU1, '--n', '600', '--therm', '10', '--chains', '1', '--batch', '64', '--seed', '5', '--workers', '0', '--json']);
  assert.is(good.code, 0, good.stderr);
  const og = JSON.parse(good.stdout);
  assert.ok(og.importanceEss * 610 > 150, `importance ESS ${og.importanceEss}`);
  assert.not.ok('weightWarning' in og, 'no warning with enough effective draws');
});

test('usage errors (exit 2, naming the flag) for flags that do not apply to SU(N); a damaged SU(N) model is a clear error', async () => {
  const out = join(dir, 'never.json');
  const cases: [string[], RegExp][] = [
    [['train', '--group', 'su2', '--kernel', 'ncp', '--out', out], /--kernel applies to --group u1/],
    [['train', '--group', 'su3', '--modes', '3', '--out', out], /--modes applies to --group u1/],
    [['train', '--group', 'suN', '--out', out], /--group suN needs --N/],
    [['train', '--N', '3', '--out', out], /--N applies to --group suN/],
    [['train', '--group', 'u1', '--init', model, '--out', out], /the --init model is a su2 flow/],
    [['train', '--init', model, '--stripe-order', 'ascending', '--out', out], /--stripe-order cannot be combined with --init/],
    [['sample', '--sampler', 'flow', '--model', model, '--group', 'u1', '--n', '10'], /--group u1: the model is a su2 flow/],
  ];
  for (const [args, message] of cases) {
    const r = await captureMain(args);
    assert.is(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, message);
  }
  const damaged = join(dir, 'damaged.json');
  const j = JSON.parse(readFileSync(model, 'utf8'));
  j.N = 3;
  writeFileSync(damaged, JSON.stringify(j));
  const d = cli(['sample', '--sampler', 'flow', '--model', damaged, '--n', '10']);
  assert.is(d.code, 1);
  assert.match(d.stderr, /group su2 disagrees with N = 3/);
});

test('train --group su2 --kernel energy: the local-action kernel, normalised (log Z against the exact value); --init at another β carries it over with that β', () => {
  const energy = join(dir, 'su2-energy.json');
  const r = cli(['train', '--group', 'su2', ...tiny, '--kernel', 'energy', '--workers', '0', '--out', energy, '--json']);
  assert.is(r.code, 0, r.stderr);
  const o = JSON.parse(r.stdout);
  assert.is(o.kernel, 'energy');
  assert.ok(Math.abs(o.logZ - o.logZExact) < 3 * o.logZErr, `log Z ${o.logZ} ± ${o.logZErr} vs exact ${o.logZExact}`);
  const file = JSON.parse(readFileSync(energy, 'utf8'));
  assert.is(file.kernel, 'energy');
  assert.equal(file.flow.options, { convHidden: [4], energyBeta: 1, stripeOrder: 'descending' });
  const tuned = join(dir, 'su2-energy-b2.json');
  const t = cli(['train', '--init', energy, '--L', '4', '--beta', '2', '--steps', '1', '--batch', '8', '--eval-samples', '100', '--workers', '0', '--out', tuned, '--json']);
  assert.is(t.code, 0, t.stderr);
  assert.equal(JSON.parse(readFileSync(tuned, 'utf8')).flow.options, { convHidden: [4], energyBeta: 2, stripeOrder: 'descending' });
  const wrong = cli(['train', '--init', energy, '--kernel', 'ircpm', '--L', '4', '--beta', '2', '--steps', '1', '--out', join(dir, 'never2.json')]);
  assert.is(wrong.code, 2, wrong.stderr);
  assert.match(wrong.stderr, /--kernel cannot be combined with --init/);
});

test('train --group su2 --kernel cnf: the CNF kernel on the maximal torus, normalised (log Z against the exact value, exact density of the discrete map); model file kernel cnf; the flow chain runs on it; --group u1 --kernel cnf is a usage error', () => {
  const cnf = join(dir, 'su2-cnf.json');
  const r = cli(['train', '--group', 'su2', ...tiny, '--kernel', 'cnf', '--workers', '0', '--out', cnf, '--json']);
  assert.is(r.code, 0, r.stderr);
  const o = JSON.parse(r.stdout);
  assert.is(o.kernel, 'cnf');
  assert.is(o.failedDraws, 0);
  assert.ok(Math.abs(o.logZ - o.logZExact) < 3 * o.logZErr, `log Z ${o.logZ} ± ${o.logZErr} vs exact ${o.logZExact}`);
  const file = JSON.parse(readFileSync(cnf, 'utf8'));
  assert.is(file.kernel, 'cnf');
  assert.equal(file.flow.options, { convHidden: [4], kernel: 'cnf', stripeOrder: 'descending' });
  const s = cli(['sample', '--sampler', 'flow', '--model', cnf, '--n', '60', '--therm', '5', '--chains', '2', '--batch', '32', '--workers', '0', '--seed', '2', '--json']);
  assert.is(s.code, 0, s.stderr);
  const so = JSON.parse(s.stdout);
  assert.ok(so.acceptance > 0, `acceptance ${so.acceptance}`);
  assert.is(so.failedDraws, 0);
  const u1 = cli(['train', '--group', 'u1', '--kernel', 'cnf', '--L', '4', '--steps', '1', '--out', join(dir, 'never3.json')]);
  assert.is(u1.code, 2, u1.stderr);
  assert.match(u1.stderr, /--kernel cnf is an SU\(N\) kernel/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test('4D SU(3) on wasm: a run beyond the memory, and a microbatch beyond one wasm module, are refused before training with what would fit', () => {
  const out = join(dir, 'su3-4d.json');
  const base = ['train', '--group', 'su3', '--dims', '4', '--L', '4', '--beta', '1', '--steps', '1', '--out', out];
  const env = { ...process.env, CI: '1', GAUGEFLOW_BACKEND: 'wasm' };
  // the default batch (64 in 2 microbatches) needs tens of GiB: refused by the memory estimate
  const big = cli([...base, '--max-memory', '8GiB'], { env });
  assert.is(big.code, 2, big.stderr);
  assert.match(big.stderr, /needs ≈ [\d.]+ GiB .*more than --max-memory 8GiB/);
  // 16 layers, batch 8 in 2 microbatches: 4 samples ≈ 3.5 GiB in one wasm module; 4 microbatches fit
  const micro = cli([...base, '--layers', '16', '--batch', '8', '--microbatches', '2'], { env });
  assert.is(micro.code, 2, micro.stderr);
  assert.match(micro.stderr, /one microbatch of 4 samples needs ≈ [\d.]+ GiB .* in one wasm module.*pass --microbatches 4 or more/);
  assert.not.ok(existsSync(out));
});

test.run();
