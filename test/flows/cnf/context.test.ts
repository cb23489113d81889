/**
 * A CNF layer whose potential takes a per-sample context, Φ(x, t; c) (the SU(N) coupling's 'cnf'
 * kernel, src/flows/sun/coupling.ts), on the SU(2) and SU(3) maximal tori: the tfjs step against the
 * float64 reference with the same contexts, the exact log-det against float64 finite differences,
 * forward/inverse, that the context is used, clear errors on a missing or misshaped context, and
 * that a step which folds the torus (Jacobian determinant ≤ 0) flags its samples.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import seedrandom from 'seedrandom';
import { tf, initBackend } from '../../../src/backend/index.ts';
import { maximalTorus } from '../../../src/manifolds/index.ts';
import { CNFLayer } from '../../../src/flows/cnf/layer.ts';
import { Potential } from '../../../src/flows/cnf/potential.ts';
import { defaultFeatures, geometryOf } from '../../../src/flows/cnf/geometry.ts';
import { PotentialF64, rk4StepF64 } from '../../../src/flows/cnf/f64.ts';
import { signedLogDet } from '../../../lattices/exact/logdet.ts';

test.before(async () => {
  await initBackend();
});

const C = 3;

/** A context-taking CNF layer on the SU(N) maximal torus, its output layer scaled by `scale`. */
function layerOn(N: number, scale: number, steps: number, seed: string, tapedValue: 'exact' | 'divergence' = 'exact'): CNFLayer {
  const torus = maximalTorus(N);
  const pot = new Potential({ features: defaultFeatures(torus, 2, 'permutation'), hidden: [12, 12], activation: 'tanh', timeHarmonics: 1, contextDim: C }, seedrandom(seed));
  const w = pot.weights.find((v) => v.shape[0] === 12 && v.shape[1] === 1)!;
  w.assign(tf.mul(w, scale));
  return new CNFLayer(pot, geometryOf(torus), steps, 'exact', undefined, tapedValue);
}

const wrap = (d: number) => d - 2 * Math.PI * Math.round(d / (2 * Math.PI));

/** The float64 discrete map and its log|det| by central differences (and the determinant's sign). */
function f64Map(layer: CNFLayer, x: number[], c: number[]): number[] {
  const j = layer.potential.toJSON();
  const p = new PotentialF64(j.spec, j.weights);
  let y = x;
  for (let k = 0; k < layer.steps; k++) y = rk4StepF64(p, layer.geometry, y, k / layer.steps, 1 / layer.steps, c);
  return y;
}
function fdDet(layer: CNFLayer, x: number[], c: number[], eps = 1e-6): { sign: number; log: number } {
  const A = x.length;
  const J = new Float64Array(A * A);
  for (let j = 0; j < A; j++) {
    const xp = x.slice(), xm = x.slice();
    xp[j] += eps;
    xm[j] -= eps;
    const yp = f64Map(layer, xp, c), ym = f64Map(layer, xm, c);
    for (let i = 0; i < A; i++) J[i * A + j] = wrap(yp[i] - ym[i]) / (2 * eps);
  }
  return signedLogDet(J, A);
}

for (const N of [2, 3]) {
  test(`SU(${N}) maximal torus: contextual CNF layer = float64 reference map; exact log-det = finite differences; inverse; the context is used`, () => {
    const layer = layerOn(N, 8, 4, `ctx-${N}`);
    const B = 10;
    const x = tf.randomUniform([B, N - 1], -Math.PI, Math.PI, 'float32', 11) as tf.Tensor2D;
    const c = tf.randomNormal([B, C], 0, 1.5, 'float32', 12) as tf.Tensor2D;
    const f = layer.forward(x, c);
    const xs = x.arraySync(), cs = c.arraySync(), ys = f.y.arraySync(), ld = f.logdet.dataSync();
    assert.ok(f.ok.dataSync().every((o) => o === 1));
    let moved = 0;
    xs.forEach((xi, b) => {
      const yr = f64Map(layer, xi, cs[b]);
      yr.forEach((v, i) => assert.ok(Math.abs(wrap(v - ys[b][i])) < 5e-5, `sample ${b}: tfjs ${ys[b][i]} vs f64 ${v}`));
      const fd = fdDet(layer, xi, cs[b]);
      assert.is(fd.sign, 1);
      assert.ok(Math.abs(fd.log - ld[b]) < 2e-4 * Math.max(1, Math.abs(fd.log)), `sample ${b}: log-det ${ld[b]} vs finite differences ${fd.log}`);
      moved = Math.max(moved, ...yr.map((v, i) => Math.abs(wrap(v - xi[i]))));
    });
    assert.ok(moved > 0.3, `the layer moves points (max ${moved})`);
    // another context, another map
    const c2 = tf.add(c, 1) as tf.Tensor2D;
    const f2 = layer.forward(x, c2);
    assert.ok(tf.max(tf.abs(tf.sub(f2.y, f.y))).dataSync()[0] > 1e-2, 'the context changes the map');
    const back = layer.inverse(f.y, c);
    assert.ok(back.ok.dataSync().every((o) => o === 1));
    const invErr = tf.max(tf.abs(tf.sub(back.x, x))).dataSync()[0];
    assert.ok(invErr < 3e-4, `inverse: ${invErr}`); // Newton to a residual of 2e-5 rad per step, float32 steps
    const lb = back.logdet.dataSync();
    ld.forEach((v, b) => assert.ok(Math.abs(v + lb[b]) < 1e-3, `inverse log-det ${lb[b]} vs −${v}`));
    tf.dispose([x, c, c2, f.y, f.logdet, f.ok, f2.y, f2.logdet, f2.ok, back.x, back.logdet, back.ok]);
  });
}

