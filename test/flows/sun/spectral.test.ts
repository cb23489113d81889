/**
 * The SU(N) spectral layer and single-matrix flows (src/flows/sun/spectral.ts, single-matrix.ts):
 * permutation equivariance of the kernel, conjugation equivariance of the layer (links and log-det),
 * inverse, log q against a finite-difference Jacobian in Lie-algebra coordinates (U → e^{εX}U),
 * agreement of the matrix flow with its torus twin, the importance estimate of ln(Z/Z_Haar) against
 * the exact value, and finite results on degenerate spectra.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend, tf } from '../../../src/backend/index.ts';
import { mul, mulAdjB, fromEigen, eigUnitary } from '../../../lattices/matrix.ts';
import { signedLogDet } from '../../../lattices/exact/logdet.ts';
import { singleMatrixSUN } from '../../../lattices/exact/single-matrix.ts';
import { makeRng } from '../../../lattices/random.ts';
import { cmatFromInterleaved, cmatToInterleaved, type CMat } from '../../../src/flows/sun/complex.ts';
import { makeSpectralFlow, matrixLogWeight, torusEnergy, type SpectralFlow } from '../../../src/flows/sun/single-matrix.ts';
import { IRCPMLayer } from '../../../src/flows/ircpm/layer.ts';
import { CNFLayer } from '../../../src/flows/cnf/layer.ts';
import { Potential } from '../../../src/flows/cnf/potential.ts';
import { defaultFeatures, geometryOf } from '../../../src/flows/cnf/geometry.ts';
import { SpectralLayer } from '../../../src/flows/sun/spectral.ts';
import { maximalTorus } from '../../../src/manifolds/maximal-torus.ts';
import { algebraInner, haarBatch, logUnitary, moveLeft, suBasis } from './helpers.ts';

test.before(async () => {
  await initBackend();
});

/** A two-layer flow whose potentials are scaled up so that the map is far from the identity. */
function movingFlow(N: number, seed: string, scale = 35): SpectralFlow {
  const flow = makeSpectralFlow(N, makeRng('spectral-test', seed), { layers: 2, hidden: [16, 16] });
  for (const k of flow.kernels) {
    const vars = (k as IRCPMLayer).potential.variables;
    const last = vars[vars.length - 1]; // the output weights (initialised at 0.01/√fan)
    last.assign(tf.mul(last, scale));
  }
  return flow;
}

const B64 = (a: CMat) => cmatToInterleaved(a);
function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('the IRCPM kernel with power-sum potential is permutation-equivariant on the maximal torus (SU(2), SU(3))', () => {
  for (const N of [2, 3]) {
    const flow = movingFlow(N, `perm${N}`);
    const torus = flow.torus;
    const x = torus.sampleUniform(64, makeRng('perm-x', N));
    // full phases, permuted by every permutation, back to free coordinates
    const perms = N === 2 ? [[1, 0]] : [[1, 0, 2], [2, 1, 0], [0, 2, 1], [1, 2, 0], [2, 0, 1]];
    tf.tidy(() => {
      const y = flow.kernels[0].forward(x).y;
      const yFull = torus.fullPhases(y).arraySync();
      const xFull = torus.fullPhases(x).arraySync();
      let moved = 0;
      for (let i = 0; i < 64; i++) for (let j = 0; j < N; j++) moved = Math.max(moved, Math.abs(Math.sin(0.5 * (yFull[i][j] - xFull[i][j]))));
      assert.ok(moved > 0.05, `the kernel moves points (${moved})`);
      for (const p of perms) {
        const xp = tf.tensor2d(xFull.map((r) => p.slice(0, N - 1).map((k) => r[k])));
        const yp = torus.fullPhases(flow.kernels[0].forward(xp).y).arraySync();
        let err = 0;
        for (let i = 0; i < 64; i++) for (let j = 0; j < N; j++) err = Math.max(err, Math.abs(Math.sin(0.5 * (yp[i][j] - yFull[i][p[j]]))));
        assert.ok(err < 2e-5, `N=${N} permutation ${p}: error ${err}`);
      }
    });
  }
});

