/**
 * Complex matrices on tfjs (src/flows/sun/complex.ts) against the float64 kernels of
 * lattices/matrix.ts, and the differentiable eigen-decomposition (src/flows/sun/eig.ts): values
 * against float64 `eigUnitary`, gradients against float64 central differences along e^{εX} W for
 * every generator X of su(N), and the stated behaviour at degenerate eigenvalues.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend, tf } from '../../../src/backend/index.ts';
import { adjoint, eigUnitary, fromEigen, mul, trace } from '../../../lattices/matrix.ts';
import { cadjoint, cmatFromInterleaved, cmatToInterleaved, cmul, cpowers, ctrace, fromEigenphases, traceFeatures, cmaxAbsDiff, type CMat } from '../../../src/flows/sun/complex.ts';
import { eigUnitaryTf } from '../../../src/flows/sun/eig.ts';
import { haarBatch, moveLeft, suBasis, tangent } from './helpers.ts';

test.before(async () => {
  await initBackend();
});

const maxDiff64 = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

test('complex product, adjoint, trace, powers and trace features agree with lattices/matrix.ts (N = 2, 3, 4)', () => {
  for (const N of [2, 3, 4]) {
    const B = 5, m = 2 * N * N;
    const a64 = haarBatch(N, B, `a${N}`), b64 = haarBatch(N, B, `b${N}`);
    tf.tidy(() => {
      const a = cmatFromInterleaved(a64, B, N), b = cmatFromInterleaved(b64, B, N);
      const ab = cmatToInterleaved(cmul(a, b));
      const adj = cmatToInterleaved(cadjoint(a));
      const tr = ctrace(a);
      const [trRe, trIm] = [tr.re.dataSync(), tr.im.dataSync()];
      const p3 = cmatToInterleaved(cpowers(a, 3)[2]);
      const feats = traceFeatures(a, 3).dataSync();
      const ref = new Float64Array(m), t2 = new Float64Array(m), t3 = new Float64Array(m);
      for (let k = 0; k < B; k++) {
        mul(a64, k * m, b64, k * m, ref, 0, N);
        assert.ok(maxDiff64(ab.subarray(k * m, (k + 1) * m), ref) < 1e-6, `product N=${N}`);
        adjoint(a64, k * m, ref, 0, N);
        assert.ok(maxDiff64(adj.subarray(k * m, (k + 1) * m), ref) < 1e-7, `adjoint N=${N}`);
        const t = trace(a64, k * m, N);
        assert.ok(Math.abs(trRe[k] - t.re) < 1e-6 && Math.abs(trIm[k] - t.im) < 1e-6, `trace N=${N}`);
        mul(a64, k * m, a64, k * m, t2, 0, N);
        mul(t2, 0, a64, k * m, t3, 0, N);
        assert.ok(maxDiff64(p3.subarray(k * m, (k + 1) * m), t3) < 1e-5, `A³ N=${N}`);
        const f = [trace(a64, k * m, N), trace(t2, 0, N), trace(t3, 0, N)].flatMap((z) => [z.re, z.im]);
        assert.ok(maxDiff64(feats.subarray(k * 6, k * 6 + 6), f) < 1e-5, `Re/Im tr Aᵏ N=${N}`);
      }
    });
  }
});

test('eigUnitaryTf: phases equal float64 eigUnitary, V unitary, V diag(e^{iθ}) V† = W (N = 2, 3, 4)', () => {
  for (const N of [2, 3, 4]) {
    const B = 8, m = 2 * N * N;
    const w64 = haarBatch(N, B, `eig${N}`);
    tf.tidy(() => {
      const W = cmatFromInterleaved(w64, B, N);
      const { theta, V, minGap } = eigUnitaryTf(W);
      const th = theta.dataSync();
      const ph = new Float64Array(N), vec = new Float64Array(m);
      for (let k = 0; k < B; k++) {
        eigUnitary(w64, k * m, N, ph, 0, vec, 0);
        assert.ok(maxDiff64(th.subarray(k * N, (k + 1) * N), ph) < 2e-6, `phases N=${N}`);
        assert.ok(minGap[k] > 0);
      }
      const VV = cmul(cadjoint(V), V);
      assert.ok(cmaxAbsDiff(VV, { re: tf.tile(tf.expandDims(tf.eye(N), 0), [B, 1, 1]) as tf.Tensor3D, im: tf.zeros([B, N, N]) }) < 2e-6, 'V†V = 1');
      assert.ok(cmaxAbsDiff(fromEigenphases(V, theta), W) < 2e-6, 'rebuild');
    });
  }
});

// A loss that sees the decomposition the way the layers do: through V diag(e^{i g(θ)}) V† with g
// acting on each eigen-phase (so the result is independent of eigenvector phases and of the order
// of the eigenvalues) plus a symmetric function of the phases.
const g = (t: number) => t + 0.4 * Math.sin(t) + 0.2 * Math.cos(2 * t);
const h = (t: number) => Math.sin(t) + 0.3 * Math.cos(3 * t);
function weights(N: number): { A: Float64Array; Bm: Float64Array } {
  const n2 = N * N;
  return { A: Float64Array.from({ length: n2 }, (_, k) => Math.sin(1.3 * k + 0.2)), Bm: Float64Array.from({ length: n2 }, (_, k) => Math.cos(0.7 * k - 0.4)) };
}
function loss64(w: Float64Array, N: number): number {
  const n2 = N * N;
  const ph = new Float64Array(N), vec = new Float64Array(2 * n2), out = new Float64Array(2 * n2);
  eigUnitary(w, 0, N, ph, 0, vec, 0);
  const gp = ph.map(g);
  fromEigen(gp, 0, vec, 0, out, 0, N);
  const { A, Bm } = weights(N);
  let s = 0;
  for (let k = 0; k < n2; k++) s += A[k] * out[2 * k] + Bm[k] * out[2 * k + 1];
  for (let k = 0; k < N; k++) s += h(ph[k]);
  return s;
}
function lossTf(W: CMat, N: number): tf.Scalar {
  const { theta, V } = eigUnitaryTf(W);
  const gt = tf.add(tf.add(theta, tf.mul(0.4, tf.sin(theta))), tf.mul(0.2, tf.cos(tf.mul(2, theta)))) as tf.Tensor2D;
  const Wp = fromEigenphases(V, gt);
  const { A, Bm } = weights(N);
  const a = tf.tensor3d(Float32Array.from(A), [1, N, N]), b = tf.tensor3d(Float32Array.from(Bm), [1, N, N]);
  const hs = tf.add(tf.sin(theta), tf.mul(0.3, tf.cos(tf.mul(3, theta))));
  return tf.add(tf.add(tf.sum(tf.mul(Wp.re, a)), tf.sum(tf.mul(Wp.im, b))), tf.sum(hs)) as tf.Scalar;
}

/** Largest |autodiff − FD| over the generators, relative to the largest |FD|, for each matrix in w64. */
function gradientCheck(w64: Float64Array, B: number, N: number): { err: number; scale: number } {
  const m = 2 * N * N;
  const [gre, gim] = tf.tidy(() => {
    const W = cmatFromInterleaved(w64, B, N);
    const grads = tf.grads((re: tf.Tensor, im: tf.Tensor) => lossTf({ re: re as tf.Tensor3D, im: im as tf.Tensor3D }, N))([W.re, W.im]);
    return grads.map((t) => t.dataSync() as Float32Array);
  });
  let err = 0, scale = 0;
  const eps = 1e-5;
  for (let k = 0; k < B; k++) {
    for (const X of suBasis(N)) {
      const fd = (loss64(moveLeft(w64, k * m, X, eps, N), N) - loss64(moveLeft(w64, k * m, X, -eps, N), N)) / (2 * eps);
      const dW = tangent(w64, k * m, X, N);
      let ad = 0;
      for (let q = 0; q < N * N; q++) ad += gre[k * N * N + q] * dW[2 * q] + gim[k * N * N + q] * dW[2 * q + 1];
      err = Math.max(err, Math.abs(ad - fd));
      scale = Math.max(scale, Math.abs(fd));
    }
  }
  return { err, scale };
}

