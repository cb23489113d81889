import { test } from 'uvu';
import * as assert from 'uvu/assert';
import seedrandom from 'seedrandom';
import { initBackend, tf } from '../../src/backend/index.ts';
import { circle, torus, sphere, maximalTorus, manifoldByName } from '../../src/manifolds/index.ts';
import type { Manifold } from '../../src/manifolds/types.ts';

test.before(async () => {
  await initBackend();
});

const arr = (t: tf.Tensor) => Array.from(t.dataSync());

function checkExpLog(M: Manifold, scale: number) {
  const rng = seedrandom('explog-' + M.name);
  const x = M.sampleUniform(64, rng);
  // tangent vectors of norm < scale (< π, inside the injectivity radius on all our manifolds)
  const raw = tf.tidy(() => M.projTangent(x, tf.mul(scale, M.sampleUniform(64, rng)) as tf.Tensor2D));
  const v = tf.tidy(() => {
    const n = tf.norm(raw, 2, 1, true);
    return tf.mul(raw, tf.div(tf.mul(scale, tf.randomUniform([64, 1], 0.05, 1, 'float32', 7)), tf.add(n, 1e-12))) as tf.Tensor2D;
  });
  const y = M.exp(x, v);
  const back = M.log(x, y);
  const err = tf.tidy(() => tf.max(tf.abs(tf.sub(back, v))).dataSync()[0]);
  assert.ok(err < 2e-5, `${M.name}: log(x, exp(x, v)) = v to ${err}`);
  const d = arr(M.dist(x, y));
  // |v| in the manifold's metric: Euclidean in the ambient coordinates, √(vᵀGv) on a flat torus
  const G = M.metric;
  const vv = v.arraySync();
  const nv = vv.map((r) => Math.sqrt(G ? r.reduce((s, a, i) => s + r.reduce((t, b, j) => t + a * G[i][j] * b, 0), 0) : r.reduce((s, a) => s + a * a, 0)));
  d.forEach((di, i) => assert.ok(Math.abs(di - nv[i]) < 2e-5, `${M.name}: dist = |v| (${di} vs ${nv[i]})`));
  // symmetry of the distance
  const d2 = arr(M.dist(y, x));
  d.forEach((di, i) => assert.ok(Math.abs(di - d2[i]) < 2e-5, `${M.name}: dist symmetric`));
  tf.dispose([x, raw, v, y, back]);
}

test('exp and log are inverse, dist = |log| (circle, T², S², S³, SU(3) maximal torus)', () => {
  checkExpLog(circle, 3);
  checkExpLog(torus(2), 3);
  checkExpLog(sphere(2), 3);
  checkExpLog(sphere(3), 3);
  // Euclidean |v| < 2.5 keeps √(vᵀ(I + 11ᵀ)v) ≤ 2.5√3 inside the injectivity radius π√2
  checkExpLog(maximalTorus(3), 2.5);
});

test('capabilities: kind and metric (I on Tⁿ, I + 11ᵀ on the SU(N) maximal torus, none on a sphere), suN', () => {
  assert.is(circle.kind, 'flat-torus');
  assert.equal(torus(2).metric, [[1, 0], [0, 1]]);
  assert.is(sphere(2).kind, 'sphere');
  assert.is(sphere(2).metric, null);
  const M = maximalTorus(4);
  assert.is(M.kind, 'flat-torus');
  assert.equal(M.metric, [[2, 1, 1], [1, 2, 1], [1, 1, 2]]);
  assert.is(M.suN, 4);
  assert.is((torus(3) as Manifold).suN, undefined);
});

