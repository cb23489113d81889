import { test } from 'uvu';
import * as assert from 'uvu/assert';
import seedrandom from 'seedrandom';
import { tf, initBackend } from '../../../src/backend/index.ts';
import { torus, sphere, maximalTorus } from '../../../src/manifolds/index.ts';
import type { Manifold } from '../../../src/manifolds/types.ts';
import { CNF } from '../../../src/flows/cnf/cnf.ts';
import { PotentialF64, rk4StepF64, sphereExpF64 } from '../../../src/flows/cnf/f64.ts';
import { logAbsDet, sphereTangentBasis, exactStep } from '../../../src/flows/cnf/exact.ts';
import { rk4Step, MAX_STAGE_RADIUS } from '../../../src/flows/cnf/rk4.ts';

test.before(async () => {
  await initBackend();
});

/** A CNF whose output layer is scaled up so that the flow is far from the identity. */
function strongFlow(m: Manifold, seed: string, scale: number, steps: number, opts: object = {}): CNF {
  const f = new CNF(m, seedrandom(seed), { hidden: [12, 12], steps, frequencies: 2, ...opts });
  const w = f.variables[f.variables.length - 1];
  w.assign(tf.mul(w, scale));
  return f;
}

const f64Of = (f: CNF) => {
  const j = f.potential.toJSON();
  return new PotentialF64(j.spec, j.weights);
};

/** Float64 map x₀ ↦ x₁ of the whole discrete flow. */
function mapF64(f: CNF, x: number[]): number[] {
  const p = f64Of(f);
  let y = x;
  for (let k = 0; k < f.steps; k++) y = rk4StepF64(p, f.geometry, y, k / f.steps, 1 / f.steps);
  return y;
}

/**
 * The Jacobian of a float64 map by central finite differences, as exactStep reports it: ambient
 * (row-major A×A) on a flat torus, on a sphere the tangent map between sphereTangentBasis(x) and
 * sphereTangentBasis(map(x)) ((A − 1)², M_pq = ⟨e_p(y), ∂_q y⟩).
 */
function fdJacobian(f: CNF, map: (x: number[]) => number[], x: number[], eps = 1e-6): number[] {
  const y = map(x);
  const A = x.length;
  if (f.geometry.kind === 'flat') {
    const J: number[] = new Array(A * A);
    for (let j = 0; j < A; j++) {
      const xp = x.slice();
      const xm = x.slice();
      xp[j] += eps;
      xm[j] -= eps;
      const yp = map(xp);
      const ym = map(xm);
      for (let i = 0; i < A; i++) {
        let d = yp[i] - ym[i];
        d -= 2 * Math.PI * Math.round(d / (2 * Math.PI));
        J[i * A + j] = d / (2 * eps);
      }
    }
    return J;
  }
  const Ex = sphereTangentBasis(x);
  const Ey = sphereTangentBasis(y);
  const n = A - 1;
  const M: number[] = new Array(n * n);
  for (let q = 0; q < n; q++) {
    const yp = map(sphereExpF64(x, Ex[q].map((v) => v * eps)));
    const ym = map(sphereExpF64(x, Ex[q].map((v) => -v * eps)));
    for (let p = 0; p < n; p++) M[p * n + q] = Ey[p].reduce((s, e, i) => s + e * (yp[i] - ym[i]), 0) / (2 * eps);
  }
  return M;
}

/** log|det| of the float64 map between tangent spaces by central finite differences. */
function fdLogDet(f: CNF, x: number[]): number {
  const J = fdJacobian(f, (z) => mapF64(f, z), x);
  return logAbsDet(J, Math.round(Math.sqrt(J.length)));
}

const cases: [string, Manifold, object][] = [
  ['torus2', torus(2), {}],
  ['sphere2', sphere(2), {}],
  ['maxtorus3', maximalTorus(3), { symmetry: 'permutation', timeHarmonics: 1 }],
];

