import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeRng, fillGaussian } from '../../lattices/random.ts';
import { haarSUN } from '../../lattices/haar.ts';
import {
  mul, mulAdjA, mulAdjB, adjoint, det, trace, reunitarize, expTAH, eigUnitary, fromEigen, projectTAH,
  unitarityError, sunError, setIdentity, reTraceMul, reTraceMulAdjB, algebraDot, eigNormal,
} from '../../lattices/matrix.ts';
import { randomAlgebra } from '../../lattices/action.ts';

const rng = makeRng(20261123, 'matrix-test');
const m2 = (N: number) => 2 * N * N;

function randomComplex(N: number): Float64Array {
  const a = new Float64Array(m2(N));
  fillGaussian(rng, a);
  return a;
}
function haar(N: number): Float64Array {
  const a = new Float64Array(m2(N));
  haarSUN(N, rng, a, 0);
  return a;
}
function maxDiff(a: Float64Array, b: Float64Array, n = a.length): number {
  let e = 0;
  for (let k = 0; k < n; k++) e = Math.max(e, Math.abs(a[k] - b[k]));
  return e;
}
/** Plain reference product, no tricks. */
function refMul(a: Float64Array, b: Float64Array, N: number): Float64Array {
  const o = new Float64Array(m2(N));
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) for (let k = 0; k < N; k++) {
    const ar = a[2 * (i * N + k)], ai = a[2 * (i * N + k) + 1], br = b[2 * (k * N + j)], bi = b[2 * (k * N + j) + 1];
    o[2 * (i * N + j)] += ar * br - ai * bi;
    o[2 * (i * N + j) + 1] += ar * bi + ai * br;
  }
  return o;
}
function adj(a: Float64Array, N: number): Float64Array {
  const o = new Float64Array(m2(N));
  adjoint(a, 0, o, 0, N);
  return o;
}
function diagPhases(phases: number[], V: Float64Array, N: number): Float64Array {
  const o = new Float64Array(m2(N));
  fromEigen(Float64Array.from(phases), 0, V, 0, o, 0, N);
  return o;
}

const Ns = [2, 3, 4, 5];

test('products agree with the reference for N = 2..5 (incl. the unrolled N=2,3 kernels), with offsets', () => {
  for (const N of Ns) {
    const a = randomComplex(N), b = randomComplex(N);
    const big = new Float64Array(3 * m2(N) + 7);
    big.set(a, 3); big.set(b, 3 + m2(N));
    const out = new Float64Array(m2(N) + 5);
    mul(big, 3, big, 3 + m2(N), out, 2, N);
    assert.ok(maxDiff(out.subarray(2), refMul(a, b, N), m2(N)) < 1e-13, `mul N=${N}`);
    const o2 = new Float64Array(m2(N));
    mulAdjB(a, 0, b, 0, o2, 0, N);
    assert.ok(maxDiff(o2, refMul(a, adj(b, N), N)) < 1e-13, `mulAdjB N=${N}`);
    mulAdjA(a, 0, b, 0, o2, 0, N);
    assert.ok(maxDiff(o2, refMul(adj(a, N), b, N)) < 1e-13, `mulAdjA N=${N}`);
    const ab = refMul(a, b, N);
    assert.ok(Math.abs(reTraceMul(a, 0, b, 0, N) - trace(ab, 0, N).re) < 1e-12);
    assert.ok(Math.abs(reTraceMulAdjB(a, 0, b, 0, N) - trace(refMul(a, adj(b, N), N), 0, N).re) < 1e-12);
    // in-place adjoint
    const c = a.slice();
    adjoint(c, 0, c, 0, N);
    assert.ok(maxDiff(c, adj(a, N)) === 0);
  }
});