test('eigUnitaryTf gradient (eigenvalue and eigenvector channels) = float64 finite differences along e^{εX}W, every generator (N = 2, 3, 4)', () => {
  for (const N of [2, 3, 4]) {
    const B = 4;
    const { err, scale } = gradientCheck(haarBatch(N, B, `grad${N}`), B, N);
    assert.ok(scale > 0.1, `the check is not vacuous (scale ${scale})`);
    assert.ok(err < 2e-4 * Math.max(1, scale), `N=${N}: |autodiff − FD| = ${err} (scale ${scale})`);
  }
});

/** diag(e^{iφ_k}) conjugated by a fixed Haar matrix: a unitary with prescribed eigen-phases. */
function withPhases(phis: number[], seed: string): Float64Array {
  const N = phis.length, m = 2 * N * N;
  const V = haarBatch(N, 1, seed);
  const out = new Float64Array(m);
  fromEigen(Float64Array.from(phis), 0, V, 0, out, 0, N);
  return out;
}

test('near degeneracy (gap 1e-2) the adjoint is still exact; at degeneracy (U = 1, centre elements, a double eigenvalue) values and gradients are finite and symmetric functions exact', () => {
  // nearly degenerate SU(3): phases (0.3, 0.31, −0.61): the eigenvector channel is large and must be right
  const near = withPhases([0.3, 0.31, -0.61], 'near');
  const r = gradientCheck(near, 1, 3);
  assert.ok(r.err < 2e-3 * Math.max(1, r.scale), `gap 1e-2: |autodiff − FD| = ${r.err} (scale ${r.scale})`);

  const z = (2 * Math.PI) / 3;
  const cases: [string, Float64Array, number][] = [
    ['U = 1 (SU(3))', withPhases([0, 0, 0], 'c1'), 3],
    ['centre e^{2πi/3} (SU(3))', withPhases([z, z, z], 'c2'), 3],
    ['U = −1 (SU(2))', withPhases([Math.PI, -Math.PI], 'c3'), 2],
    ['double eigenvalue (SU(3))', withPhases([0.4, 0.4, -0.8], 'c4'), 3],
  ];
  for (const [name, w64, N] of cases) {
    tf.tidy(() => {
      const W = cmatFromInterleaved(w64, 1, N);
      const { theta, V, minGap } = eigUnitaryTf(W);
      assert.ok(minGap[0] < 1e-6, `${name}: flagged as degenerate (gap ${minGap[0]})`);
      assert.ok(cmaxAbsDiff(fromEigenphases(V, theta), W) < 2e-6, `${name}: rebuild`);
      const grads = tf.grads((re: tf.Tensor, im: tf.Tensor) => lossTf({ re: re as tf.Tensor3D, im: im as tf.Tensor3D }, N))([W.re, W.im]);
      for (const gr of grads) assert.ok(gr.dataSync().every(Number.isFinite), `${name}: finite gradient`);
      // a symmetric function of the eigenvalues has the exact gradient even here: Σ_k cos(2θ_k + 0.3)
      // = Re(e^{0.3i} tr W²), whose gradient is known in closed form
      const sym = tf.grads((re: tf.Tensor, im: tf.Tensor) => tf.sum(tf.cos(tf.add(tf.mul(2, eigUnitaryTf({ re: re as tf.Tensor3D, im: im as tf.Tensor3D }).theta), 0.3))) as tf.Scalar)([W.re, W.im]);
      const [sre, sim] = sym.map((t) => t.dataSync());
      // d Re(c tr W²) = Re(2c tr(W dW)), for every generator
      const m = 2 * N * N;
      for (const X of suBasis(N)) {
        const dW = tangent(w64, 0, X, N);
        const WdW = new Float64Array(m);
        mul(w64, 0, dW, 0, WdW, 0, N);
        const t = trace(WdW, 0, N);
        const exact = 2 * (Math.cos(0.3) * t.re - Math.sin(0.3) * t.im);
        let ad = 0;
        for (let q = 0; q < N * N; q++) ad += sre[q] * dW[2 * q] + sim[q] * dW[2 * q + 1];
        assert.ok(Math.abs(ad - exact) < 1e-4, `${name}: symmetric gradient ${ad} vs ${exact}`);
      }
    });
  }
});

test.run();
