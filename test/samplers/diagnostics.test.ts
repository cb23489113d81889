import { test } from 'uvu';
import * as assert from 'uvu/assert';
import seedrandom from 'seedrandom';
import {
  bootstrap,
  gammaMethod,
  gammaMethodDerived,
  importanceEss,
  jackknife,
  rankRhat,
  splitRhat,
} from '../../samplers/diagnostics/index.ts';

function normal(rng: () => number): () => number {
  return () => {
    const u = 1 - rng();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
  };
}

/** Stationary AR(1) of unit variance: x_t = ρ x_{t−1} + √(1−ρ²) ε_t, τ_int = (1+ρ)/(2(1−ρ)). */
function ar1(n: number, rho: number, seed: string, shift = 0): Float64Array {
  const g = normal(seedrandom.alea(seed));
  const x = new Float64Array(n);
  let v = g();
  const c = Math.sqrt(1 - rho * rho);
  for (let i = 0; i < n; i++) {
    x[i] = v + shift;
    v = rho * v + c * g();
  }
  return x;
}

const tauAr1 = (rho: number) => (1 + rho) / (2 * (1 - rho));

/** Exact variance of the mean of n steps of the stationary unit-variance AR(1). */
function varMeanAr1(n: number, rho: number): number {
  let s = 1;
  let p = 1;
  for (let t = 1; t < n; t++) {
    p *= rho;
    s += 2 * (1 - t / n) * p;
  }
  return s / n;
}

test('AR(1) ρ=0.9: τ_int = 9.5 within 3σ, σ_τ from Madras–Sokal plausible', () => {
  const x = ar1(200_000, 0.9, 'ar1-tau');
  const r = gammaMethod(x);
  const tau = tauAr1(0.9);
  assert.ok(Math.abs(r.tauInt - tau) < 3 * r.tauIntErr, `τ̂ = ${r.tauInt} ± ${r.tauIntErr}, exact ${tau}`);
  // σ_τ ≈ 2τ √((W + ½ − τ)/N) with W of several τ: between 0.1 and 0.6 here.
  assert.ok(r.tauIntErr > 0.1 && r.tauIntErr < 0.6, `σ_τ = ${r.tauIntErr}`);
  assert.ok(r.window > 2 * tau && r.window < 20 * tau, `W = ${r.window}`);
  assert.ok(Math.abs(r.value) < 4 * r.err, `mean ${r.value} ± ${r.err}`);
  assert.ok(Math.abs(r.ess - r.N / (2 * r.tauInt)) < 1e-9 * r.N);
  // σ of the mean agrees with the exact √(2τ/N) to the error of the error.
  const exact = Math.sqrt(varMeanAr1(x.length, 0.9));
  assert.ok(Math.abs(r.err - exact) < 3 * r.errErr, `err ${r.err} ± ${r.errErr}, exact ${exact}`);
  assert.is(r.warning, undefined);
});

test('ρ(t) beyond 2W on request (rhoLags): AR(1) ρ(t) = 0.9^t out to t = 80', () => {
  const x = ar1(200_000, 0.9, 'ar1-tau');
  const plain = gammaMethod(x);
  assert.is(plain.rho.length, 2 * plain.window + 1);
  const r = gammaMethod(x, { rhoLags: 80 });
  assert.is(r.rho.length, Math.max(2 * r.window, 80) + 1);
  assert.is(r.tauInt, plain.tauInt); // the analysis itself does not change
  // ρ̂(t) fluctuates by about √(2τ/N)·(1 + …) ≈ 0.01–0.03 here
  for (let t = 0; t <= 80; t++) assert.ok(Math.abs(r.rho[t]! - 0.9 ** t) < 0.06, `ρ(${t}) = ${r.rho[t]}, exact ${0.9 ** t}`);
  assert.is(gammaMethod(x.subarray(0, 100), { rhoLags: 500 }).rho.length, 51); // capped at N/2
});