test('det: multiplicative, conjugation, and LU path (N ≥ 4) consistent with closed forms (N = 2, 3)', () => {
  for (const N of [2, 3, 4, 5, 6]) {
    const a = randomComplex(N), b = randomComplex(N);
    const da = det(a, 0, N), db = det(b, 0, N), dab = det(refMul(a, b, N), 0, N);
    const pr = da.re * db.re - da.im * db.im, pi = da.re * db.im + da.im * db.re;
    assert.ok(Math.hypot(dab.re - pr, dab.im - pi) < 1e-10 * Math.hypot(pr, pi), `det(AB) N=${N}`);
    const dadj = det(adj(a, N), 0, N);
    assert.ok(Math.hypot(dadj.re - da.re, dadj.im + da.im) < 1e-11 * Math.hypot(da.re, da.im));
  }
  // Block-diagonal 5×5 = 2×2 ⊕ 3×3: LU determinant equals the product of the closed forms.
  const a2 = randomComplex(2), a3 = randomComplex(3), big = new Float64Array(m2(5));
  for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) { big[2 * (i * 5 + j)] = a2[2 * (i * 2 + j)]; big[2 * (i * 5 + j) + 1] = a2[2 * (i * 2 + j) + 1]; }
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) { big[2 * ((i + 2) * 5 + j + 2)] = a3[2 * (i * 3 + j)]; big[2 * ((i + 2) * 5 + j + 2) + 1] = a3[2 * (i * 3 + j) + 1]; }
  const d2 = det(a2, 0, 2), d3 = det(a3, 0, 3), d5 = det(big, 0, 5);
  const pr = d2.re * d3.re - d2.im * d3.im, pi = d2.re * d3.im + d2.im * d3.re;
  assert.ok(Math.hypot(d5.re - pr, d5.im - pi) < 1e-12 * Math.hypot(pr, pi));
  // Singular matrix
  const s = randomComplex(4);
  for (let j = 0; j < 8; j++) s[8 + j] = s[j];
  assert.ok(Math.hypot(det(s, 0, 4).re, det(s, 0, 4).im) < 1e-12);
});

test('Haar matrices are in SU(N) to 1e-13', () => {
  for (const N of [2, 3, 4, 5, 7]) for (let r = 0; r < 20; r++) assert.ok(sunError(haar(N), 0, N) < 1e-13);
});

test('SU(N) is closed under mul, mulAdjB, mulAdjA, adjoint, and fromEigen(eigUnitary(U)) (1e-13)', () => {
  for (const N of [2, 3, 4, 5]) {
    for (let r = 0; r < 10; r++) {
      const a = haar(N), b = haar(N), o = new Float64Array(m2(N));
      mul(a, 0, b, 0, o, 0, N); assert.ok(sunError(o, 0, N) < 1e-13, 'mul');
      mulAdjB(a, 0, b, 0, o, 0, N); assert.ok(sunError(o, 0, N) < 1e-13, 'mulAdjB');
      mulAdjA(a, 0, b, 0, o, 0, N); assert.ok(sunError(o, 0, N) < 1e-13, 'mulAdjA');
      adjoint(a, 0, o, 0, N); assert.ok(sunError(o, 0, N) < 1e-13, 'adjoint');
      const ph = new Float64Array(N), V = new Float64Array(m2(N));
      eigUnitary(a, 0, N, ph, 0, V, 0);
      fromEigen(ph, 0, V, 0, o, 0, N);
      assert.ok(sunError(o, 0, N) < 1e-13, 'fromEigen');
    }
  }
});

test('reunitarize lands in SU(N) to 1e-12 and moves an almost-SU(N) matrix only by O(noise)', () => {
  for (const N of Ns) {
    for (let r = 0; r < 20; r++) {
      const u = haar(N), noisy = u.slice();
      for (let k = 0; k < noisy.length; k++) noisy[k] += 1e-6 * (rng() - 0.5);
      reunitarize(noisy, 0, N);
      assert.ok(sunError(noisy, 0, N) < 1e-12, `reunitarize N=${N}`);
      assert.ok(maxDiff(noisy, u) < 1e-5);
      const junk = randomComplex(N);
      reunitarize(junk, 0, N);
      assert.ok(sunError(junk, 0, N) < 1e-12, `reunitarize of a generic matrix N=${N}`);
    }
  }
  const z = new Float64Array(m2(3));
  assert.throws(() => reunitarize(z, 0, 3), /singular/);
});

test('projectTAH: traceless anti-Hermitian, idempotent, identity on su(N), in place allowed', () => {
  for (const N of Ns) {
    const a = randomComplex(N), p = new Float64Array(m2(N));
    projectTAH(a, 0, p, 0, N);
    const t = trace(p, 0, N);
    assert.ok(Math.hypot(t.re, t.im) < 1e-14);
    const padj = adj(p, N);
    for (let k = 0; k < p.length; k++) assert.ok(Math.abs(padj[k] + p[k]) < 1e-15);
    const q = p.slice();
    projectTAH(q, 0, q, 0, N);
    assert.ok(maxDiff(p, q) < 1e-15);
    // Re tr(A X) = Re tr(TAH(A) X) for X ∈ su(N): the projection keeps exactly the force-relevant part.
    const X = new Float64Array(m2(N));
    randomAlgebra(N, rng, X, 0);
    assert.ok(Math.abs(reTraceMul(a, 0, X, 0, N) - reTraceMul(p, 0, X, 0, N)) < 1e-12);
  }
});

