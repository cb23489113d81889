/**
 * Single-matrix densities p(U) ∝ exp((β/N) Re tr Σ_k c_k U^k) on SU(N) (and U(1)), the
 * standard targets for testing flows on one link or one plaquette.
 *
 * The weight is a class function, so by Weyl's integration formula
 *   ∫ f dU = (1/N!) ∫_{T^{N−1}} f(e^{iθ}) Π_{i<j} |e^{iθ_i} − e^{iθ_j}|² Π_{k<N} dθ_k/2π,
 * θ_N = −Σ_{k<N} θ_k. The integrand is smooth and periodic on the torus, so the trapezoid
 * rule on an M^{N−1} grid converges faster than any power of 1/M; M is doubled until ln Z and
 * ⟨(1/N) Re tr U⟩ agree between successive grids. Because θ_N is again a grid angle, every
 * trigonometric factor is a table lookup.
 *
 * The grid is (N−1)-dimensional, so quadrature is offered for N ≤ 4. For the pure Wilson
 * weight (one coefficient) any N is handled by the Bessel-determinant formula instead.
 */
import { sunSinglePlaquette } from './sun.ts';
import { assertBeta, assertCoeffs, assertIntAtLeast } from './validate.ts';

export interface SingleMatrixResult {
  /** ⟨(1/N) Re tr U⟩ */
  retr: number;
  /** ln(Z/Z_Haar) = ln ∫ dU exp((β/N) Re tr Σ_k c_k U^k), Haar normalised to 1 */
  logZ: number;
  /** grid points per angle of the converged quadrature (0: Bessel formula was used) */
  gridPerAngle: number;
}

export interface SingleMatrixOptions {
  /** absolute tolerance on ln Z and on ⟨(1/N) Re tr U⟩ between successive grids */
  tol?: number;
  /** cap on the number of grid points M^{N−1} */
  maxPoints?: number;
}

/** Largest N handled by torus quadrature (an (N−1)-dimensional grid). */
export const SINGLE_MATRIX_MAX_N = 4;

/** Tables on the M-point circle grid: exponent f(θ) = (β/N) Σ c_k cos kθ, cos θ, |1 − e^{iθ}|². */
function tables(N: number, beta: number, coeffs: readonly number[], M: number) {
  const f = new Float64Array(M);
  const cos = new Float64Array(M);
  const vdm = new Float64Array(M);
  for (let m = 0; m < M; m++) {
    const th = (2 * Math.PI * m) / M;
    let s = 0;
    for (let k = 0; k < coeffs.length; k++) s += coeffs[k]! * Math.cos((k + 1) * th);
    f[m] = (beta / N) * s;
    cos[m] = Math.cos(th);
    vdm[m] = 2 - 2 * Math.cos(th);
  }
  return { f, cos, vdm };
}

/**
 * Trapezoid sums over the maximal torus of SU(N), N = 2..4, with M points per angle. Loops
 * are written out per N (the inner loop is the hot path); inner sums are accumulated
 * separately before being added to the total so that rounding stays at the ~1e-15 level
 * even for 10⁸ points.
 */
function torusQuadrature(N: number, beta: number, coeffs: readonly number[], M: number): { logZ: number; retr: number } {
  const { f, cos, vdm } = tables(N, beta, coeffs, M);
  // Tables indexed by a difference of two grid indices + M, or a negated sum, without `%`.
  const vd = new Float64Array(2 * M);
  for (let i = 0; i < 2 * M; i++) vd[i] = vdm[i % M]!;
  let fmax = -Infinity;
  let fmin = Infinity;
  for (let m = 0; m < M; m++) {
    fmax = Math.max(fmax, f[m]!);
    fmin = Math.min(fmin, f[m]!);
  }
  // e^{S} = Π_j E[m_j] e^{N fmax}; each factor ≤ 1. If the product could underflow over the
  // relevant region (huge β) we fall back to exponentiating the summed exponent per point.
  const E = new Float64Array(M);
  for (let m = 0; m < M; m++) E[m] = Math.exp(f[m]! - fmax);
  if (N * (fmax - fmin) > 600) {
    throw new Error(`single-matrix quadrature: β·Σ|c_k| = ${(N * (fmax - fmin)) / 2} is beyond the supported range`);
  }
  const neg = (s: number): number => (((-s) % M) + M) % M;
  let sumW = 0;
  let sumR = 0;
  if (N === 2) {
    for (let a = 0; a < M; a++) {
      const b = neg(a);
      const w = vd[a - b + M]! * E[a]! * E[b]!;
      sumW += w;
      sumR += w * (cos[a]! + cos[b]!);
    }
  } else if (N === 3) {
    for (let a = 0; a < M; a++) {
      let rowW = 0;
      let rowR = 0;
      for (let b = 0; b < M; b++) {
        const c = neg(a + b);
        const w = vd[a - b + M]! * vd[a - c + M]! * vd[b - c + M]! * E[a]! * E[b]! * E[c]!;
        rowW += w;
        rowR += w * (cos[a]! + cos[b]! + cos[c]!);
      }
      sumW += rowW;
      sumR += rowR;
    }
  } else if (N === 4) {
    for (let a = 0; a < M; a++) {
      let planeW = 0;
      let planeR = 0;
      for (let b = 0; b < M; b++) {
        const hab = vd[a - b + M]! * E[a]! * E[b]!;
        const cab = cos[a]! + cos[b]!;
        const sab = a + b;
        let rowW = 0;
        let rowR = 0;
        for (let c = 0; c < M; c++) {
          const d = neg(sab + c);
          const w = hab * vd[a - c + M]! * vd[a - d + M]! * vd[b - c + M]! * vd[b - d + M]! * vd[c - d + M]! * E[c]! * E[d]!;
          rowW += w;
          rowR += w * (cab + cos[c]! + cos[d]!);
        }
        planeW += rowW;
        planeR += rowR;
      }
      sumW += planeW;
      sumR += planeR;
    }
  } else {
    throw new Error(`torus quadrature is implemented for N = 2..${SINGLE_MATRIX_MAX_N}, got N = ${N}`);
  }
  let lnFact = 0;
  for (let k = 2; k <= N; k++) lnFact += Math.log(k);
  return { logZ: N * fmax + Math.log(sumW) - lnFact - (N - 1) * Math.log(M), retr: sumR / (N * sumW) };
}