test('i.i.d. data: τ_int = 0.5 within errors, error = naive σ/√N', () => {
  const g = normal(seedrandom.alea('iid'));
  const x = Float64Array.from({ length: 50_000 }, g);
  const r = gammaMethod(x);
  assert.ok(Math.abs(r.tauInt - 0.5) < 3 * r.tauIntErr, `τ̂ = ${r.tauInt} ± ${r.tauIntErr}`);
  assert.ok(r.window <= 10, `W = ${r.window}`);
  const m = x.reduce((s, v) => s + v, 0) / x.length;
  const sd = Math.sqrt(x.reduce((s, v) => s + (v - m) ** 2, 0) / x.length);
  assert.ok(Math.abs(r.err / (sd / Math.sqrt(x.length)) - 1) < 0.05);
  // Short i.i.d. series: τ_int(W) ≤ ½ must stop the window at once (τ(W) → 0), never run to N/2.
  for (let k = 0; k < 100; k++) {
    const y = Float64Array.from({ length: 1000 }, g);
    const ry = gammaMethod(y);
    assert.ok(ry.window <= 12 && ry.warning === undefined, `series ${k}: W = ${ry.window}, τ = ${ry.tauInt}`);
  }
  // S = 0: no autocorrelation assumed, τ_int = ½ exactly.
  const r0 = gammaMethod(x, { S: 0 });
  assert.is(r0.window, 0);
  assert.ok(Math.abs(r0.tauInt - 0.5) < 1e-12);
});

test('AR(1) error of the mean matches the spread over 200 independent replica', () => {
  const rho = 0.8;
  const n = 4000;
  const means: number[] = [];
  const errs: number[] = [];
  for (let k = 0; k < 200; k++) {
    const r = gammaMethod(ar1(n, rho, `spread-${k}`));
    means.push(r.value);
    errs.push(r.err);
  }
  const mu = means.reduce((s, v) => s + v, 0) / means.length;
  const spread = Math.sqrt(means.reduce((s, v) => s + (v - mu) ** 2, 0) / (means.length - 1));
  const meanErr = Math.sqrt(errs.reduce((s, v) => s + v * v, 0) / errs.length);
  const exact = Math.sqrt(varMeanAr1(n, rho));
  // The spread of 200 values has a relative error 1/√400 = 5%; allow 3σ.
  assert.ok(Math.abs(spread / exact - 1) < 0.15, `spread ${spread}, exact ${exact}`);
  // Γ-method errors are biased low by O(W/N) only; their rms is within a few % of the truth.
  assert.ok(Math.abs(meanErr / exact - 1) < 0.06, `rms error ${meanErr}, exact ${exact}`);
});

test('replica: four chains of one AR(1) process give τ_int and the pooled mean', () => {
  const reps = [0, 1, 2, 3].map((k) => ar1(50_000, 0.9, `rep-${k}`));
  const r = gammaMethod(reps);
  assert.is(r.N, 200_000);
  assert.is(r.replica, 4);
  assert.ok(Math.abs(r.tauInt - 9.5) < 3 * r.tauIntErr, `τ̂ = ${r.tauInt} ± ${r.tauIntErr}`);
  let s = 0;
  for (const x of reps) for (const v of x) s += v;
  assert.ok(Math.abs(r.value - s / 200_000) < 1e-15);
  assert.throws(() => gammaMethod([reps[0]!, new Float64Array(0)]), /replica 1 is empty/);
  assert.throws(() => gammaMethod(Float64Array.of(1, NaN, 2)), /non-finite/);
});