test('SU(3) maximal torus: dist is the shortest ℝ³ distance of the full phase vectors, permutations are isometries, the frame is G-orthonormal', () => {
  const M = maximalTorus(3);
  const rng = seedrandom('maxtorus-metric');
  const x = M.sampleUniform(300, rng);
  const y = M.sampleUniform(300, rng);
  const d = arr(M.dist(x, y));
  const xs = x.arraySync();
  const ys = y.arraySync();
  const full = (p: number[]) => [p[0], p[1], -p[0] - p[1]];
  xs.forEach((xp, i) => {
    // brute force over the lattice 2πℤ² in float64
    let best = Infinity;
    for (let a = -3; a <= 3; a++)
      for (let b = -3; b <= 3; b++) {
        const v = full([ys[i][0] - xp[0] + 2 * Math.PI * a, ys[i][1] - xp[1] + 2 * Math.PI * b]);
        best = Math.min(best, Math.hypot(...v));
      }
    assert.ok(Math.abs(d[i] - best) < 1e-5, `dist ${d[i]} vs shortest ${best}`);
  });
  // θ₁ ↔ θ₃ in free coordinates: (φ₁, φ₂) → (−φ₁ − φ₂, φ₂), an isometry of G = I + 11ᵀ
  const swap = (t: tf.Tensor2D) => tf.tidy(() => M.exp(tf.zerosLike(t) as tf.Tensor2D, tf.stack([tf.neg(tf.sum(t, 1)), tf.unstack(t, 1)[1]], 1) as tf.Tensor2D));
  const ds = arr(M.dist(swap(x), swap(y)));
  ds.forEach((v, i) => assert.ok(Math.abs(v - d[i]) < 1e-5, `permuted dist ${v} vs ${d[i]}`));
  // the frame is orthonormal in G, not in the coordinates
  const E = M.tangentBasis(x.slice([0, 0], [1, 2])).arraySync()[0];
  const G = M.metric;
  for (let p = 0; p < 2; p++)
    for (let q = 0; q < 2; q++) {
      const g = E[p].reduce((s, a, i) => s + E[q].reduce((t, b, j) => t + a * G[i][j] * b, 0), 0);
      assert.ok(Math.abs(g - (p === q ? 1 : 0)) < 1e-6, `E G Eᵀ[${p}][${q}] = ${g}`);
    }
});

test('torus exp wraps to [−π, π) and log takes the short way round', () => {
  const T = torus(2);
  const y = arr(T.exp(tf.tensor2d([[3.0, -3.0]]), tf.tensor2d([[0.5, -0.5]])));
  assert.ok(Math.abs(y[0] - (3.5 - 2 * Math.PI)) < 1e-6 && Math.abs(y[1] - (-3.5 + 2 * Math.PI)) < 1e-6);
  const l = arr(T.log(tf.tensor2d([[3.0, 0]]), tf.tensor2d([[-3.0, 0]])));
  assert.ok(Math.abs(l[0] - (2 * Math.PI - 6)) < 1e-6);
  for (const a of arr(T.sampleUniform(1000, seedrandom('u')))) assert.ok(a >= -Math.PI && a < Math.PI);
});

test('sphere: points stay unit, tangent basis is orthonormal and orthogonal to x, projection is idempotent', () => {
  for (const n of [2, 3]) {
    const S = sphere(n);
    const x = S.sampleUniform(200, seedrandom('basis' + n));
    // include the poles and the equator x_last = 0 where the Householder sign flips
    const special = tf.tensor2d(
      [Array.from({ length: n + 1 }, (_, k) => (k === n ? 1 : 0)), Array.from({ length: n + 1 }, (_, k) => (k === n ? -1 : 0)), Array.from({ length: n + 1 }, (_, k) => (k === 0 ? 1 : 0))],
    );
    const xs = tf.concat([x, special]) as tf.Tensor2D;
    const E = S.tangentBasis(xs);
    assert.equal(E.shape, [203, n, n + 1]);
    const gram = tf.matMul(E, tf.transpose(E, [0, 2, 1]));
    const eyeErr = tf.max(tf.abs(tf.sub(gram, tf.eye(n)))).dataSync()[0];
    assert.ok(eyeErr < 1e-5, `EEᵀ = I to ${eyeErr}`);
    // positively oriented: det [E; x] = +1 everywhere (both hemispheres, poles, equator)
    const full = tf.concat([E, tf.expandDims(xs, 1)], 1).arraySync() as number[][][];
    for (const F of full) {
      const det3 = (a: number[][]) => a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
      if (n === 2) assert.ok(Math.abs(det3(F) - 1) < 1e-5, `orientation det = ${det3(F)}`);
    }
    const ortho = tf.max(tf.abs(tf.matMul(E, tf.expandDims(xs, 2)))).dataSync()[0];
    assert.ok(ortho < 1e-5, `E x = 0 to ${ortho}`);
    const v = tf.randomNormal([203, n + 1], 0, 1, 'float32', 3) as tf.Tensor2D;
    const p = S.projTangent(xs, v);
    const pp = S.projTangent(xs, p);
    assert.ok(tf.max(tf.abs(tf.sub(p, pp))).dataSync()[0] < 1e-5);
    assert.ok(tf.max(tf.abs(tf.sum(tf.mul(p, xs), 1))).dataSync()[0] < 1e-5);
    const norms = arr(tf.norm(xs, 2, 1));
    for (const r of norms) assert.ok(Math.abs(r - 1) < 1e-6);
  }
});

