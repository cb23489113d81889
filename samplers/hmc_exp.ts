/**
 * exp(X) for traceless 3×3 X (su(3) in HMC drifts) by Cayley–Hamilton: X³ = t X + d·1 with
 * t = tr(X²)/2 and d = det X, so every power X^n = p_n + q_n X + r_n X² and the exponential series
 * reduces to a scalar recursion (p, q, r) ← (r d, p + r t, q)/(n + 1) plus one matrix square.
 * About ten times cheaper than a matrix Taylor series, accurate to rounding for ‖X‖_F ≤ 1
 * (larger X are scaled by 2^−s and squared back). Other N fall back to lattices/matrix expTAH.
 */
import { expTAH, mul } from '../lattices/matrix.ts';

const X2 = new Float64Array(18);
const T = new Float64Array(18);

export function expSU3(a: Float64Array, ao: number, out: Float64Array, oo: number): void {
  let nrm2 = 0;
  for (let k = 0; k < 18; k++) nrm2 += a[ao + k] * a[ao + k];
  let s = 0;
  while (nrm2 > 1) { nrm2 *= 0.25; s++; }
  const sc = 1 / 2 ** s;
  // X² (scaled)
  mul(a, ao, a, ao, X2, 0, 3);
  const sc2 = sc * sc;
  // t = tr(X²)/2, d = det X (complex), both for the scaled X
  const tr = 0.5 * (X2[0] + X2[8] + X2[16]) * sc2, ti = 0.5 * (X2[1] + X2[9] + X2[17]) * sc2;
  // det of the scaled matrix by cofactors (entries read into locals: no closures in the hot path)
  const a00r = a[ao] * sc, a00i = a[ao + 1] * sc, a01r = a[ao + 2] * sc, a01i = a[ao + 3] * sc, a02r = a[ao + 4] * sc, a02i = a[ao + 5] * sc;
  const a10r = a[ao + 6] * sc, a10i = a[ao + 7] * sc, a11r = a[ao + 8] * sc, a11i = a[ao + 9] * sc, a12r = a[ao + 10] * sc, a12i = a[ao + 11] * sc;
  const a20r = a[ao + 12] * sc, a20i = a[ao + 13] * sc, a21r = a[ao + 14] * sc, a21i = a[ao + 15] * sc, a22r = a[ao + 16] * sc, a22i = a[ao + 17] * sc;
  const m00r = a11r * a22r - a11i * a22i - (a12r * a21r - a12i * a21i);
  const m00i = a11r * a22i + a11i * a22r - (a12r * a21i + a12i * a21r);
  const m01r = a10r * a22r - a10i * a22i - (a12r * a20r - a12i * a20i);
  const m01i = a10r * a22i + a10i * a22r - (a12r * a20i + a12i * a20r);
  const m02r = a10r * a21r - a10i * a21i - (a11r * a20r - a11i * a20i);
  const m02i = a10r * a21i + a10i * a21r - (a11r * a20i + a11i * a20r);
  const dr = a00r * m00r - a00i * m00i - (a01r * m01r - a01i * m01i) + (a02r * m02r - a02i * m02i);
  const di = a00r * m00i + a00i * m00r - (a01r * m01i + a01i * m01r) + (a02r * m02i + a02i * m02r);
  // series: coefficients of X^n/n! in the basis (1, X, X²)
  let pr = 1, pi = 0, qr = 0, qi = 0, rr = 0, ri = 0;
  let Pr = 1, Pi = 0, Qr = 0, Qi = 0, Rr = 0, Ri = 0;
  for (let n = 1; n < 40; n++) {
    const inv = 1 / n;
    const npr = (rr * dr - ri * di) * inv, npi = (rr * di + ri * dr) * inv;
    const nqr = (pr + rr * tr - ri * ti) * inv, nqi = (pi + rr * ti + ri * tr) * inv;
    const nrr = qr * inv, nri = qi * inv;
    pr = npr; pi = npi; qr = nqr; qi = nqi; rr = nrr; ri = nri;
    Pr += pr; Pi += pi; Qr += qr; Qi += qi; Rr += rr; Ri += ri;
    if (n > 3 && Math.abs(pr) + Math.abs(pi) + Math.abs(qr) + Math.abs(qi) + Math.abs(rr) + Math.abs(ri) < 1e-19) break;
  }
  // exp(X_scaled) = P + Q X_s + R X_s², X_s = sc·X, X_s² = sc²·X²
  const R = s === 0 ? out : T, ro = s === 0 ? oo : 0;
  const qrs = Qr * sc, qis = Qi * sc, rrs = Rr * sc2, ris = Ri * sc2;
  for (let k = 0; k < 18; k += 2) {
    const xr = a[ao + k], xi = a[ao + k + 1], yr = X2[k], yi = X2[k + 1];
    R[ro + k] = qrs * xr - qis * xi + rrs * yr - ris * yi;
    R[ro + k + 1] = qrs * xi + qis * xr + rrs * yi + ris * yr;
  }
  for (let k = 0; k < 3; k++) { R[ro + 8 * k] += Pr; R[ro + 8 * k + 1] += Pi; }
  if (s === 0) return;
  for (let q = 0; q < s; q++) {
    mul(T, 0, T, 0, X2, 0, 3);
    T.set(X2);
  }
  for (let k = 0; k < 18; k++) out[oo + k] = T[k];
}

/** exp of a traceless anti-Hermitian N×N matrix: Cayley–Hamilton for N = 3, lattices/matrix otherwise. */
export function expAlgebra(a: Float64Array, ao: number, out: Float64Array, oo: number, N: number): void {
  if (N === 3) expSU3(a, ao, out, oo);
  else expTAH(a, ao, out, oo, N);
}