test('derived quantities: linear f is exact, ratio error matches the replica spread', () => {
  const a = ar1(20_000, 0.5, 'lin-a');
  const b = ar1(20_000, 0.7, 'lin-b');
  const ra = gammaMethod(a);
  const r2 = gammaMethodDerived([a], (m) => 3 * m[0]!);
  assert.ok(Math.abs(r2.err - 3 * ra.err) < 1e-9 * ra.err);
  assert.ok(Math.abs(r2.tauInt - ra.tauInt) < 1e-9);
  const rab = gammaMethodDerived([a, b], (m) => m[0]! - m[1]!, { gradient: [1, -1] });
  const diff = a.map((v, i) => v - b[i]!);
  const rd = gammaMethod(diff);
  assert.ok(Math.abs(rab.err - rd.err) < 1e-9 * rd.err);
  // Nonlinear: ⟨A⟩/⟨B⟩ with ⟨A⟩ = 2, ⟨B⟩ = 4, correlated AR(1) noise.
  const vals: number[] = [];
  const errs: number[] = [];
  for (let k = 0; k < 100; k++) {
    const x = ar1(3000, 0.8, `ratio-x-${k}`);
    const y = ar1(3000, 0.6, `ratio-y-${k}`);
    const A = x.map((v) => 2 + v);
    const B = x.map((v, i) => 4 + 0.5 * v + y[i]!);
    const r = gammaMethodDerived([A, B], (m) => m[0]! / m[1]!);
    vals.push(r.value);
    errs.push(r.err);
  }
  const mu = vals.reduce((s, v) => s + v, 0) / vals.length;
  const spread = Math.sqrt(vals.reduce((s, v) => s + (v - mu) ** 2, 0) / (vals.length - 1));
  const rms = Math.sqrt(errs.reduce((s, v) => s + v * v, 0) / errs.length);
  assert.ok(Math.abs(mu - 0.5) < 4 * spread / 10, `mean ratio ${mu}`);
  assert.ok(Math.abs(rms / spread - 1) < 0.25, `rms err ${rms}, spread ${spread}`); // 100 replica: ±7%
});

test('constant data: no fluctuation, err 0, τ undefined', () => {
  const r = gammaMethod([new Float64Array(100).fill(3), new Float64Array(100).fill(3)]);
  assert.is(r.value, 3);
  assert.is(r.err, 0);
  assert.ok(Number.isNaN(r.tauInt));
  assert.ok(Number.isNaN(r.ess));
  assert.match(r.warning ?? '', /do not fluctuate/);
});

test('series far shorter than τ_int: windowing fails loudly, τ_int a lower bound', () => {
  const r = gammaMethod(ar1(400, 0.999, 'short'));
  assert.match(r.warning ?? '', /not decorrelated|windowing failed/);
  assert.ok(Number.isNaN(r.tauIntErr));
  assert.ok(r.tauInt > 20, `τ̂ ${r.tauInt}`);
  // chains frozen in different sectors: only between-chain fluctuations
  const frozen = [0, 1, -1, 0].map((q) => new Float64Array(500).fill(q));
  const f = gammaMethod(frozen);
  assert.match(f.warning ?? '', /not decorrelated|windowing failed/);
  assert.ok(f.ess < 10, `ESS ${f.ess}`);
});

test('importance ESS: equal weights 1, one dominant weight 1/N, stable at ±1000', () => {
  assert.ok(Math.abs(importanceEss(new Float64Array(100).fill(0.3)) - 1) < 1e-14);
  assert.ok(Math.abs(importanceEss(new Float64Array(100).fill(1000)) - 1) < 1e-14);
  assert.ok(Math.abs(importanceEss(new Float64Array(100).fill(-1000)) - 1) < 1e-14);
  const lw = new Float64Array(100).fill(-1000);
  lw[17] = 1000;
  assert.ok(Math.abs(importanceEss(lw) - 0.01) < 1e-14);
  // Two weights 1 and e^{-1}: ESS/N = (1+a)²/(2(1+a²)), a = e^{-1}.
  const a = Math.exp(-1);
  assert.ok(Math.abs(importanceEss([999, 998]) - (1 + a) ** 2 / (2 * (1 + a * a))) < 1e-14);
  lw[3] = -Infinity;
  assert.ok(Math.abs(importanceEss(lw) - 0.01) < 1e-14);
  assert.throws(() => importanceEss([NaN, 1]), /log-weight 0/);
  assert.throws(() => importanceEss([]), /no log-weights/);
});