test('contextual CNF: a missing or misshaped context is a clear error; a potential without one refuses one', () => {
  const layer = layerOn(3, 1, 2, 'ctx-err');
  const x = tf.zeros([4, 2]) as tf.Tensor2D;
  assert.throws(() => layer.forward(x), /context \[4, 3\] is required/);
  assert.throws(() => layer.forward(x, tf.zeros([4, 2]) as tf.Tensor2D), /context has shape \[4, 2\], expected \[4, 3\]/);
  assert.throws(() => layer.inverse(x, tf.zeros([3, 3]) as tf.Tensor2D), /expected \[4, 3\]/);
  const torus = maximalTorus(3);
  const plain = new CNFLayer(new Potential({ features: defaultFeatures(torus, 2, 'permutation'), hidden: [4], activation: 'tanh' }, seedrandom('p')), geometryOf(torus), 2, 'exact');
  assert.throws(() => plain.forward(x, tf.zeros([4, 3]) as tf.Tensor2D), /takes no context/);
});

test("tapedValue 'divergence': under a gradient tape forward and inverse are the divergence estimates (value and gradient, the inverse differentiable in y for the path estimator); outside it the exact density", () => {
  const layer = layerOn(3, 8, 4, 'taped', 'divergence');
  const x = tf.randomUniform([6, 2], -Math.PI, Math.PI, 'float32', 21) as tf.Tensor2D;
  const c = tf.randomNormal([6, C], 0, 1, 'float32', 22) as tf.Tensor2D;
  const div = layer.forwardDivergence(x, c).logdet.dataSync();
  const exact = layer.forward(x, c).logdet.dataSync();
  assert.ok(Math.max(...Array.from(div, (v, i) => Math.abs(v - exact[i]))) > 1e-6, 'the two densities differ (O(h⁴)) on this layer');
  let taped: Float32Array | null = null;
  const g = tf.variableGrads(() => {
    const r = layer.forward(x, c);
    taped = r.logdet.dataSync() as Float32Array;
    return tf.sum(r.logdet) as tf.Scalar;
  }, layer.variables);
  Array.from(taped!).forEach((v, i) => assert.ok(Math.abs(v - div[i]) < 1e-5, `taped value ${v} = divergence ${div[i]}`));
  const norms = Object.values(g.grads).map((t) => tf.norm(t).dataSync()[0]);
  assert.ok(norms.every(Number.isFinite) && norms.some((v) => v > 0), 'finite, non-zero θ-gradient');
  // the inverse under a tape: differentiable in y (the exact Newton inverse would give no gradient)
  const y = layer.forward(x, c).y;
  const gy = tf.grad((z: tf.Tensor) => tf.sum(layer.inverse(z as tf.Tensor2D, c).logdet))(y);
  const gv = gy.dataSync();
  assert.ok(Array.from(gv).every(Number.isFinite) && Array.from(gv).some((v) => Math.abs(v) > 1e-4), `∇_y log-det of the inverse ${gv}`);
  tf.dispose([x, c, y, gy, g.value, ...Object.values(g.grads)]);
});

test('a step that folds the torus (det ≤ 0) flags exactly the samples where it does, forward and inverse', () => {
  // one RK4 step of a fast field folds the SU(2) maximal torus (a circle) wherever dy/dx < 0
  const layer = layerOn(2, 300, 1, 'fold');
  const n = 400;
  const x = tf.tensor2d(Array.from({ length: n }, (_, i) => [-Math.PI + ((i + 0.5) * 2 * Math.PI) / n]));
  const c = tf.tile(tf.tensor2d([[0.3, -0.2, 0.5]]), [n, 1]) as tf.Tensor2D;
  const f = layer.forward(x, c);
  const ok = f.ok.dataSync(), xs = x.arraySync(), cs = c.arraySync();
  let folded = 0, agree = 0;
  xs.forEach((xi, b) => {
    const s = fdDet(layer, xi, cs[b], 1e-7).sign;
    if (s <= 0) folded++;
    if ((s > 0) === (ok[b] === 1)) agree++;
  });
  assert.ok(folded > 10, `the step folds somewhere (${folded} of ${n})`);
  assert.ok(agree >= n - 2, `ok agrees with the sign of the finite-difference determinant at ${agree} of ${n} points`);
  const back = layer.inverse(f.y, c);
  const okb = back.ok.dataSync();
  assert.ok(Array.from(okb).some((o) => o === 0), 'the inverse flags points in the folded region too');
  tf.dispose([x, c, f.y, f.logdet, f.ok, back.x, back.logdet, back.ok]);
});

test.run();