test('spectral layers are conjugation-equivariant, f(ΩUΩ†) = Ω f(U) Ω† with the same log-det, and invertible (SU(2), SU(3))', () => {
  for (const N of [2, 3]) {
    const flow = movingFlow(N, `conj${N}`);
    const layer = flow.layers[0];
    const B = 32, m = 2 * N * N;
    const U = haarBatch(N, B, `cu${N}`), Om = haarBatch(N, B, `co${N}`);
    const conj = (A: Float64Array) => {
      const out = new Float64Array(A.length), t = new Float64Array(m);
      for (let b = 0; b < B; b++) {
        mul(Om, b * m, A, b * m, t, 0, N);
        mulAdjB(t, 0, Om, b * m, out, b * m, N);
      }
      return out;
    };
    tf.tidy(() => {
      const f = layer.forward(cmatFromInterleaved(U, B, N));
      const fc = layer.forward(cmatFromInterleaved(conj(U), B, N));
      assert.ok(f.ok.dataSync().every((o) => o === 1) && fc.ok.dataSync().every((o) => o === 1));
      assert.ok(maxAbs(B64(fc.y), conj(B64(f.y))) < 3e-5, `N=${N}: links ${maxAbs(B64(fc.y), conj(B64(f.y)))}`);
      assert.ok(maxAbs(fc.logdet.dataSync(), f.logdet.dataSync()) < 1e-4, `N=${N}: log-det`);
      assert.ok(maxAbs(B64(f.y), U) > 0.05, 'the layer moves links');
      const back = layer.inverse(f.y);
      assert.ok(maxAbs(B64(back.x), U) < 3e-5, `N=${N}: inverse ${maxAbs(B64(back.x), U)}`);
      assert.ok(maxAbs(back.logdet.dataSync(), f.logdet.dataSync().map((v) => -v)) < 1e-4, `N=${N}: forward log-det = −inverse log-det`);
    });
  }
});

/** log|det| of W ↦ layer(W) in Lie-algebra coordinates around each W (central differences, ε). */
function fdLogdet(map: (W: CMat) => CMat, U: Float64Array, B: number, N: number, eps: number): number[] {
  const m = 2 * N * N, basis = suBasis(N), D = basis.length;
  const inputs = new Float64Array(B * (2 * D + 1) * m);
  let q = 0;
  for (let b = 0; b < B; b++) {
    inputs.set(U.subarray(b * m, (b + 1) * m), q++ * m);
    for (const X of basis) for (const s of [1, -1]) inputs.set(moveLeft(U, b * m, X, s * eps, N), q++ * m);
  }
  const out = tf.tidy(() => {
    const r = map(cmatFromInterleaved(inputs, q, N));
    return tf.concat([tf.reshape(r.re, [-1, 1]), tf.reshape(r.im, [-1, 1])], 1);
  });
  const outRe = out.dataSync();
  out.dispose();
  // interleave as in lattices/matrix.ts: the pairs (re, im) of the concat are already interleaved
  const outF = Float64Array.from(outRe);
  const res: number[] = [];
  const rel = new Float64Array(m);
  for (let b = 0; b < B; b++) {
    const base = b * (2 * D + 1);
    const f0 = outF.subarray(base * m, (base + 1) * m);
    const J = new Float64Array(D * D);
    for (let c = 0; c < D; c++) {
      const logs = [1, 2].map((s) => {
        mulAdjB(outF, (base + 1 + 2 * c + (s - 1)) * m, f0, 0, rel, 0, N);
        return logUnitary(rel, 0, N);
      });
      for (let a = 0; a < D; a++) J[a * D + c] = (algebraInner(basis[a], logs[0], N) - algebraInner(basis[a], logs[1], N)) / (2 * eps);
    }
    res.push(signedLogDet(J, D).log);
  }
  return res;
}

test('log-det of spectral layers = finite-difference Jacobian in Lie-algebra coordinates U → e^{εX}U (SU(2), SU(3)), forward and inverse', () => {
  for (const N of [2, 3]) {
    const flow = movingFlow(N, `fd${N}`);
    const layer = flow.layers[1];
    const B = 3;
    const U = haarBatch(N, B, `fdu${N}`);
    for (const dir of ['inverse', 'forward'] as const) {
      const fd = fdLogdet((W) => layer.map(W, dir).W, U, B, N, 2e-3);
      const ld = tf.tidy(() => Array.from(layer.map(cmatFromInterleaved(U, B, N), dir).logdet.dataSync()));
      const err = maxAbs(fd, ld);
      assert.ok(Math.max(...ld.map(Math.abs)) > 0.1, `N=${N} ${dir}: the log-det is not trivially 0 (${ld})`);
      assert.ok(err < 5e-3, `N=${N} ${dir}: FD ${fd} vs layer ${ld}`);
    }
  }
});

