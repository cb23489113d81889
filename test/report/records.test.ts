import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { u1ChargeDistribution2D } from '../../lattices/exact.ts';
import { gammaMethod } from '../../samplers/diagnostics/index.ts';
import { runChains } from '../../samplers/runner.ts';
import { summariseRun } from '../../samplers/runner_analysis.ts';
import { deviationSigma, exactReference } from '../../samplers/runner_exact.ts';
import type { SamplerSpec } from '../../samplers/registry.ts';
import { chainsRecord, chargeHistogram, scanPointsFromChains, trainingRecord } from '../../src/report/records.ts';

const spec: SamplerSpec = { sampler: 'hmc', group: 'u1', dims: 2, L: 4, beta: 1, trajLength: 1, mdSteps: 10 };

async function record(nPerChain: number, maxPoints: number) {
  const run = await runChains({ spec, seed: 'rec', chains: 2, workers: 0, nPerChain, therm: 20 });
  const summary = summariseRun(run);
  const exact = exactReference(spec);
  return { run, rec: chainsRecord({ label: 'hmc', spec, run, summary, exact: exact!.values, deviationSigma: deviationSigma(summary.observables, exact), maxPoints }) };
}

test('chains record: histories bounded and exact, ACF and window from the Γ-method, charges counted', async () => {
  const { run, rec } = await record(1500, 100);
  assert.is(rec.kind, 'chains');
  assert.is(rec.histories.chains.length, 2);
  const names = run.chains[0]!.names;
  for (const [k, h] of rec.histories.chains.entries()) {
    assert.ok(h.index.length <= 200 && h.index.length >= 100, `${h.index.length} points`);
    const q = run.chains[k]!.series[names.indexOf('Q')]!;
    h.index.forEach((i, j) => assert.is(h.series.Q![j], q[i]));
  }
  // the window and τ_int are those of the Γ-method on the full series (chains as replica)
  const g = gammaMethod(run.chains.map((c) => c.series[names.indexOf('Q')]!));
  assert.is(rec.autocorrelation.Q!.window, g.window);
  assert.is(rec.autocorrelation.Q!.tauInt, g.tauInt);
  assert.is(rec.autocorrelation.Q!.rho[0], 1);
  assert.ok(rec.autocorrelation.Q!.lag.at(-1)! >= Math.min(50, 2 * g.window));
  // every measurement is in exactly one charge bin; exact P(Q) sums to ~1 over the bins shown
  const c = rec.charge!;
  assert.is(c.count.reduce((a, b) => a + b, 0), 3000);
  assert.ok(Math.abs(c.exactP!.reduce((a, b) => a + b, 0) - 1) < 1e-3);
  assert.equal(scanPointsFromChains([rec]), [{ sampler: 'hmc', L: 4, beta: 1, tauIntQ: rec.observables.Q!.tauInt, tauIntQErr: rec.observables.Q!.tauIntErr }]);
});

test('charge histogram: exact P(Q) on the shown charges is u1ChargeDistribution2D', () => {
  const h = chargeHistogram([Float64Array.of(0, 1, -1, 1 + 1e-12, 0)], { group: 'u1', dims: 2, L: 8, beta: 2 });
  const d = u1ChargeDistribution2D(2, 8);
  assert.equal(h.count[h.Q.indexOf(1)], 2);
  assert.equal(h.count[h.Q.indexOf(0)], 2);
  for (const [i, q] of h.Q.entries()) assert.is(h.exactP![i], d.P[d.Q.indexOf(q)]);
  // every charge with P ≥ 1e-4 is shown, sampled or not
  assert.ok(d.Q.every((q, i) => d.P[i]! < 1e-4 || h.Q.includes(q)));
  assert.is(chargeHistogram([Float64Array.of(0)], { group: 'su2', dims: 2, L: 8, beta: 2 }).exactP, null);
});

test('training record decimates the curve and keeps the result', () => {
  const curve = Array.from({ length: 5000 }, (_, i) => [i, 1 / (i + 1), i / 5000] as [number, number, number]);
  const r = trainingRecord('t', 8, 2, curve, { ess: 0.3 });
  assert.ok(r.step.length <= 2000 && r.step.length >= 1000);
  assert.is(r.step[0], 0);
  assert.is(r.loss[1], 1 / (r.step[1]! + 1));
  assert.is(r.result.ess, 0.3);
});

test.run();