test('expTAH: in SU(N) to 1e-12 and equals V diag(e^{iφ}) V† for X = V diag(iφ) V†', () => {
  for (const N of [2, 3, 4, 5, 6]) {
    for (const scale of [1e-9, 0.05, 1, 4, 20]) {
      const V = haar(N);
      const phi: number[] = [];
      let sum = 0;
      for (let k = 0; k < N - 1; k++) { phi.push(scale * (rng() - 0.5) * 2); sum += phi[k]; }
      phi.push(-sum);
      // X = V diag(iφ) V†
      const D = new Float64Array(m2(N));
      for (let k = 0; k < N; k++) D[2 * (k * N + k) + 1] = phi[k];
      const X = refMul(refMul(V, D, N), adj(V, N), N);
      projectTAH(X, 0, X, 0, N); // remove rounding-level Hermitian part
      const E = new Float64Array(m2(N));
      expTAH(X, 0, E, 0, N);
      assert.ok(sunError(E, 0, N) < 1e-12, `exp unitarity N=${N} scale=${scale}: ${sunError(E, 0, N)}`);
      const ref = diagPhases(phi, V, N);
      assert.ok(maxDiff(E, ref) < 1e-11 * Math.max(1, scale), `exp value N=${N} scale=${scale}: ${maxDiff(E, ref)}`);
    }
  }
});

test('eigNormal diagonalises Hermitian and anti-Hermitian matrices; expTAH stays unitary (1e-14) at large norms', () => {
  for (const N of [3, 4, 6]) {
    const X = new Float64Array(m2(N)), E = new Float64Array(m2(N)), V = new Float64Array(m2(N)), ev = new Float64Array(2 * N);
    for (const scale of [3, 50, 400]) {
      randomAlgebra(N, rng, X, 0);
      for (let k = 0; k < X.length; k++) X[k] *= scale;
      expTAH(X, 0, E, 0, N);
      assert.ok(unitarityError(E, 0, N) < 1e-14, `N=${N} scale=${scale}: ${unitarityError(E, 0, N)}`);
      const d = det(E, 0, N);
      assert.ok(Math.hypot(d.re - 1, d.im) < 1e-15 * N * scale * 10);
      eigNormal(X, 0, N, ev, 0, V, 0);
      // eigenvalues of an anti-Hermitian matrix are imaginary; X = V diag(λ) V†
      const ph = new Float64Array(N);
      for (let k = 0; k < N; k++) { assert.ok(Math.abs(ev[2 * k]) < 1e-12 * scale); ph[k] = ev[2 * k + 1]; }
      const R = new Float64Array(m2(N));
      fromEigen(ph, 0, V, 0, R, 0, N); // = V diag(e^{iλ}) V† = exp(X)
      assert.ok(maxDiff(R, E) < 1e-14 * scale);
    }
  }
});

test('expTAH: exp(X) exp(−X) = 1 and exp(2X) = exp(X)² on random su(N) directions', () => {
  for (const N of Ns) {
    const X = new Float64Array(m2(N)), Xm = new Float64Array(m2(N)), X2 = new Float64Array(m2(N));
    randomAlgebra(N, rng, X, 0);
    for (let k = 0; k < X.length; k++) { X[k] *= 0.7; Xm[k] = -X[k]; X2[k] = 2 * X[k]; }
    const a = new Float64Array(m2(N)), b = new Float64Array(m2(N)), c = new Float64Array(m2(N)), I = new Float64Array(m2(N));
    expTAH(X, 0, a, 0, N); expTAH(Xm, 0, b, 0, N); expTAH(X2, 0, c, 0, N);
    setIdentity(I, 0, N);
    assert.ok(maxDiff(refMul(a, b, N), I) < 1e-13);
    assert.ok(maxDiff(refMul(a, a, N), c) < 1e-13);
  }
});

function checkEig(U: Float64Array, N: number, label: string): Float64Array {
  const ph = new Float64Array(N), V = new Float64Array(m2(N)), R = new Float64Array(m2(N));
  eigUnitary(U, 0, N, ph, 0, V, 0);
  assert.ok(unitarityError(V, 0, N) < 1e-12, `${label}: eigenvectors not orthonormal (${unitarityError(V, 0, N)})`);
  fromEigen(ph, 0, V, 0, R, 0, N);
  assert.ok(maxDiff(R, U) < 1e-10, `${label}: reconstruction error ${maxDiff(R, U)}`);
  for (const p of ph) assert.ok(p > -Math.PI && p <= Math.PI, `${label}: phase ${p} outside (−π, π]`);
  return ph;
}