test('CNF kernel with a context (the lattice cnf kernel): permutation-equivariant for a fixed context, and its spectral layer\'s log-det = finite-difference Jacobian in Lie-algebra coordinates (SU(2), SU(3)), forward and inverse', () => {
  for (const N of [2, 3]) {
    const torus = maximalTorus(N);
    const C = 3;
    const pot = new Potential({ features: defaultFeatures(torus, 2, 'permutation'), hidden: [12, 12], activation: 'tanh', timeHarmonics: 1, contextDim: C }, makeRng('cnf-kernel', N));
    const w = pot.weights.find((v) => v.shape[0] === 12 && v.shape[1] === 1)!;
    w.assign(tf.mul(w, 8));
    const kernel = new CNFLayer(pot, geometryOf(torus), 4, 'exact');
    const layer = new SpectralLayer(torus, kernel);
    // permutation equivariance with one context per sample
    const n = 32;
    const x = torus.sampleUniform(n, makeRng('cnf-perm-x', N));
    const ctx = tf.randomNormal([n, C], 0, 1, 'float32', 5 + N) as tf.Tensor2D;
    const perms = N === 2 ? [[1, 0]] : [[1, 0, 2], [2, 1, 0], [0, 2, 1], [1, 2, 0], [2, 0, 1]];
    const yFull = torus.fullPhases(kernel.forward(x, ctx).y).arraySync();
    const xFull = torus.fullPhases(x).arraySync();
    for (const p of perms) {
      const xp = tf.tensor2d(xFull.map((r) => p.slice(0, N - 1).map((k) => r[k])));
      const yp = torus.fullPhases(kernel.forward(xp, ctx).y).arraySync();
      let err = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < N; j++) err = Math.max(err, Math.abs(Math.sin(0.5 * (yp[i][j] - yFull[i][p[j]]))));
      assert.ok(err < 3e-5, `N=${N} permutation ${p}: error ${err}`);
    }
    // log-det against finite differences, each matrix with its own context
    const B = 3, D = N * N - 1;
    const U = haarBatch(N, B, `cnf-fdu${N}`);
    const c0 = tf.randomNormal([B, C], 0, 1, 'float32', 9 + N) as tf.Tensor2D;
    const cRep = tf.reshape(tf.tile(tf.expandDims(c0, 1), [1, 2 * D + 1, 1]), [B * (2 * D + 1), C]) as tf.Tensor2D;
    for (const dir of ['inverse', 'forward'] as const) {
      const fd = fdLogdet((W) => layer.map(W, dir, cRep).W, U, B, N, 2e-3);
      const ld = tf.tidy(() => Array.from(layer.map(cmatFromInterleaved(U, B, N), dir, c0).logdet.dataSync()));
      const err = maxAbs(fd, ld);
      assert.ok(Math.max(...ld.map(Math.abs)) > 0.1, `N=${N} ${dir}: the log-det is not trivially 0 (${ld})`);
      assert.ok(err < 5e-3, `N=${N} ${dir}: FD ${fd} vs layer ${ld}`);
    }
    tf.dispose([x, ctx, c0, cRep]);
  }
});

test('the matrix flow and its torus twin (Weyl base) give the same density: log q_H(U) = log q_T(θ) − log Weyl(θ)', () => {
  for (const N of [2, 3]) {
    const flow = movingFlow(N, `twin${N}`);
    const n = 64, m = 2 * N * N;
    tf.tidy(() => {
      const s = flow.sample(n, makeRng('twin', N));
      const U = B64(s.U);
      const ph = new Float64Array(N), vec = new Float64Array(m);
      const free: number[][] = [];
      for (let b = 0; b < n; b++) {
        eigUnitary(U, b * m, N, ph, 0, vec, 0);
        free.push(Array.from(ph.subarray(0, N - 1)));
      }
      const th = tf.tensor2d(free);
      const lqT = tf.sub(flow.torusFlow().logProb(th), flow.torus.weylLogDensity(th)).dataSync();
      const lqH = s.logq.dataSync();
      const lqH2 = flow.logProb(s.U).dataSync();
      assert.ok(s.ok.dataSync().every((o) => o === 1), 'every draw converged');
      assert.ok(maxAbs(lqT, lqH) < 2e-3, `N=${N}: torus ${lqT.slice(0, 3)} vs matrix ${lqH.slice(0, 3)}`);
      assert.ok(maxAbs(lqH2, lqH) < 2e-3, `N=${N}: logProb vs sample`);
    });
  }
});

