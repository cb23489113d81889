import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeLattice } from '../../lattices/geometry.ts';
import { hotStart, type GaugeField, type SUNField, type U1Field } from '../../lattices/field.ts';
import { makeRng } from '../../lattices/random.ts';
import { averagePlaquette, stapleSUN, wilsonAction } from '../../lattices/action.ts';
import { topologicalCharge } from '../../lattices/observables.ts';
import { besselI } from '../../lattices/exact/bessel.ts';
import { u1Exact2D } from '../../lattices/exact/u1.ts';
import { sunExact2D } from '../../lattices/exact/sun.ts';
import { singleMatrixSUN } from '../../lattices/exact/single-matrix.ts';
import { mul, reTraceMul, sunError } from '../../lattices/matrix.ts';
import { gammaMethod } from '../../samplers/diagnostics/index.ts';
import { U1Staples, vonMises } from '../../samplers/heatbath_u1.ts';
import { a0Creutz, a0KennedyPendleton } from '../../samplers/heatbath_su2.ts';
import { SunHeatbath } from '../../samplers/heatbath_sun.ts';
import { heatbathKernel } from '../../samplers/heatbath.ts';

/** Pearson χ² of counts against bin probabilities (bins with expectation < 5 merged into neighbours is
 * unnecessary here: every test below keeps expectations ≥ 20). */
function chi2(counts: number[], probs: number[], n: number): number {
  let c = 0;
  for (let i = 0; i < counts.length; i++) {
    const e = n * probs[i];
    c += (counts[i] - e) ** 2 / e;
  }
  return c;
}
// 99.99% quantile of χ² with 39 degrees of freedom (40 bins, probabilities fixed; Wilson–Hilferty).
// This file runs ~16 χ² tests, so a per-test false-alarm rate of 1e-4 keeps the file's rate ~0.2%.
const CHI2_39_9999 = 80.8;

/** Bin probabilities of a density on (−π, π] known up to normalisation, by midpoint quadrature. */
function binProbs(logDensity: (x: number) => number, bins: number, lo = -Math.PI, hi = Math.PI, sub = 40): number[] {
  const w = (hi - lo) / bins, h = w / sub;
  const p: number[] = [];
  for (let b = 0; b < bins; b++) {
    let s = 0;
    for (let k = 0; k < sub; k++) s += Math.exp(logDensity(lo + b * w + (k + 0.5) * h));
    p.push(s * h);
  }
  const z = p.reduce((a, b) => a + b);
  return p.map((x) => x / z);
}

function histogram(xs: Float64Array, bins: number, lo = -Math.PI, hi = Math.PI): number[] {
  const c = new Array<number>(bins).fill(0);
  for (const x of xs) c[Math.min(bins - 1, Math.floor(((x - lo) / (hi - lo)) * bins))]++;
  return c;
}

test('von Mises draws match exp(κ cos θ) (χ², 40 bins, 20000 draws; the test detects κ off by 15%)', () => {
  const bins = 40, n = 20000;
  for (const kappa of [1e-6, 0.3, 2, 9, 60]) {
    const rng = makeRng(1, 'vm', kappa);
    const xs = new Float64Array(n);
    for (let i = 0; i < n; i++) xs[i] = vonMises(kappa, rng);
    const h = histogram(xs, bins);
    const c = chi2(h, binProbs((x) => kappa * Math.cos(x), bins), n);
    assert.ok(c < CHI2_39_9999, `κ = ${kappa}: χ² = ${c}`);
    if (kappa >= 2 && kappa <= 9) {
      const wrong = chi2(h, binProbs((x) => 1.15 * kappa * Math.cos(x), bins), n);
      assert.ok(wrong > 2 * CHI2_39_9999, `κ = ${kappa}: χ² against 1.15κ only ${wrong} (test has no power)`);
    }
  }
  assert.throws(() => vonMises(-1, Math.random), /kappa/);
});

test('U(1) heat bath: one link resampled repeatedly follows exp(−S(θ_l)) computed from the Wilson action (χ²)', () => {
  for (const dims of [2, 3]) {
    const beta = 1.3, bins = 40, n = 20000, l = 7;
    const f = hotStart(makeLattice(new Array(dims).fill(3)), { kind: 'u1' }, makeRng(2, 'start', dims));
    const probe: U1Field = { ...f, theta: f.theta.slice() };
    const logp = (x: number) => { probe.theta[l] = x; return -wilsonAction(probe, beta); };
    const probs = binProbs(logp, bins, -Math.PI, Math.PI, 10);
    const st = new U1Staples(f);
    const rng = makeRng(2, 'hb', dims);
    const xs = new Float64Array(n);
    for (let i = 0; i < n; i++) { st.heatbathLink(l, beta, rng); xs[i] = f.theta[l]; }
    const c = chi2(histogram(xs, bins), probs, n);
    assert.ok(c < CHI2_39_9999, `d = ${dims}: χ² = ${c}`);
  }
});

