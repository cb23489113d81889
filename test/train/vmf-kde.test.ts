import { test } from 'uvu';
import * as assert from 'uvu/assert';
import seedrandom from 'seedrandom';
import { sampleVmf } from '../../src/train/flow-matching-cnfm.ts';
import { mixtureLogDensity, selectMixture, vmfKdeLogDensity } from '../../src/train/vmf-kde.ts';

const r = seedrandom('kde');
const unif = (n: number) =>
  Array.from({ length: n }, () => {
    const z = 2 * r() - 1;
    const p = 2 * Math.PI * r();
    const s = Math.sqrt(1 - z * z);
    return [s * Math.cos(p), s * Math.sin(p), z];
  });

test('one centre: the vMF density κ e^{κ x·μ} / (4π sinh κ), also for κ = 10⁶ (no overflow)', () => {
  const mu = [0, 0, 1];
  const x = [[0, 0, 1], [0, Math.sin(0.3), Math.cos(0.3)], [0, 0, -1]];
  for (const k of [0.5, 10, 1e6]) {
    const l = vmfKdeLogDensity([mu], x, k);
    x.forEach((p, i) => {
      const exact = Math.log(k) + k * (p[2]! - 1) - Math.log(2 * Math.PI * -Math.expm1(-2 * k));
      assert.ok(Math.abs(l[i]! - exact) < 1e-9 * Math.max(1, Math.abs(exact)), `κ ${k}: ${l[i]} vs ${exact}`);
    });
  }
});

test('a KDE and its mixture with the uniform density integrate to 1 (Monte Carlo, 3 standard errors)', () => {
  const centres = Array.from({ length: 50 }, () => sampleVmf([1, 0, 0], 3, r));
  const x = unif(40000);
  const kde = vmfKdeLogDensity(centres, x, 8);
  const mix = mixtureLogDensity(new Float64Array(x.length).fill(-Math.log(4 * Math.PI)), kde, 0.3);
  for (const l of [kde, mix]) {
    const q = Array.from(l, (v) => 4 * Math.PI * Math.exp(v));
    const m = q.reduce((a, b) => a + b, 0) / q.length;
    const se = Math.sqrt(q.reduce((a, b) => a + (b - m) ** 2, 0) / (q.length - 1) / q.length);
    assert.ok(se < 0.02 && Math.abs(m - 1) < 3 * se, `∫q = ${m} ± ${se}`);
  }
});

test('selection on validation: data from one vMF pick a kernel sharper than the data and no weight for a wrong flow density', () => {
  const train = Array.from({ length: 400 }, () => sampleVmf([0, 1, 0], 50, r));
  const val = Array.from({ length: 200 }, () => sampleVmf([0, 1, 0], 50, r));
  // "flow" density: uniform — useless here, so the mixture puts (almost) all weight on the KDE
  const sel = selectMixture(train, val, new Float64Array(val.length).fill(-Math.log(4 * Math.PI)));
  assert.ok(sel.weight <= 0.05, `weight ${sel.weight}`);
  // a kernel sharper than the data (bandwidth ∝ n^{−1/6}: κ ≈ 50 · 400^{1/3} ≈ 370), not a spike
  assert.ok(sel.kdeKappa > 50 && sel.kdeKappa < 1000, `κ ${sel.kdeKappa}`);
});

test.run();