for (const [name, m, opts] of cases) {
  test(`${name}: tfjs RK4 step agrees with the float64 reference step`, () => {
    const f = strongFlow(m, 's1', 4, 3, opts);
    const rng = seedrandom('a');
    const x = m.sampleUniform(16, rng);
    const y = tf.tidy(() => exactStep(f.potential, f.geometry, x, 0, 1 / 3).x.arraySync()) as number[][];
    const p = f64Of(f);
    (x.arraySync() as number[][]).forEach((xi, b) => {
      const yr = rk4StepF64(p, f.geometry, xi, 0, 1 / 3);
      yr.forEach((v, i) => {
        let d = v - y[b][i];
        if (f.geometry.kind === 'flat') d -= 2 * Math.PI * Math.round(d / (2 * Math.PI));
        assert.ok(Math.abs(d) < 3e-5, `sample ${b} coord ${i}: tfjs ${y[b][i]} vs f64 ${v}`);
      });
    });
  });

  test(`${name}: exact-mode log q equals the finite-difference log-det of the discrete map`, () => {
    const f = strongFlow(m, 's2', 4, 3, opts);
    const rng = seedrandom('b');
    const x0 = m.sampleUniform(12, rng);
    const { x, logq } = f.pushExact64(x0);
    const xs = x0.arraySync() as number[][];
    const ys = x.arraySync() as number[][];
    let maxDev = 0;
    let spread = 0;
    xs.forEach((xi, b) => {
      // the push is float32; the f64 reference must land on the same point
      const yr = mapF64(f, xi);
      yr.forEach((v, i) => {
        let d = v - ys[b][i];
        if (f.geometry.kind === 'flat') d -= 2 * Math.PI * Math.round(d / (2 * Math.PI));
        assert.ok(Math.abs(d) < 1e-4, `endpoint mismatch ${d}`);
      });
      const ref = -m.logVolume - fdLogDet(f, xi);
      maxDev = Math.max(maxDev, Math.abs(ref - logq[b]));
      spread = Math.max(spread, Math.abs(ref + m.logVolume));
    });
    assert.ok(spread > 0.3, `flow too close to the identity for a meaningful test (max |logdet| ${spread})`);
    assert.ok(maxDev < 5e-4, `max |exact log q − FD log q| = ${maxDev}`);
  });

  test(`${name}: exactStep's Jacobian (that Newton inverts) equals finite differences of one float64 step, entry by entry`, () => {
    const f = strongFlow(m, 's2', 4, 3, opts);
    const x0 = m.sampleUniform(12, seedrandom('j'));
    const r = exactStep(f.potential, f.geometry, x0, 1 / 3, 1 / 3);
    const p = f64Of(f);
    let maxDev = 0;
    let asym = 0;
    (x0.arraySync() as number[][]).forEach((xi, b) => {
      const M = fdJacobian(f, (z) => rk4StepF64(p, f.geometry, z, 1 / 3, 1 / 3), xi);
      const m2 = M.length;
      const n = Math.round(Math.sqrt(m2));
      const J = r.jac.subarray(b * m2, (b + 1) * m2);
      M.forEach((v, i) => (maxDev = Math.max(maxDev, Math.abs(v - J[i]!))));
      // a gradient flow's step is nearly symmetric: the test must see its asymmetry to catch a transposition
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) asym = Math.max(asym, Math.abs(M[i * n + j]! - M[j * n + i]!));
    });
    tf.dispose(r.x);
    assert.ok(maxDev < 2e-3, `max |J − J_FD| = ${maxDev}`);
    assert.ok(asym > 10 * maxDev, `the step is too symmetric to tell J from Jᵀ (asymmetry ${asym}, tolerance ${maxDev})`);
  });
}

