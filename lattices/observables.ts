/**
 * Gauge-invariant observables: topological charge (2D U(1)), Wilson loops, Polyakov loop
 * (docs/design.md, "Lattice gauge theory conventions").
 */
import { type GaugeField, type SUNField, type U1Field } from './field.ts';
import { plaquetteLinks } from './geometry.ts';
import { mul, reTraceMulAdjB, copyMat } from './matrix.ts';

const TWO_PI = 2 * Math.PI;

/** arg of e^{iθ} in (−π, π] */
function principal(t: number): number {
  if (t > -Math.PI && t <= Math.PI) return t;
  const y = t - TWO_PI * Math.floor((t + Math.PI) / TWO_PI);
  return y <= -Math.PI ? y + TWO_PI : y > Math.PI ? y - TWO_PI : y;
}

/** Unrounded (1/2π) Σ_x arg P_01(x); an integer up to rounding on any 2D U(1) configuration. */
export function topologicalChargeRaw(field: U1Field): number {
  if (field.group.kind !== 'u1') throw new Error('topologicalCharge: defined for U(1) fields only');
  if (field.lattice.dims !== 2) throw new Error(`topologicalCharge: defined in 2 dimensions only, got d=${field.lattice.dims}`);
  const th = field.theta, P = plaquetteLinks(field.lattice);
  let s = 0;
  for (let p = 0; p < P.length; p += 4) s += principal(th[P[p]] + th[P[p + 1]] - th[P[p + 2]] - th[P[p + 3]]);
  return s / TWO_PI;
}

/** 2D U(1) topological charge Q = (1/2π) Σ_x arg P_01(x), arg ∈ (−π, π]; checked to be within 1e-9 of an integer. */
export function topologicalCharge(field: U1Field): number {
  const q = topologicalChargeRaw(field);
  const n = Math.round(q);
  if (!(Math.abs(q - n) <= 1e-9)) throw new Error(`topologicalCharge: Q = ${q} is not within 1e-9 of an integer (corrupt field?)`);
  return n === 0 ? 0 : n; // no −0
}

let lA = new Float64Array(0), lB = new Float64Array(0), lC = new Float64Array(0), lD = new Float64Array(0), lT = new Float64Array(0);
function ensure(m: number): void {
  if (lA.length < m) { lA = new Float64Array(m); lB = new Float64Array(m); lC = new Float64Array(m); lD = new Float64Array(m); lT = new Float64Array(m); }
}

/** Product U_μ(x) U_μ(x+μ) … U_μ(x+(n−1)μ) into out; returns the end site x + nμ. */
function lineSUN(f: SUNField, x: number, mu: number, n: number, out: Float64Array): number {
  const N = f.group.N, m = 2 * N * N, d = f.lattice.dims, fwd = f.lattice.fwd, U = f.links;
  copyMat(U, (x * d + mu) * m, out, 0, N);
  x = fwd[x * d + mu];
  for (let i = 1; i < n; i++) {
    mul(out, 0, U, (x * d + mu) * m, lT, 0, N);
    copyMat(lT, 0, out, 0, N);
    x = fwd[x * d + mu];
  }
  return x;
}

function lineU1(f: U1Field, x: number, mu: number, n: number): [number, number] {
  const d = f.lattice.dims, fwd = f.lattice.fwd, th = f.theta;
  let s = 0;
  for (let i = 0; i < n; i++) { s += th[x * d + mu]; x = fwd[x * d + mu]; }
  return [s, x];
}

function shift(f: GaugeField, x: number, mu: number, n: number): number {
  const d = f.lattice.dims, fwd = f.lattice.fwd;
  for (let i = 0; i < n; i++) x = fwd[x * d + mu];
  return x;
}