test('R-hat: ≈ 1 for mixed chains, > 1.1 for chains stuck at different means', () => {
  const mixed = [0, 1, 2, 3].map((k) => ar1(4000, 0.5, `rh-${k}`));
  const s = splitRhat(mixed);
  const rr = rankRhat(mixed);
  assert.ok(s > 0.99 && s < 1.01, `split R̂ = ${s}`);
  assert.ok(rr.rhat > 0.99 && rr.rhat < 1.01, `rank R̂ = ${rr.rhat}`);
  const stuck = [0, 1, 2, 3].map((k) => ar1(4000, 0.5, `rh-${k}`, k * 0.5));
  assert.ok(splitRhat(stuck) > 1.1, `split R̂ stuck = ${splitRhat(stuck)}`);
  assert.ok(rankRhat(stuck).bulk > 1.1);
  // A chain drifting within itself is caught by the split even with one chain.
  const drift = Float64Array.from(ar1(4000, 0.5, 'drift'), (v, i) => v + (i < 2000 ? 0 : 2));
  assert.ok(splitRhat([drift]) > 1.1);
  // Frozen integer charge in different sectors: R̂ = ∞; all equal: undefined.
  const frozen = [new Float64Array(10).fill(0), new Float64Array(10).fill(1), new Float64Array(10).fill(-1)];
  assert.is(rankRhat(frozen).rhat, Infinity);
  assert.is(splitRhat(frozen), Infinity);
  assert.ok(Number.isNaN(splitRhat([new Float64Array(10), new Float64Array(10)])));
  assert.throws(() => splitRhat([Float64Array.of(1, 2, 3)]), /at least 4/);
});

test('jackknife = naive error for i.i.d. data; blocked jackknife and bootstrap see autocorrelation', () => {
  const g = normal(seedrandom.alea('jk'));
  const x = Float64Array.from({ length: 2000 }, g);
  const jk = jackknife([x], (m) => m[0]!);
  const m = x.reduce((s, v) => s + v, 0) / x.length;
  const naive = Math.sqrt(x.reduce((s, v) => s + (v - m) ** 2, 0) / (x.length - 1) / x.length);
  assert.ok(Math.abs(jk.err / naive - 1) < 1e-10, `${jk.err} vs ${naive}`);
  assert.ok(Math.abs(jk.value - m) < 1e-14 && Math.abs(jk.biasCorrected - m) < 1e-12);
  // ⟨x²⟩ − ⟨x⟩²... a nonlinear f: jackknife and Γ-method agree.
  const y = ar1(40_000, 0.9, 'jk-ar');
  const y2 = y.map((v) => v * v);
  const f = (mm: number[]) => mm[1]! - mm[0]! * mm[0]!;
  const gm = gammaMethodDerived([y, y2], f);
  const jb = jackknife([y, y2], f, { blockSize: 200 });
  assert.ok(Math.abs(jb.err / gm.err - 1) < 0.3, `jackknife ${jb.err}, gamma ${gm.err}`);
  const bs = bootstrap([y, y2], f, { blockSize: 200, seed: 5, samples: 500 });
  assert.ok(Math.abs(bs.err / gm.err - 1) < 0.3, `bootstrap ${bs.err}, gamma ${gm.err}`);
  assert.ok(bs.interval68[0] < bs.value && bs.value < bs.interval68[1]);
  // Seeded: same seed, same answer; unblocked jackknife underestimates a correlated error.
  assert.is(bootstrap([y, y2], f, { blockSize: 200, seed: 5, samples: 500 }).err, bs.err);
  assert.ok(jackknife([y], (mm) => mm[0]!).err < 0.4 * gammaMethod(y).err);
  assert.throws(() => jackknife([x], (mm) => mm[0]!, { blockSize: 1500 }), /at least 2 blocks/);
});

test.run();
