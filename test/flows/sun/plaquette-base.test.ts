/**
 * The SU(N) plaquette base of 2D flows (src/flows/sun/plaquette-base.ts): its log q is the density of
 * what it draws (importance estimate of the exact Z on square and non-square tori, SU(2) and SU(3);
 * a density claiming another β fails), the draws are SU(N), log q is gauge invariant and the same
 * as a tensor op and in float64, and a flow on it has forward log q = inverse log q.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend, tf } from '../../../src/backend/index.ts';
import { makeLattice } from '../../../lattices/geometry.ts';
import { makeRng } from '../../../lattices/random.ts';
import { su } from '../../../lattices/group.ts';
import { wilsonAction } from '../../../lattices/action.ts';
import { applyGauge, randomGauge } from '../../../lattices/gauge.ts';
import { sunError } from '../../../lattices/matrix.ts';
import { sunExactTorus } from '../../../lattices/exact/sun.ts';
import { logMeanExp } from '../../../samplers/diagnostics/weights.ts';
import { sunPlaquetteBase } from '../../../src/flows/sun/plaquette-base.ts';
import { makeSUNGaugeFlow } from '../../../src/flows/sun/flow.ts';
import { sunLinksToTensors } from '../../../src/flows/sun/links.ts';
import type { SUNField } from '../../../lattices/field.ts';

test.before(async () => {
  await initBackend();
});

/** log Ẑ = log mean e^{−S − log q} and its delta-method error, from draws of `base` with density `density`. */
function logZEstimate(N: number, L0: number, L1: number, beta: number, densityBeta: number, n: number, seed: string) {
  const lattice = makeLattice([L0, L1]);
  const base = sunPlaquetteBase(lattice, N, beta);
  const links = base.sample(n, makeRng('sun-pbase', seed));
  const logq = sunPlaquetteBase(lattice, N, densityBeta).logProb64(links, n);
  const per = links.length / n;
  const lw = new Float64Array(n);
  let worstSU = 0;
  for (let b = 0; b < n; b++) {
    const f: SUNField = { group: su(N), lattice, links: links.subarray(b * per, (b + 1) * per) };
    lw[b] = -wilsonAction(f, beta) - logq[b]!;
    worstSU = Math.max(worstSU, sunError(f.links, 0, N));
  }
  const logZ = logMeanExp(lw);
  const w = Array.from(lw, (v) => Math.exp(v - logZ));
  const sd = Math.sqrt(w.reduce((a, x) => a + (x - 1) ** 2, 0) / (n - 1) / n);
  const ess = n / w.reduce((a, x) => a + x * x, 0);
  return { logZ, err: sd, ess, exact: sunExactTorus(N, beta, L0 * L1).logZ, worstSU };
}

for (const [N, L0, L1, beta] of [[2, 4, 4, 3], [2, 8, 4, 2], [3, 4, 4, 4]] as const) {
  test(`SU(${N}) ${L0}×${L1}, β = ${beta}: importance estimate of Z with the plaquette base = exact within 3σ; draws in SU(${N}); ESS far above Haar's`, () => {
    const r = logZEstimate(N, L0, L1, beta, beta, 3000, `${N}-${L0}`);
    assert.ok(r.worstSU < 1e-12, `draws leave SU(${N}) by ${r.worstSU}`);
    assert.ok(r.err > 0 && r.err < 0.05, `error ${r.err}`);
    assert.ok(Math.abs(r.logZ - r.exact) < 3 * r.err, `log Z ${r.logZ} ± ${r.err} vs exact ${r.exact}`);
    assert.ok(r.ess > 0.3, `ESS ${r.ess}`);
  });
}

test('a density claiming another β fails the Z test (the test can fail)', () => {
  const r = logZEstimate(2, 4, 4, 3, 3.4, 3000, 'wrong');
  assert.ok(Math.abs(r.logZ - r.exact) > 5 * r.err, `wrong density passed: ${r.logZ} ± ${r.err} vs ${r.exact}`);
});

test('log q: tensor op = float64, gauge invariant; a flow on the base: sample log q = inverse log q = float64 draw', () => {
  for (const N of [2, 3]) {
    const lattice = makeLattice([4, 8]);
    const beta = 2.5;
    const base = sunPlaquetteBase(lattice, N, beta);
    const n = 3;
    const links = base.sample(n, makeRng('sun-pbase-op', N));
    const f64 = base.logProb64(links, n);
    const op = tf.tidy(() => base.logProb(sunLinksToTensors(lattice, N, links, n)).dataSync());
    for (let b = 0; b < n; b++) assert.ok(Math.abs(op[b]! - f64[b]!) < 2e-3 * (1 + Math.abs(f64[b]!)), `op ${op[b]} vs float64 ${f64[b]}`);
    const per = links.length / n;
    const gauged = new Float64Array(links.length);
    for (let b = 0; b < n; b++) {
      const f: SUNField = { group: su(N), lattice, links: links.slice(b * per, (b + 1) * per) };
      gauged.set(applyGauge(f, randomGauge(lattice, su(N), makeRng('sun-pbase-omega', b))).links, b * per);
    }
    const g64 = base.logProb64(gauged, n);
    for (let b = 0; b < n; b++) assert.ok(Math.abs(g64[b]! - f64[b]!) < 1e-9 * (1 + Math.abs(f64[b]!)), `gauge: ${g64[b]} vs ${f64[b]}`);

    const flow = makeSUNGaugeFlow(2, N, 4, makeRng('sun-pbase-flow', N), { outScale: 1, baseBeta: beta });
    tf.tidy(() => {
      const s = flow.sample(lattice, n, makeRng('sun-pbase-draw', N));
      const lq = s.logq.dataSync();
      const back = flow.logProb(s.x).logq.dataSync();
      assert.ok(Math.max(...Array.from(lq, (v, i) => Math.abs(v - back[i]!))) < 5e-3 * (1 + Math.abs(lq[0]!)), `sample ${lq} vs logProb ${back}`);
      const mc = flow.sampleForMCMC(lattice, n, makeRng('sun-pbase-draw', N));
      assert.ok(Math.max(...Array.from(lq, (v, i) => Math.abs(v - mc.logq[i]!))) < 5e-3 * (1 + Math.abs(lq[0]!)), `float64 draw ${mc.logq} vs ${lq}`);
      // the base enters log q: the same fields under a Haar-based flow with the same weights differ
      const haar = makeSUNGaugeFlow(2, N, 4, makeRng('sun-pbase-flow', N), { outScale: 1 });
      const hq = haar.logProb(s.x).logq.dataSync();
      assert.ok(Math.abs(hq[0]! - back[0]!) > 1, 'the base enters log q');
      haar.dispose();
    });
    flow.dispose();
  }
  assert.throws(() => makeSUNGaugeFlow(4, 2, 1, makeRng(1), { baseBeta: 1 }), /needs dims 2/);
  assert.throws(() => sunPlaquetteBase(makeLattice([4, 4]), 2, -1), /beta must be finite/);
});

test.run();