test('sphere exp/log and their gradients stay finite at v = 0 and y = x', () => {
  const S = sphere(2);
  const x = tf.tensor2d([[0.6, 0, 0.8]]);
  const g1 = tf.grad((v: tf.Tensor) => tf.sum(S.exp(x, v as tf.Tensor2D)))(tf.zeros([1, 3]));
  assert.ok(arr(g1).every(Number.isFinite));
  const g2 = tf.grad((y: tf.Tensor) => tf.sum(S.log(x, y as tf.Tensor2D)))(x);
  assert.ok(arr(g2).every(Number.isFinite));
  assert.ok(arr(S.log(x, x)).every((a) => Math.abs(a) < 1e-7));
});

test('uniform sampling: sphere moments E[x] = 0, E[x xᵀ] = I/(n+1) within 4σ; torus mean 0', () => {
  const N = 20000;
  const S = sphere(2);
  const x = S.sampleUniform(N, seedrandom('moments')).arraySync();
  for (let a = 0; a < 3; a++) {
    let m = 0;
    let q = 0;
    for (const p of x) {
      m += p[a];
      q += p[a] * p[a];
    }
    // Var(x_a) = 1/3, Var(x_a²) = 1/5 − 1/9 = 4/45
    assert.ok(Math.abs(m / N) < 4 * Math.sqrt(1 / 3 / N), `mean_${a} = ${m / N}`);
    assert.ok(Math.abs(q / N - 1 / 3) < 4 * Math.sqrt(4 / 45 / N), `E[x_${a}²] = ${q / N}`);
  }
  const t = arr(torus(2).sampleUniform(N, seedrandom('tm')));
  const mean = t.reduce((s, a) => s + a, 0) / t.length;
  assert.ok(Math.abs(mean) < 4 * Math.sqrt((Math.PI * Math.PI) / 3 / t.length));
});

test('logVolume: 2π, (2π)², 4π, 2π², and the SU(N) torus in free-angle coordinates', () => {
  assert.ok(Math.abs(circle.logVolume - Math.log(2 * Math.PI)) < 1e-12);
  assert.ok(Math.abs(torus(2).logVolume - 2 * Math.log(2 * Math.PI)) < 1e-12);
  assert.ok(Math.abs(sphere(2).logVolume - Math.log(4 * Math.PI)) < 1e-12);
  assert.ok(Math.abs(sphere(3).logVolume - Math.log(2 * Math.PI * Math.PI)) < 1e-12);
  assert.ok(Math.abs(sphere(1).logVolume - Math.log(2 * Math.PI)) < 1e-12);
  assert.ok(Math.abs(maximalTorus(3).logVolume - 2 * Math.log(2 * Math.PI)) < 1e-12);
  assert.is(maximalTorus(3).dim, 2);
  assert.is(manifoldByName('sphere2').name, 'sphere2');
  assert.throws(() => manifoldByName('klein2'), /unknown manifold/);
});

test('Weyl density integrates to 1 over the SU(2) and SU(3) maximal tori (midpoint quadrature)', () => {
  for (const N of [2, 3]) {
    const M = maximalTorus(N);
    const k = N === 2 ? 400 : 120;
    const h = (2 * Math.PI) / k;
    const pts: number[][] = [];
    if (N === 2) for (let i = 0; i < k; i++) pts.push([-Math.PI + (i + 0.5) * h]);
    else for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) pts.push([-Math.PI + (i + 0.5) * h, -Math.PI + (j + 0.5) * h]);
    const lp = arr(M.weylLogDensity(tf.tensor2d(pts)));
    let z = 0;
    for (const l of lp) z += Math.exp(l);
    z *= h ** (N - 1);
    // the integrand is a trigonometric polynomial, so the midpoint rule is exact up to float32 rounding
    assert.ok(Math.abs(z - 1) < 1e-4, `SU(${N}): ∫ Weyl = ${z}`);
  }
  const full = maximalTorus(3).fullPhases(tf.tensor2d([[3, 2]])).arraySync()[0];
  assert.ok(Math.abs(full[2] - (-5 + 2 * Math.PI)) < 1e-6);
});

test.run();