test('divergence mode converges to the exact mode as h⁴', () => {
  for (const [name, m, opts] of cases) {
    const devs: number[] = [];
    for (const steps of [2, 4, 8]) {
      const f = strongFlow(m, 's3', name === 'sphere2' ? 25 : 3, steps, opts);
      const x0 = m.sampleUniform(64, seedrandom('c'));
      const ex = f.pushExact64(x0).logq;
      const dv = tf.tidy(() => f.push(x0, 'divergence').logq.arraySync()) as number[];
      devs.push(dv.reduce((s, v, i) => s + Math.abs(v - ex[i]), 0) / dv.length);
    }
    // h⁴ means a factor 16 per halving; demand > 8 (float32 noise floor ~1e-5 is far below devs[2])
    assert.ok(devs[0] > 1e-3, `${name}: 2-step discrepancy ${devs[0]} too small to test`);
    assert.ok(devs[0] / devs[1] > 8 && devs[1] / devs[2] > 8, `${name}: discrepancies ${devs.join(', ')} do not fall like h⁴`);
  }
});

test('T²: exact density of the discrete map integrates to 1 (trapezoid quadrature, 40² nodes)', () => {
  const m = torus(2);
  const f = strongFlow(m, 's4', 2, 3);
  const n = 40;
  const pts: number[][] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) pts.push([-Math.PI + (2 * Math.PI * i) / n, -Math.PI + (2 * Math.PI * j) / n]);
  const y = tf.tensor2d(pts);
  const { logq, ok, x0 } = f.logProbExact(y);
  x0.dispose();
  assert.ok(ok.every((v) => v === 1), 'Newton inversion failed somewhere');
  let s = 0;
  let maxq = 0;
  for (const v of logq) {
    s += Math.exp(v);
    maxq = Math.max(maxq, Math.exp(v));
  }
  const integral = s * ((2 * Math.PI) / n) ** 2;
  assert.ok(maxq > 2 / (4 * Math.PI * Math.PI), `density too flat for a meaningful test (max ${maxq})`);
  assert.ok(Math.abs(integral - 1) < 2e-3, `∫q = ${integral}`);
  // and the divergence density (continuous time) within its discretisation error
  const ld = tf.tidy(() => f.with({ mode: 'divergence' }).logProb(y).arraySync()) as number[];
  const intDiv = ld.reduce((a, v) => a + Math.exp(v), 0) * ((2 * Math.PI) / n) ** 2;
  assert.ok(Math.abs(intDiv - 1) < 2e-2, `∫q_div = ${intDiv}`);
});

test('S²: density integrates to 1 (Monte Carlo over uniform points, 4 standard errors)', () => {
  const m = sphere(2);
  const f = strongFlow(m, 's5', 6, 4);
  const N = 10000;
  const u = m.sampleUniform(N, seedrandom('d'));
  const lq = tf.tidy(() => f.with({ mode: 'divergence' }).logProb(u).arraySync()) as number[];
  // E_uniform[q/u] = 1
  const r = lq.map((v) => Math.exp(v + m.logVolume));
  const mean = r.reduce((a, b) => a + b, 0) / N;
  const sd = Math.sqrt(r.reduce((a, b) => a + (b - mean) ** 2, 0) / (N - 1));
  assert.ok(sd > 0.2, `density too flat for a meaningful test (sd of q/u = ${sd})`);
  assert.ok(Math.abs(mean - 1) < 4 * (sd / Math.sqrt(N)), `E[q/u] = ${mean} ± ${sd / Math.sqrt(N)}`);
});