/** Σ over sites of (1/N) Re tr of the a×b loop with sides along μ (length a) then ν (length b). */
function loopSum(f: GaugeField, mu: number, nu: number, a: number, b: number): number {
  const V = f.lattice.volume;
  let s = 0;
  if (f.group.kind === 'u1') {
    const u = f as U1Field;
    for (let x = 0; x < V; x++) {
      const [s1, xa] = lineU1(u, x, mu, a);
      const [s2] = lineU1(u, xa, nu, b);
      const [s3] = lineU1(u, shift(f, x, nu, b), mu, a);
      const [s4] = lineU1(u, x, nu, b);
      s += Math.cos(s1 + s2 - s3 - s4);
    }
    return s;
  }
  const g = f as SUNField, N = g.group.N;
  ensure(2 * N * N);
  for (let x = 0; x < V; x++) {
    // W = A B C† D† with A, C the μ-lines and B, D the ν-lines; Re tr W = Re tr[(AB)(DC)†].
    const xa = lineSUN(g, x, mu, a, lA);
    lineSUN(g, xa, nu, b, lB);
    mul(lA, 0, lB, 0, lT, 0, N);
    copyMat(lT, 0, lA, 0, N);
    const xb = lineSUN(g, x, nu, b, lD);
    lineSUN(g, xb, mu, a, lC);
    mul(lD, 0, lC, 0, lT, 0, N);
    s += reTraceMulAdjB(lA, 0, lT, 0, N);
  }
  return s / N;
}

/**
 * Wilson loop W(R,T): mean over sites and planes μ<ν, both orientations (R along μ, T along ν, and T along
 * μ, R along ν) averaged, of (1/N) Re tr W (U(1): cos of the loop angle). W(1,1) is the average plaquette.
 */
export function wilsonLoop(field: GaugeField, R: number, T: number): number {
  if (!Number.isInteger(R) || !Number.isInteger(T) || R < 1 || T < 1) throw new Error(`wilsonLoop: R and T must be integers ≥ 1, got R=${R}, T=${T}`);
  const d = field.lattice.dims;
  let s = 0, n = 0;
  for (let mu = 0; mu < d; mu++) {
    for (let nu = mu + 1; nu < d; nu++) {
      const a = loopSum(field, mu, nu, R, T);
      s += a + (R === T ? a : loopSum(field, mu, nu, T, R));
      n += 2;
    }
  }
  return s / (n * field.lattice.volume);
}

/** Mean over spatial sites of (1/N) tr Π_t U_{d−1}(x, t); the last direction is time. */
export function polyakovLoop(field: GaugeField): { re: number; im: number } {
  const lat = field.lattice, d = lat.dims, t = d - 1, Lt = lat.extents[t];
  const nSpatial = lat.volume / Lt; // time is the slowest index: sites 0..nSpatial−1 have x_t = 0
  let re = 0, im = 0;
  if (field.group.kind === 'u1') {
    for (let x = 0; x < nSpatial; x++) {
      const [s] = lineU1(field as U1Field, x, t, Lt);
      re += Math.cos(s); im += Math.sin(s);
    }
    return { re: re / nSpatial, im: im / nSpatial };
  }
  const g = field as SUNField, N = g.group.N;
  ensure(2 * N * N);
  for (let x = 0; x < nSpatial; x++) {
    lineSUN(g, x, t, Lt, lA);
    for (let i = 0; i < N; i++) { re += lA[2 * (i * N + i)]; im += lA[2 * (i * N + i) + 1]; }
  }
  return { re: re / (nSpatial * N), im: im / (nSpatial * N) };
}

/** Plaquette angles arg P_01(x) ∈ (−π, π] for a 2D U(1) field, per site (topological charge density × 2π). */
export function plaquetteAngles2D(field: U1Field, out = new Float64Array(field.lattice.volume)): Float64Array {
  if (field.lattice.dims !== 2) throw new Error('plaquetteAngles2D: 2D U(1) fields only');
  const th = field.theta, P = plaquetteLinks(field.lattice);
  for (let p = 0, x = 0; p < P.length; p += 4, x++) out[x] = principal(th[P[p]] + th[P[p + 1]] - th[P[p + 2]] - th[P[p + 3]]);
  return out;
}