test('importance estimate of ln(Z/Z_Haar) from the matrix flow is within 3σ of the exact value (SU(2), SU(3), β = 3, c = (0.17, −0.65, 1.22))', () => {
  const coeffs = [0.17, -0.65, 1.22];
  for (const N of [2, 3]) {
    const target = { N, beta: 3, coeffs };
    const exact = singleMatrixSUN(N, 3, coeffs).logZ;
    const flow = movingFlow(N, `z${N}`, 30);
    const n = 3000;
    const logw = tf.tidy(() => {
      const s = flow.sample(n, makeRng('z', N));
      const w = matrixLogWeight(target, s.U).dataSync();
      const q = s.logq.dataSync(), ok = s.ok.dataSync();
      return Array.from(w, (v, i) => (ok[i] ? v - q[i] : -Infinity));
    });
    const mx = Math.max(...logw);
    const ws = logw.map((l) => Math.exp(l - mx));
    const mean = ws.reduce((a, b) => a + b, 0) / n;
    const varw = ws.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
    const est = mx + Math.log(mean);
    const sigma = Math.sqrt(varw / n) / mean;
    assert.ok(sigma < 0.1 && sigma > 0, `N=${N}: error ${sigma}`);
    assert.ok(Math.abs(est - exact) < 3 * sigma, `N=${N}: ln Z ${est} ± ${sigma} vs exact ${exact}`);
    // the torus energy is the same class function on the eigen-phases
    const th = tf.tensor2d([[0.3, -1.1].slice(0, N - 1)]);
    const full = N === 2 ? [0.3, -0.3] : [0.3, -1.1, 0.8];
    const W = new Float64Array(2 * N * N);
    fromEigen(Float64Array.from(full), 0, haarBatch(N, 1, 'v'), 0, W, 0, N);
    const lw = tf.tidy(() => matrixLogWeight(target, cmatFromInterleaved(W, 1, N)).dataSync()[0]);
    const le = tf.tidy(() => tf.sub(torusEnergy(target)(th), flow.torus.weylLogDensity(th)).dataSync()[0]);
    assert.ok(Math.abs(lw - le) < 1e-5, `N=${N}: weight ${lw} vs torus energy − Weyl ${le}`);
  }
});

test('degenerate spectra (U = 1, centre, double eigenvalue): finite links, log-det and gradients, ok = 0', () => {
  const N = 3, m = 2 * N * N;
  const flow = movingFlow(N, 'deg');
  const z = (2 * Math.PI) / 3;
  const mats = [[0, 0, 0], [z, z, z], [0.4, 0.4, -0.8], [0.3, -1.2, 0.9]].map((p) => {
    const W = new Float64Array(m);
    fromEigen(Float64Array.from(p), 0, haarBatch(N, 1, `d${p}`), 0, W, 0, N);
    return W;
  });
  const U = new Float64Array(4 * m);
  mats.forEach((w, i) => U.set(w, i * m));
  tf.tidy(() => {
    const W = cmatFromInterleaved(U, 4, N);
    const f = flow.layers[0].forward(W);
    assert.ok(B64(f.y).every(Number.isFinite) && f.logdet.dataSync().every(Number.isFinite));
    assert.equal(Array.from(f.ok.dataSync()), [0, 0, 0, 1]);
    // U = 1 and the centre are fixed points of every permutation-equivariant kernel
    assert.ok(maxAbs(B64(f.y).subarray(0, 2 * m), U.subarray(0, 2 * m)) < 1e-5);
    const grads = tf.grads((re: tf.Tensor, im: tf.Tensor) => {
      const r = flow.layers[0].forward({ re: re as tf.Tensor3D, im: im as tf.Tensor3D });
      return tf.add(tf.sum(r.logdet), tf.sum(r.y.re)) as tf.Scalar;
    })([W.re, W.im]);
    for (const g of grads) assert.ok(g.dataSync().every(Number.isFinite), 'finite gradients');
    const vg = tf.variableGrads(() => tf.sum(flow.layers[0].forward(W).logdet) as tf.Scalar, flow.variables);
    for (const g of Object.values(vg.grads)) assert.ok(g.dataSync().every(Number.isFinite), 'finite parameter gradients');
  });
});

test('SU(2) (one free phase): the torus twin log q is differentiable in the phases (path estimator) and matches finite differences', () => {
  const flow = movingFlow(2, 'grad2');
  const twin = flow.torusFlow();
  const x = [[0.7], [-2.1], [1.9]];
  const g = tf.tidy(() => Array.from(tf.grad((t: tf.Tensor) => tf.sum(twin.logProb(t as tf.Tensor2D)))(tf.tensor2d(x)).dataSync()));
  const h = 1e-2;
  const lp = (v: number) => tf.tidy(() => twin.logProb(tf.tensor2d([[v]])).dataSync()[0]);
  x.forEach(([v], i) => {
    const fd = (lp(v + h) - lp(v - h)) / (2 * h);
    assert.ok(Math.abs(fd - g[i]) < 2e-2 * Math.max(1, Math.abs(fd)), `d log q/dθ at ${v}: ${g[i]} vs FD ${fd}`);
  });
});

test.run();