test('equivariance: T² shifts (a, −a) with Φ(x₁ + x₂); maximal torus permutations with power sums', () => {
  const wrap = (v: number) => v - 2 * Math.PI * Math.floor((v + Math.PI) / (2 * Math.PI));
  const close = (a: number[][], b: number[][], tol: number, what: string) =>
    a.forEach((r, i) => r.forEach((v, j) => assert.ok(Math.abs(wrap(v - b[i][j])) < tol, `${what}: ${v} vs ${b[i][j]}`)));
  {
    const m = torus(2);
    const f = strongFlow(m, 's6', 4, 4, { symmetry: 'sum' });
    const x0 = m.sampleUniform(32, seedrandom('e'));
    const a = 0.7;
    const shifted = tf.tidy(() => tf.add(x0, tf.tensor2d([[a, -a]])) as tf.Tensor2D);
    const r1 = f.pushExact64(x0);
    const r2 = f.pushExact64(shifted);
    const moved = (r1.x.arraySync() as number[][]).map(([p, q]) => [p + a, q - a]);
    close(moved, r2.x.arraySync() as number[][], 2e-5, 'T² shift');
    r1.logq.forEach((v, i) => assert.ok(Math.abs(v - r2.logq[i]) < 1e-4));
    // and the symmetry is not trivially satisfied by a flow that does nothing
    const d = (r1.x.arraySync() as number[][]).map((r, i) => Math.abs(wrap(r[0] - (x0.arraySync() as number[][])[i][0])));
    assert.ok(Math.max(...d) > 0.1, 'flow is near the identity');
  }
  {
    const m = maximalTorus(3);
    const f = strongFlow(m, 's7', 4, 4, { symmetry: 'permutation' });
    const x0 = m.sampleUniform(32, seedrandom('f'));
    // permutation θ₁ ↔ θ₃ in free coordinates: (φ₁, φ₂) ↦ (−φ₁ − φ₂, φ₂)
    const perm = (x: number[][]) => x.map(([p, q]) => [wrap(-p - q), q]);
    const px0 = tf.tensor2d(perm(x0.arraySync() as number[][]));
    const r1 = f.pushExact64(x0);
    const r2 = f.pushExact64(px0);
    close(perm(r1.x.arraySync() as number[][]), r2.x.arraySync() as number[][], 3e-5, 'maximal torus permutation');
    r1.logq.forEach((v, i) => assert.ok(Math.abs(v - r2.logq[i]) < 2e-4, `logq ${v} vs ${r2.logq[i]}`));
  }
});

test('reverse-KL loss gradient agrees with central finite differences (tiny model on S²)', () => {
  const m = sphere(2);
  const f = new CNF(m, seedrandom('g'), { hidden: [6], steps: 2, mode: 'divergence' });
  const w = f.variables[f.variables.length - 1];
  w.assign(tf.mul(w, 10));
  const x0 = m.sampleUniform(64, seedrandom('h'));
  const logp = (x: tf.Tensor2D) => tf.mul(4, tf.squeeze(tf.slice(x, [0, 2], [-1, 1]), [1])) as tf.Tensor1D;
  const loss = () => tf.tidy(() => {
    const { x, logq } = f.push(x0, 'divergence');
    return tf.mean(tf.sub(logq, logp(x))) as tf.Scalar;
  });
  const { grads } = tf.variableGrads(loss, f.variables);
  const rng = seedrandom('dir');
  const dirs = f.variables.map((v) => tf.tensor(Float32Array.from({ length: v.size }, () => rng() - 0.5), v.shape));
  const analytic = f.variables.reduce((s, v, i) => s + tf.sum(tf.mul(grads[v.name], dirs[i])).dataSync()[0], 0);
  const eps = 2e-3;
  const saved = f.variables.map((v) => v.clone());
  const at = (sgn: number) => {
    f.variables.forEach((v, i) => v.assign(tf.add(saved[i], tf.mul(dirs[i], sgn * eps))));
    return loss().dataSync()[0];
  };
  const fd = (at(1) - at(-1)) / (2 * eps);
  f.variables.forEach((v, i) => v.assign(saved[i]));
  assert.ok(Math.abs(analytic) > 1e-2, `directional derivative ${analytic} too small to test`);
  assert.ok(Math.abs(fd - analytic) < 5e-3 * Math.abs(analytic) + 1e-4, `analytic ${analytic} vs FD ${fd}`);
});

test('exact logProb (Newton-inverted steps) of sampled points reproduces the sample log q', () => {
  for (const [name, m, opts] of cases) {
    const f = strongFlow(m, 's10', 3, 4, opts);
    const s = f.sample(16, seedrandom('k'));
    const lq = s.logq.dataSync();
    const lp = f.logProb(s.x).dataSync();
    lq.forEach((v, i) => assert.ok(Math.abs(v - lp[i]) < 2e-4, `${name}: sample log q ${v} vs logProb ${lp[i]}`));
    assert.ok(s.ok.dataSync().every((v) => v === 1));
  }
});

