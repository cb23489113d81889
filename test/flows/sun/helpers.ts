/**
 * Float64 helpers shared by the SU(N) flow tests: Haar draws, an orthonormal basis of su(N)
 * (X_a = iλ_a/2, ⟨A, B⟩ = −2 tr AB, the convention of docs/design.md § Lattice gauge theory
 * conventions) and moves U → e^{εX} U along it.
 */
import { haarSUN } from '../../../lattices/haar.ts';
import { eigUnitary, expTAH, mul } from '../../../lattices/matrix.ts';
import { makeRng } from '../../../lattices/random.ts';

/** B Haar-random SU(N) matrices, interleaved float64 (2N² doubles each). */
export function haarBatch(N: number, B: number, seed: string): Float64Array {
  const rng = makeRng('sun-test', seed);
  const out = new Float64Array(B * 2 * N * N);
  for (let b = 0; b < B; b++) haarSUN(N, rng, out, b * 2 * N * N);
  return out;
}

/** The N² − 1 generators X_a = iλ_a/2 (generalised Gell-Mann), interleaved float64. */
export function suBasis(N: number): Float64Array[] {
  const m = 2 * N * N;
  const at = (i: number, j: number) => 2 * (i * N + j);
  const out: Float64Array[] = [];
  for (let i = 0; i < N; i++) {
    for (let j = i + 1; j < N; j++) {
      // λ_s = E_ij + E_ji → X = i(E_ij + E_ji)/2
      const s = new Float64Array(m);
      s[at(i, j) + 1] = 0.5;
      s[at(j, i) + 1] = 0.5;
      // λ_a = −iE_ij + iE_ji → X = (E_ij − E_ji)/2
      const a = new Float64Array(m);
      a[at(i, j)] = 0.5;
      a[at(j, i)] = -0.5;
      out.push(s, a);
    }
  }
  for (let k = 1; k < N; k++) {
    const d = new Float64Array(m);
    const c = 0.5 * Math.sqrt(2 / (k * (k + 1)));
    for (let i = 0; i < k; i++) d[at(i, i) + 1] = c;
    d[at(k, k) + 1] = -k * c;
    out.push(d);
  }
  return out;
}

/** e^{εX} U for one matrix (float64). */
export function moveLeft(U: Float64Array, uo: number, X: Float64Array, eps: number, N: number): Float64Array {
  const m = 2 * N * N;
  const sx = X.map((v) => v * eps);
  const E = new Float64Array(m);
  expTAH(sx, 0, E, 0, N);
  const out = new Float64Array(m);
  mul(E, 0, U, uo, out, 0, N);
  return out;
}

/** X U for one matrix (the tangent direction of e^{εX}U at ε = 0). */
export function tangent(U: Float64Array, uo: number, X: Float64Array, N: number): Float64Array {
  const out = new Float64Array(2 * N * N);
  mul(X, 0, U, uo, out, 0, N);
  return out;
}

/** log M = V diag(iφ) V† for a unitary M near the identity (float64, through eigUnitary). */
export function logUnitary(M: Float64Array, mo: number, N: number): Float64Array {
  const m = 2 * N * N;
  const ph = new Float64Array(N), vec = new Float64Array(m), out = new Float64Array(m);
  eigUnitary(M, mo, N, ph, 0, vec, 0);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      let sr = 0, si = 0;
      for (let k = 0; k < N; k++) {
        // V_ik (iφ_k) conj(V_jk)
        const vr = vec[2 * (i * N + k)], vi = vec[2 * (i * N + k) + 1];
        const wr = vec[2 * (j * N + k)], wi = -vec[2 * (j * N + k) + 1];
        const pr = vr * wr - vi * wi, pi = vr * wi + vi * wr;
        sr += -ph[k] * pi;
        si += ph[k] * pr;
      }
      out[2 * (i * N + j)] = sr;
      out[2 * (i * N + j) + 1] = si;
    }
  }
  return out;
}

/** ⟨A, B⟩ = −2 Re tr AB on su(N). */
export function algebraInner(A: Float64Array, Bm: Float64Array, N: number): number {
  let s = 0;
  for (let i = 0; i < N; i++) {
    for (let k = 0; k < N; k++) {
      const ar = A[2 * (i * N + k)], ai = A[2 * (i * N + k) + 1];
      const br = Bm[2 * (k * N + i)], bi = Bm[2 * (k * N + i) + 1];
      s += ar * br - ai * bi;
    }
  }
  return -2 * s;
}