test('eigUnitary: Haar-random SU(N), N = 2..8, reconstruction 1e-10, orthonormal eigenvectors', () => {
  for (const N of [2, 3, 4, 5, 6, 8]) {
    for (let r = 0; r < 25; r++) {
      const ph = checkEig(haar(N), N, `haar N=${N}`);
      let s = 0;
      for (const p of ph) s += p;
      const k = s / (2 * Math.PI);
      assert.ok(Math.abs(k - Math.round(k)) < 1e-10, 'phases of an SU(N) matrix sum to 0 mod 2π');
    }
  }
});

test('eigUnitary: degenerate cases (identity, centre elements, repeated phases, near-degenerate, permutations)', () => {
  for (const N of [2, 3, 4, 5]) {
    const I = new Float64Array(m2(N));
    setIdentity(I, 0, N);
    const ph = checkEig(I, N, `identity N=${N}`);
    for (const p of ph) assert.ok(Math.abs(p) < 1e-15);
    for (let k = 1; k < N; k++) {
      const z = new Float64Array(m2(N)), a = (2 * Math.PI * k) / N;
      for (let i = 0; i < N; i++) { z[2 * (i * N + i)] = Math.cos(a); z[2 * (i * N + i) + 1] = Math.sin(a); }
      const pz = checkEig(z, N, `centre z^${k} N=${N}`);
      for (const p of pz) assert.ok(Math.abs(Math.cos(p) - Math.cos(a)) + Math.abs(Math.sin(p) - Math.sin(a)) < 1e-12);
    }
    for (const gap of [0, 1e-13, 1e-9, 1e-5]) {
      // V diag(a, a+gap, …, b, …) V† with a repeated (or almost repeated) phase
      const phi: number[] = [];
      for (let k = 0; k < N; k++) phi.push(k < 2 ? 0.7 + k * gap : -1.3 + 0.4 * k);
      const U = diagPhases(phi, haar(N), N);
      const got = Array.from(checkEig(U, N, `repeated phase gap=${gap} N=${N}`)).sort((x, y) => x - y);
      const want = phi.slice().sort((x, y) => x - y);
      for (let k = 0; k < N; k++) assert.ok(Math.abs(got[k] - want[k]) < 1e-10);
    }
    // phases at ±π and a conjugate pair φ, −φ (degenerate in H = (U+U†)/2 but not in U)
    const phi = [Math.PI, 0.9, -0.9, -Math.PI + 0.2, 0.3].slice(0, N);
    checkEig(diagPhases(phi, haar(N), N), N, `conjugate pair N=${N}`);
    // cyclic shift (a permutation: the Wilkinson shift alone stalls on it)
    const P = new Float64Array(m2(N));
    for (let i = 0; i < N; i++) P[2 * (i * N + ((i + 1) % N))] = 1;
    checkEig(P, N, `cyclic permutation N=${N}`);
  }
  // diag matrix straight (already triangular) and block with exact zeros
  const D = new Float64Array(m2(3));
  const a = [0.4, 0.4, -0.8];
  for (let i = 0; i < 3; i++) { D[2 * (i * 3 + i)] = Math.cos(a[i]); D[2 * (i * 3 + i) + 1] = Math.sin(a[i]); }
  checkEig(D, 3, 'diagonal');
});

test('algebraDot: X_a = iλ_a/2 orthonormality via randomAlgebra covariance E⟨P,P⟩ = N²−1 (4σ)', () => {
  for (const N of [2, 3, 4]) {
    const P = new Float64Array(m2(N));
    const n = 4000;
    const vals: number[] = [];
    for (let r = 0; r < n; r++) { randomAlgebra(N, rng, P, 0); vals.push(algebraDot(P, 0, P, 0, N)); }
    const mean = vals.reduce((s, v) => s + v, 0) / n;
    const sd = Math.sqrt(vals.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
    assert.ok(Math.abs(mean - (N * N - 1)) < 4 * sd / Math.sqrt(n), `N=${N}: mean ${mean}`);
    // traceless anti-Hermitian
    const t = trace(P, 0, N);
    assert.ok(Math.hypot(t.re, t.im) < 1e-14);
    const q = P.slice(); projectTAH(q, 0, q, 0, N);
    assert.ok(maxDiff(P, q) < 1e-15);
  }
});

test.run();