test("hybrid mode: log q value of the exact map, θ-gradient of the divergence estimate", () => {
  const m = torus(2);
  const f = strongFlow(m, 's9', 3, 2, { mode: 'hybrid' });
  const fd = f.with({ mode: 'divergence' });
  const logp = (x: tf.Tensor2D) => tf.sum(tf.cos(x), 1) as tf.Tensor1D;
  const run = (flow: CNF) => {
    const { value, grads } = tf.variableGrads(() => {
      const s = flow.sample(32, seedrandom('same'));
      return tf.mean(tf.sub(s.logq, logp(s.x))) as tf.Scalar;
    }, f.variables);
    return { v: value.dataSync()[0], g: f.variables.map((w) => Array.from(grads[w.name].dataSync())) };
  };
  const h = run(f);
  const d = run(fd);
  const x0 = m.sampleUniform(32, seedrandom('same'));
  const ex = f.pushExact64(x0);
  const lp = logp(ex.x).dataSync();
  const exactLoss = ex.logq.reduce((s, v, i) => s + v - lp[i], 0) / 32;
  assert.ok(Math.abs(h.v - exactLoss) < 1e-5, `hybrid loss ${h.v} vs exact ${exactLoss}`);
  assert.ok(Math.abs(d.v - exactLoss) > 1e-4, 'divergence and exact should differ at 2 steps');
  h.g.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - d.g[i][j]) < 1e-6, 'gradients differ')));
  assert.is((f.toJSON() as { mode: string }).mode, 'exact');
  // an 'exact' flow under a gradient tape behaves the same way rather than giving no gradient
  const e = run(f.with({ mode: 'exact' }));
  assert.ok(Math.abs(e.v - exactLoss) < 1e-5);
  e.g.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - d.g[i][j]) < 1e-6)));
});

test('S² exact mode: samples whose RK4 stages leave the pull-back chart (|u| ≥ 1.5) are flagged, the rest keep finite log q', () => {
  const f = strongFlow(sphere(2), 'big', 80, 2);
  const n = 200;
  const s = f.sample(n, seedrandom('s'));
  const ok = Array.from(s.ok.dataSync());
  const lq = Array.from(s.logq.dataSync());
  const nOk = ok.reduce((a, b) => a + b, 0);
  assert.ok(nOk > 0.2 * n && nOk < 0.9 * n, `a mix of valid and flagged samples is needed (${nOk}/${n} ok)`);
  ok.forEach((o, i) => assert.is(Number.isFinite(lq[i]), o === 1, `sample ${i}`));
  // the first step from the same base points: flagged there ⇔ some stage offset ≥ 1.5
  const x0 = sphere(2).sampleUniform(n, seedrandom('s'));
  const first = exactStep(f.potential, f.geometry, x0, 0, 1 / f.steps);
  const r = tf.tidy(() => rk4Step(f.potential, f.geometry, x0, 0, 1 / f.steps, false, true).stageRadius!.dataSync());
  for (let i = 0; i < n; i++) {
    assert.is(Number.isFinite(first.logdet[i]), r[i] < MAX_STAGE_RADIUS, `step 1, sample ${i}: radius ${r[i]}`);
    if (!Number.isFinite(first.logdet[i])) assert.is(ok[i], 0);
  }
  tf.dispose([s.x, s.logq, s.ok, x0, first.x]);
});

test('toJSON / fromJSON round trip and clear errors', () => {
  const m = sphere(2);
  const f = strongFlow(m, 's8', 3, 3);
  const g = CNF.fromJSON(JSON.parse(JSON.stringify(f.toJSON())), m);
  const x0 = m.sampleUniform(8, seedrandom('i'));
  const a = f.pushExact64(x0).logq;
  const b = g.pushExact64(x0).logq;
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-6));
  assert.throws(() => CNF.fromJSON(f.toJSON(), torus(2)), /sphere2/);
  assert.throws(() => new CNF(m, seedrandom('j'), { steps: 0 }), /steps/);
  assert.throws(() => new CNF(torus(3), seedrandom('j'), { symmetry: 'sum' }), /T²/);
});

test.run();