/** Trapezoid rule until successive doublings agree. */
function adaptive(
  quad: (M: number) => { logZ: number; retr: number },
  dims: number,
  M0: number,
  tol: number,
  maxPoints: number,
  what: string,
): SingleMatrixResult {
  const tooBig = (M: number): Error =>
    new Error(
      `${what}: quadrature needs more than ${maxPoints} grid points to converge to ${tol} ` +
        `(M = ${M} per angle; β·Σk|c_k| too large for this N)`,
    );
  let M = M0;
  if ((2 * M) ** dims > maxPoints) throw tooBig(2 * M);
  let prev = quad(M);
  for (;;) {
    const M2 = 2 * M;
    if (M2 ** dims > maxPoints) throw tooBig(M2);
    const cur = quad(M2);
    // ln Z can be large (~β): allow for its last-digit rounding on top of the absolute tolerance.
    if (Math.abs(cur.logZ - prev.logZ) < tol + 1e-14 * Math.abs(cur.logZ) && Math.abs(cur.retr - prev.retr) < tol) {
      return { logZ: cur.logZ, retr: cur.retr, gridPerAngle: M2 };
    }
    prev = cur;
    M = M2;
  }
}

/** A starting grid that already resolves the highest Fourier mode of the weight. */
function startingGrid(beta: number, coeffs: readonly number[], N: number): number {
  let band = N + coeffs.length;
  coeffs.forEach((c, k) => (band += (k + 1) * Math.abs(c) * beta));
  let M = 8;
  while (M < band) M *= 2;
  return M;
}

/**
 * ⟨(1/N) Re tr U⟩ and ln(Z/Z_Haar) for p(U) ∝ exp((β/N) Re tr Σ_k c_k U^k) on SU(N),
 * coeffs = (c_1, c_2, …). Quadrature over the maximal torus for N ≤ 4; for N > 4 only the
 * Wilson case (one coefficient) is supported, via the Bessel-determinant formula.
 */
export function singleMatrixSUN(
  N: number,
  beta: number,
  coeffs: readonly number[],
  opts: SingleMatrixOptions = {},
): SingleMatrixResult {
  assertIntAtLeast('N', N, 2);
  assertBeta(beta);
  assertCoeffs(coeffs);
  const tol = opts.tol ?? 1e-12;
  if (N > SINGLE_MATRIX_MAX_N) {
    if (coeffs.length === 1) {
      const r = sunSinglePlaquette(N, beta * coeffs[0]!);
      return { logZ: r.logZ, retr: r.retr, gridPerAngle: 0 };
    }
    throw new Error(
      `singleMatrixSUN: quadrature over the (N−1)-dimensional torus is supported for N ≤ ${SINGLE_MATRIX_MAX_N} ` +
        `(got N = ${N}); for N > ${SINGLE_MATRIX_MAX_N} only a single coefficient (Wilson weight) is exact`,
    );
  }
  const maxPoints = opts.maxPoints ?? 1 << 27;
  return adaptive((M) => torusQuadrature(N, beta, coeffs, M), N - 1, startingGrid(beta, coeffs, N), tol, maxPoints, `SU(${N}) single matrix`);
}

/** The same for U(1): p(θ) ∝ exp(β Σ_k c_k cos kθ); retr = ⟨cos θ⟩, logZ = ln ∫ dθ/2π e^{…}. */
export function singleMatrixU1(beta: number, coeffs: readonly number[], opts: SingleMatrixOptions = {}): SingleMatrixResult {
  assertBeta(beta);
  assertCoeffs(coeffs);
  const quad = (M: number): { logZ: number; retr: number } => {
    const { f, cos } = tables(1, beta, coeffs, M);
    let shift = -Infinity;
    for (let m = 0; m < M; m++) if (f[m]! > shift) shift = f[m]!;
    let sumW = 0;
    let sumR = 0;
    for (let m = 0; m < M; m++) {
      const w = Math.exp(f[m]! - shift);
      sumW += w;
      sumR += w * cos[m]!;
    }
    return { logZ: shift + Math.log(sumW / M), retr: sumR / sumW };
  };
  return adaptive(quad, 1, startingGrid(beta, coeffs, 1), opts.tol ?? 1e-12, opts.maxPoints ?? 1 << 24, 'U(1) single matrix');
}