test('SU(2) a0 samplers (Kennedy–Pendleton, Creutz): ⟨a0⟩ = I₂(α)/I₁(α) and χ² of √(1−a0²) e^{α a0}', () => {
  const n = 20000, bins = 40;
  for (const [name, draw, alphas] of [['KP', a0KennedyPendleton, [1, 2.5, 12]], ['Creutz', a0Creutz, [0.2, 1, 3]]] as const) {
    for (const alpha of alphas) {
      const rng = makeRng(3, name, alpha);
      const xs = new Float64Array(n);
      let m = 0, m2 = 0;
      for (let i = 0; i < n; i++) { const a = draw(alpha, rng); xs[i] = a; m += a; m2 += a * a; }
      m /= n;
      const err = Math.sqrt((m2 / n - m * m) / n);
      const exact = besselI(2, alpha) / besselI(1, alpha);
      assert.ok(Math.abs(m - exact) < 4 * err, `${name} α = ${alpha}: ⟨a0⟩ = ${m} ± ${err} vs ${exact}`);
      const probs = binProbs((x) => alpha * x + 0.5 * Math.log(Math.max(1e-300, 1 - x * x)), bins, -1, 1, 50);
      const c = chi2(histogram(xs, bins, -1, 1), probs, n);
      assert.ok(c < CHI2_39_9999, `${name} α = ${alpha}: χ² = ${c}`);
    }
  }
});

test('SU(N) Cabibbo–Marinari heat bath on one link (fixed staple) reproduces the single-matrix ⟨(1/N) Re tr(U A)⟩', () => {
  // On a 2×2 lattice with all links 1 except U_1(site 1) = V and U_1(site 3) = V† (V Haar-random),
  // both staples of link 0 equal V, so A = 2V and W = U V has the single-matrix law
  // exp((2β/N) Re tr W): a non-trivial V checks the SU(2)-subgroup projections.
  for (const N of [2, 3]) {
    const beta = 1.1, n = 6000;
    const lat = makeLattice([2, 2]);
    const m = 2 * N * N;
    const f = hotStart(lat, { kind: 'sun', N }, makeRng(4, 'start', N)) as SUNField;
    const V = f.links.slice(3 * m, 4 * m);
    for (let l = 1; l < lat.volume * 2; l++) {
      if (l === 3) continue;
      for (let i = 0; i < m; i++) f.links[l * m + i] = i % (2 * N + 2) === 0 ? 1 : 0;
    }
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) {
      f.links[7 * m + 2 * (i * N + j)] = V[2 * (j * N + i)];
      f.links[7 * m + 2 * (i * N + j) + 1] = -V[2 * (j * N + i) + 1];
    }
    const A = new Float64Array(m);
    stapleSUN(f, 0, A, 0);
    let dev = 0;
    for (let i = 0; i < m; i++) dev = Math.max(dev, Math.abs(A[i] - 2 * V[i]));
    assert.ok(dev < 1e-12, `staple of link 0 should be 2V (deviation ${dev})`);
    const hb = new SunHeatbath(f);
    const rng = makeRng(4, 'hb', N);
    const xs = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      hb.updateLink(0, beta, rng);
      if (N > 2) hb.updateLink(0, 0, null); // over-relaxation between heat baths must not change the law
      xs[i] = reTraceMul(f.links, 0, A, 0, N) / (2 * N);
    }
    assert.ok(sunError(f.links, 0, N) < 1e-12, 'link left SU(N)');
    const r = gammaMethod(xs);
    const exact = singleMatrixSUN(N, 2 * beta, [1]).retr;
    assert.ok(r.err < 0.01, `SU(${N}) error ${r.err}`);
    assert.ok(Math.abs(r.value - exact) < 4 * r.err, `SU(${N}): ⟨(1/N) Re tr U⟩ = ${r.value} ± ${r.err} vs ${exact}`);
  }
});

test('over-relaxation keeps the action (U(1), SU(2), SU(3); 2D and 4D) and moves the links', () => {
  for (const [g, dims] of [['u1', 2], ['u1', 4], ['su2', 4], ['su3', 2], ['su3', 4]] as const) {
    const lat = makeLattice(new Array(dims).fill(dims === 2 ? 4 : 2));
    const group = g === 'u1' ? { kind: 'u1' as const } : { kind: 'sun' as const, N: g === 'su2' ? 2 : 3 };
    const f = hotStart(lat, group, makeRng(5, g, dims));
    const k = heatbathKernel({ beta: 2, orSteps: 0 });
    const s = k.init(f);
    k.step(s, makeRng(5, 'hb', g, dims)); // thermalise a little away from Haar
    const before = f.group.kind === 'u1' ? (f as U1Field).theta.slice() : (f as SUNField).links.slice();
    const s0 = wilsonAction(f, 2);
    if (s.u1) s.u1.overrelaxSweep();
    else s.sun!.sweep(2, null);
    const after = f.group.kind === 'u1' ? (f as U1Field).theta : (f as SUNField).links;
    let moved = 0;
    for (let i = 0; i < after.length; i++) moved = Math.max(moved, Math.abs(after[i] - before[i]));
    assert.ok(Math.abs(wilsonAction(f, 2) - s0) < 1e-10 * Math.max(1, Math.abs(s0)), `${g} d=${dims}: ΔS = ${wilsonAction(f, 2) - s0}`);
    assert.ok(moved > 0.1, `${g} d=${dims}: over-relaxation did not move the links`);
  }
});

function measure(f: GaugeField, beta: number, orSteps: number, n: number, burn: number, seed: number, obs: (f: GaugeField) => number[]): Float64Array[] {
  const k = heatbathKernel({ beta, orSteps });
  const s = k.init(f);
  const rng = makeRng(seed, 'chain', 0);
  const out: Float64Array[] = [];
  for (let i = 0; i < n + burn; i++) {
    const [, info] = k.step(s, rng);
    assert.ok(info.accepted && info.acceptProb === 1);
    if (i < burn) continue;
    const o = obs(f);
    while (out.length < o.length) out.push(new Float64Array(n));
    o.forEach((v, j) => (out[j][i - burn] = v));
  }
  return out;
}

test('heat bath + OR reproduces the exact 2D U(1) plaquette and ⟨Q²⟩ on 6×6 at β = 2 (Γ-method, 4σ)', () => {
  const L = 6, beta = 2, ex = u1Exact2D(beta, L);
  const f = hotStart(makeLattice([L, L]), { kind: 'u1' }, makeRng(6, 'start'));
  const [plaq, q2] = measure(f, beta, 1, 15000, 100, 6, (g) => {
    const Q = topologicalCharge(g as U1Field);
    return [averagePlaquette(g), Q * Q];
  });
  const rp = gammaMethod(plaq), rq = gammaMethod(q2);
  assert.ok(rp.err < 0.002, `plaquette error ${rp.err}`);
  assert.ok(Math.abs(rp.value - ex.plaquette) < 4 * rp.err, `plaquette ${rp.value} ± ${rp.err} vs ${ex.plaquette}`);
  assert.ok(Math.abs(rq.value - ex.Q2) < 4 * rq.err, `Q² ${rq.value} ± ${rq.err} vs ${ex.Q2}`);
});

test('SU(2), SU(3), SU(4) heat bath + OR reproduce the exact 2D finite-volume plaquette (4×4, β = 2 and 4)', () => {
  for (const N of [2, 3, 4]) {
    for (const beta of [2, 4]) {
      const L = 4, ex = sunExact2D(N, beta, L).plaquette;
      const f = hotStart(makeLattice([L, L]), { kind: 'sun', N }, makeRng(7, 'start', N, beta));
      const [plaq] = measure(f, beta, 1, N === 2 ? 2500 : N === 3 ? 1500 : 1000, 50, 7 + N + beta, (g) => [averagePlaquette(g)]);
      const r = gammaMethod(plaq);
      assert.ok(r.err < 0.005, `SU(${N}) β=${beta}: error ${r.err}`);
      assert.ok(Math.abs(r.value - ex) < 4 * r.err, `SU(${N}) β=${beta}: ${r.value} ± ${r.err} vs exact ${ex}`);
    }
  }
});

test('heatbathKernel rejects bad options', () => {
  assert.throws(() => heatbathKernel({ beta: -0.5, orSteps: 1 }), /beta/);
  assert.throws(() => heatbathKernel({ beta: 1, orSteps: -1 }), /orSteps/);
  assert.throws(() => heatbathKernel({ beta: 1, orSteps: 0.5 }), /orSteps/);
});

test.run();
