/**
 * An adaptive, anisotropic kernel density on S² ("manifold Parzen windows" on the sphere): one
 * kernel per training point cᵢ, a Gaussian N(0, Σᵢ) in the tangent plane at cᵢ pushed onto the
 * sphere by the exponential map, with Σᵢ = h² Mᵢ + λ² I, where Mᵢ is the second moment of the
 * log-map coordinates of cᵢ's k nearest training neighbours. Earthquakes lie along plate boundaries
 * and fires along coasts and savanna belts: kernels stretched along the local direction of the data
 * fit such curves far better than round ones (bench/earth.ts measures both: k = 0 is the round
 * kernel of width λ). k, h, λ and the weight of a uniform floor are chosen on the validation split.
 *
 * Two scales. Event catalogues are clustered at every scale (a flood region reported again a few km
 * away, and a lone event far from anything), which one width per centre fits badly: a narrow kernel
 * wastes the mass of isolated points, a wide one blurs the clusters. So each centre may carry a
 * second, wider kernel of the same k, (1 − ω) N(0, Σᵢ) + ω N(0, Σᵢ'), Σᵢ' = h'² Mᵢ + λ'² I with
 * h' ≥ h, λ' ≥ λ; ω, h', λ' are chosen on validation with the rest (ω = 0: one scale). Measured on
 * the five splits of bench/earth.ts, the second scale lowers the test NLL on all four catalogues.
 *
 * Exactness. The area element of S² in exponential coordinates (r, φ) around c is sin r dr dφ
 * against the tangent plane's r dr dφ, so the kernel's density on the sphere is
 * N(v; 0, Σ) · r / sin r at x = exp_c(v), r = |v|. exp_c is injective on |v| < π; every kernel is
 * truncated at |v| < 8 σ₁ (σ₁ its largest standard deviation, capped at σ_max = 0.1 rad, so the cut
 * lies within KERNEL_SUPPORT = 0.8 rad), where a 2D Gaussian has mass ≤ e^{−32} ≈ 1.3·10⁻¹⁴ left:
 * each kernel (and the mixture) integrates to 1 − δ with δ ≤ e^{−32} (test/densities/
 * sphere-kernel.test.ts integrates it). The cut also saves the time of kernels that cannot matter.
 * Sampling draws v from the same truncated Gaussian. Float64 throughout.
 *
 * The floor on λ (minWidth, default 0.001 rad ≈ 6 km) keeps every kernel wider than the catalogues'
 * location precision (0.001°–0.01°) and than an epicentre's location error; above it the width is
 * what validation says. Repeated events at one place (eruptions of one volcano: 82% of volcano test
 * points repeat a training location) are part of the data's law, and sharp kernels are rewarded on
 * held-out events for that reason, not by seeing them.
 */

import { meanNegLog, mixtureLogDensity } from './mixture.ts';
import { runToEnd } from '../train/stepwise.ts';

/** Largest kernel standard deviation (rad, ≈ 5.7°); sparse regions are left to the uniform floor or a flow. */
export const MAX_KERNEL_SD = 0.1;
/** No kernel reaches beyond this geodesic radius (8 σ_max). */
export const KERNEL_SUPPORT = 8 * MAX_KERNEL_SD;
const COS_SUPPORT = Math.cos(KERNEL_SUPPORT);
const LOG_4PI = Math.log(4 * Math.PI);

/** The candidates searched by fitSphereKernel (k = 0: round kernels of width λ, h unused). */
export const KERNEL_GRID = {
  neighbours: [0, 2, 3, 4, 6, 8, 12, 16],
  scales: [0.5, 0.7, 1, 1.4, 2],
  widths: [0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1],
  uniformWeights: [1e-4, 1e-3, 1e-2, 5e-2],
};

export interface KernelChoice {
  /** k nearest neighbours whose second moment shapes a kernel (0: round kernels) */
  neighbours: number;
  /** h: the moment's scale in the covariance */
  scale: number;
  /** λ (rad): isotropic width added to every kernel */
  width: number;
  /** weight of the uniform density 1/4π beside the kernels */
  uniformWeight: number;
  /** the second, wider kernel of every centre: its (h', λ') and its share ω of the centre's mass */
  wide?: { scale: number; width: number; weight: number };
}

/** The shares ω of the wide kernel searched by fitSphereKernel (0 is the one-scale density). */
export const WIDE_WEIGHTS = [0, 0.15, 0.3, 0.5];

/** An orthonormal tangent basis (e₁, e₂) at the unit vector c, a fixed function of c. */
export function tangentBasis(c: ArrayLike<number>): [number[], number[]] {
  const [x, y, z] = [c[0]!, c[1]!, c[2]!];
  const a = Math.abs(z) < 0.9 ? [0, 0, 1] : [1, 0, 0];
  const d = a[0]! * x + a[1]! * y + a[2]! * z;
  const u = [a[0]! - d * x, a[1]! - d * y, a[2]! - d * z];
  const n = Math.hypot(u[0]!, u[1]!, u[2]!);
  const e1 = u.map((v) => v / n);
  return [e1, [y * e1[2]! - z * e1[1]!, z * e1[0]! - x * e1[2]!, x * e1[1]! - y * e1[0]!]];
}

/** Kernel centres with their tangent bases, flat: c (3), e₁ (3), e₂ (3) per centre. */
function frames(centres: readonly number[][]): Float64Array {
  const f = new Float64Array(centres.length * 9);
  centres.forEach((c, i) => {
    const [e1, e2] = tangentBasis(c);
    f.set(c, 9 * i);
    f.set(e1, 9 * i + 3);
    f.set(e2, 9 * i + 6);
  });
  return f;
}

/**
 * Log map of x at frame i: writes (u, v) = coordinates of log_c(x) in (e₁, e₂) and returns
 * log(r / sin r), the log of the inverse area factor (0 at r = 0).
 */
function logMapAt(f: Float64Array, i: number, x0: number, x1: number, x2: number, uv: Float64Array): number {
  const o = 9 * i;
  const d = Math.min(1, Math.max(-1, f[o]! * x0 + f[o + 1]! * x1 + f[o + 2]! * x2));
  const p1 = f[o + 3]! * x0 + f[o + 4]! * x1 + f[o + 5]! * x2;
  const p2 = f[o + 6]! * x0 + f[o + 7]! * x1 + f[o + 8]! * x2;
  const s = Math.hypot(p1, p2); // sin r
  if (s < 1e-300) {
    uv[0] = 0;
    uv[1] = 0;
    return 0;
  }
  const r = Math.atan2(s, d); // accurate for small r, unlike acos(d)
  uv[0] = (r * p1) / s;
  uv[1] = (r * p2) / s;
  return Math.log(r / s);
}

/** Symmetric 2×2 (a, b; b, d) with eigenvalues clamped to [lo, hi]. */
function clampEigen(a: number, b: number, d: number, lo: number, hi: number): [number, number, number] {
  const m = (a + d) / 2;
  const q = Math.hypot((a - d) / 2, b);
  const l1 = m + q;
  const l2 = m - q;
  const c1 = Math.min(hi, Math.max(lo, l1));
  const c2 = Math.min(hi, Math.max(lo, l2));
  if (c1 === l1 && c2 === l2) return [a, b, d];
  if (q < 1e-300) return [c1, 0, c1];
  // eigenvector of l1: (b, l1 − a) or (l1 − d, b), whichever is better conditioned
  let [vx, vy] = Math.abs(a - l2) >= Math.abs(d - l2) ? [l1 - d, b] : [b, l1 - a];
  const n = Math.hypot(vx, vy);
  vx /= n;
  vy /= n;
  return [c1 * vx * vx + c2 * vy * vy, (c1 - c2) * vx * vy, c1 * vy * vy + c2 * vx * vx];
}

/**
 * Per training point, the second moment (M₁₁, M₁₂, M₂₂) of the log-map coordinates of itself and
 * its k nearest training neighbours (geodesic distance), for every k in ks at once.
 */
export function localSecondMoments(train: readonly number[][], ks: readonly number[]): Map<number, Float64Array> {
  return runToEnd(localSecondMomentsSteps(train, ks));
}

/** Rows between the pauses of the O(N²) neighbour searches (≈ 0.15 s on fire's 10 247 points). */
const ROWS_PER_PAUSE = 1024;

/** localSecondMoments pausing every ROWS_PER_PAUSE points (fitSphereKernelSteps). */
function* localSecondMomentsSteps(train: readonly number[][], ks: readonly number[]): Generator<void, Map<number, Float64Array>> {
  const N = train.length;
  const kmax = Math.min(Math.max(0, ...ks), N - 1);
  const f = frames(train);
  const out = new Map(ks.map((k) => [k, new Float64Array(3 * N)] as const));
  const bestDot = new Float64Array(kmax);
  const bestIdx = new Int32Array(kmax);
  const uv = new Float64Array(2);
  const sorted = [...ks].sort((a, b) => a - b);
  for (let i = 0; i < N; i++) {
    if (i % ROWS_PER_PAUSE === ROWS_PER_PAUSE - 1) yield;
    // the kmax largest dot products (nearest points) by insertion into a sorted buffer
    let filled = 0;
    const [x0, x1, x2] = train[i]!;
    for (let j = 0; j < N && kmax > 0; j++) {
      if (j === i) continue;
      const t = train[j]!;
      const dot = x0! * t[0]! + x1! * t[1]! + x2! * t[2]!;
      if (filled === kmax && dot <= bestDot[kmax - 1]!) continue;
      let p = filled < kmax ? filled++ : kmax - 1;
      while (p > 0 && bestDot[p - 1]! < dot) {
        bestDot[p] = bestDot[p - 1]!;
        bestIdx[p] = bestIdx[p - 1]!;
        p--;
      }
      bestDot[p] = dot;
      bestIdx[p] = j;
    }
    let s11 = 0;
    let s12 = 0;
    let s22 = 0;
    let done = 0;
    for (const k of sorted) {
      const kk = Math.min(k, filled);
      for (; done < kk; done++) {
        const t = train[bestIdx[done]!]!;
        logMapAt(f, i, t[0]!, t[1]!, t[2]!, uv);
        s11 += uv[0]! * uv[0]!;
        s12 += uv[0]! * uv[1]!;
        s22 += uv[1]! * uv[1]!;
      }
      const m = out.get(k)!;
      // the centre itself is one of the kk + 1 points (coordinates 0)
      m[3 * i] = s11 / (kk + 1);
      m[3 * i + 1] = s12 / (kk + 1);
      m[3 * i + 2] = s22 / (kk + 1);
    }
  }
  return out;
}

/** Σᵢ = h² Mᵢ + λ² I per centre, eigenvalues in [λ², σ_max²]. */
export function kernelCovariances(moments: Float64Array, scale: number, width: number): Float64Array {
  if (!(width > 0) || width > MAX_KERNEL_SD) throw new Error(`kernel width must be in (0, ${MAX_KERNEL_SD}] rad, got ${width}`);
  const h2 = scale * scale;
  const l2 = width * width;
  const out = new Float64Array(moments.length);
  for (let i = 0; i < moments.length; i += 3) {
    const c = clampEigen(h2 * moments[i]! + l2, h2 * moments[i + 1]!, h2 * moments[i + 2]! + l2, l2, MAX_KERNEL_SD ** 2);
    out.set(c, i);
  }
  return out;
}

/** (8 σ₁)² for the covariance (a, b; b, d): the squared radius at which its kernel is cut. */
const cutRadius2 = (a: number, b: number, d: number): number => 64 * ((a + d) / 2 + Math.hypot((a - d) / 2, b));

/**
 * Per kernel: (P₁₁, P₁₂, P₂₂) = Σ⁻¹, log(w/N) − log 2π − ½ log det Σ and the squared cut radius.
 * cov holds m blocks of N kernels (block c: the c-th kernel of every centre, weight weights[c]).
 */
function precisions(cov: Float64Array, weights: readonly number[] = [1]): { prec: Float64Array; logNorm: Float64Array; cut2: Float64Array; m: number } {
  const m = weights.length;
  const N = cov.length / 3 / m;
  const prec = new Float64Array(3 * N * m);
  const logNorm = new Float64Array(N * m);
  const cut2 = new Float64Array(N * m);
  for (let i = 0; i < N * m; i++) {
    const [a, b, d] = [cov[3 * i]!, cov[3 * i + 1]!, cov[3 * i + 2]!];
    cut2[i] = cutRadius2(a, b, d);
    const det = a * d - b * b;
    if (!(det > 0)) throw new Error(`kernel ${i}: covariance not positive definite (${a}, ${b}, ${d})`);
    prec[3 * i] = d / det;
    prec[3 * i + 1] = -b / det;
    prec[3 * i + 2] = a / det;
    logNorm[i] = Math.log(weights[Math.floor(i / N)]! / N) - Math.log(2 * Math.PI) - 0.5 * Math.log(det);
  }
  return { prec, logNorm, cut2, m };
}

/** log((1 − ε) e^{lk} + ε / 4π). */
function withUniform(lk: number, eps: number): number {
  const a = Math.log1p(-eps) + lk;
  const b = Math.log(eps) - LOG_4PI;
  const m = Math.max(a, b);
  return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
}

/**
 * The queries within KERNEL_SUPPORT of each centre, precomputed once so that many (h, λ) candidates
 * are scored cheaply: per centre (centre-major, from start[i] to start[i + 1]) the query index, the
 * log-map coordinates (u, v) of the query in the centre's frame and the log inverse area factor,
 * nearest query first. A kernel then stops at its own cut radius: on fire (10 247 centres, 1281
 * queries) a centre sees ≈ 3300 queries within KERNEL_SUPPORT but a kernel of width 0.001 reaches
 * almost none of them.
 */
interface Neighbourhoods {
  /** number of queries */
  n: number;
  start: Int32Array;
  query: Int32Array;
  u: Float64Array;
  v: Float64Array;
  logJ: Float64Array;
}

function neighbourhoods(f: Float64Array, N: number, x: readonly number[][]): Neighbourhoods {
  return runToEnd(neighbourhoodsSteps(f, N, x));
}

/** neighbourhoods pausing every ROWS_PER_PAUSE centres (fitSphereKernelSteps). */
function* neighbourhoodsSteps(f: Float64Array, N: number, x: readonly number[][]): Generator<void, Neighbourhoods> {
  const n = x.length;
  const xs = Float64Array.from(x.flatMap((p) => [p[0]!, p[1]!, p[2]!]));
  const start = new Int32Array(N + 1);
  const query: number[] = [];
  const order = new Int32Array(n);
  const dot = new Float64Array(n);
  for (let i = 0; i < N; i++) {
    if (i % ROWS_PER_PAUSE === ROWS_PER_PAUSE - 1) yield;
    const [c0, c1, c2] = [f[9 * i]!, f[9 * i + 1]!, f[9 * i + 2]!];
    let k = 0;
    for (let q = 0; q < n; q++) {
      dot[q] = c0 * xs[3 * q]! + c1 * xs[3 * q + 1]! + c2 * xs[3 * q + 2]!;
      if (dot[q]! > COS_SUPPORT) order[k++] = q;
    }
    for (const q of order.subarray(0, k).sort((a, b) => dot[b]! - dot[a]!)) query.push(q); // nearest first
    start[i + 1] = query.length;
  }
  const total = query.length;
  const nb: Neighbourhoods = { n, start, query: Int32Array.from(query), u: new Float64Array(total), v: new Float64Array(total), logJ: new Float64Array(total) };
  const uv = new Float64Array(2);
  for (let i = 0; i < N; i++) {
    for (let t = start[i]!; t < start[i + 1]!; t++) {
      const q = nb.query[t]!;
      nb.logJ[t] = logMapAt(f, i, xs[3 * q]!, xs[3 * q + 1]!, xs[3 * q + 2]!, uv);
      nb.u[t] = uv[0]!;
      nb.v[t] = uv[1]!;
    }
  }
  return nb;
}

/** log of the kernel sum (no uniform floor) at each query of nb; −∞ where no kernel reaches. */
function kernelLogSums(nb: Neighbourhoods, { prec, logNorm, cut2, m: blocks }: ReturnType<typeof precisions>): Float64Array {
  const N = logNorm.length / blocks;
  // streaming log-sum-exp per query: running maximum m and sum s of exp(l − m)
  const m = new Float64Array(nb.n).fill(-Infinity);
  const s = new Float64Array(nb.n);
  for (let i = 0; i < N * blocks; i++) {
    const c = i % N; // the kernel's centre
    const [p11, p12, p22, c2, ln] = [prec[3 * i]!, prec[3 * i + 1]!, prec[3 * i + 2]!, cut2[i]!, logNorm[i]!];
    for (let t = nb.start[c]!; t < nb.start[c + 1]!; t++) {
      const a = nb.u[t]!;
      const b = nb.v[t]!;
      if (a * a + b * b >= c2) break; // nearest first: the kernel reaches none of the rest
      const l = ln - 0.5 * (p11 * a * a + 2 * p12 * a * b + p22 * b * b) + nb.logJ[t]!;
      const q = nb.query[t]!;
      if (l > m[q]!) {
        s[q] = s[q]! * Math.exp(m[q]! - l) + 1;
        m[q] = l;
      } else s[q] += Math.exp(l - m[q]!);
    }
  }
  const out = new Float64Array(nb.n);
  for (let q = 0; q < nb.n; q++) out[q] = s[q]! > 0 ? m[q]! + Math.log(s[q]!) : -Infinity;
  return out;
}

export class SphereKernelDensity {
  readonly n: number;
  private readonly frames: Float64Array;
  private readonly kernels: ReturnType<typeof precisions>;

  /**
   * centres: unit vectors; covariances: (Σ₁₁, Σ₁₂, Σ₂₂) in tangentBasis(centre), one block of all
   * centres per entry of kernelWeights (each centre's c-th kernel has weight kernelWeights[c]).
   */
  constructor(
    readonly centres: readonly number[][],
    readonly covariances: Float64Array,
    readonly uniformWeight: number,
    readonly kernelWeights: readonly number[] = [1],
  ) {
    this.n = centres.length;
    if (this.n === 0) throw new Error('sphere kernel density: no centres');
    const m = kernelWeights.length;
    if (m === 0 || kernelWeights.some((w) => !(w > 0)) || Math.abs(kernelWeights.reduce((a, b) => a + b, 0) - 1) > 1e-9) {
      throw new Error(`sphere kernel density: kernel weights must be positive and sum to 1, got ${JSON.stringify(kernelWeights)}`);
    }
    if (covariances.length !== 3 * this.n * m) throw new Error(`sphere kernel density: ${covariances.length / 3} covariances for ${this.n} centres × ${m} kernels`);
    if (!(uniformWeight > 0 && uniformWeight < 1)) throw new Error(`sphere kernel density: uniform weight must be in (0, 1), got ${uniformWeight}`);
    for (const c of centres) if (c.length !== 3 || Math.abs(Math.hypot(c[0]!, c[1]!, c[2]!) - 1) > 1e-9) throw new Error(`sphere kernel density: centre ${JSON.stringify(c)} is not a unit 3-vector`);
    for (let i = 0; i < this.n * m; i++) {
      const [a, b, d] = [covariances[3 * i]!, covariances[3 * i + 1]!, covariances[3 * i + 2]!];
      if (Math.max(a, d) > MAX_KERNEL_SD ** 2 * (1 + 1e-9) || (a + d) / 2 + Math.hypot((a - d) / 2, b) > MAX_KERNEL_SD ** 2 * (1 + 1e-9)) {
        throw new Error(`sphere kernel density: kernel ${i} is wider than σ_max = ${MAX_KERNEL_SD} rad`);
      }
    }
    this.frames = frames(centres);
    this.kernels = precisions(covariances, kernelWeights);
  }

  /** Numbers the density stores: the centres and every kernel's covariance. */
  get parameterCount(): number {
    return this.centres.length * 3 + this.covariances.length;
  }

  /** log q(x) per row of x (unit vectors), with respect to the area measure of the unit sphere. */
  logDensity(x: readonly number[][]): Float64Array {
    const out = new Float64Array(x.length);
    // in chunks, so that the precomputed neighbourhoods stay small
    for (let s = 0; s < x.length; s += 256) {
      const part = x.slice(s, s + 256);
      const lk = kernelLogSums(neighbourhoods(this.frames, this.n, part), this.kernels);
      lk.forEach((v, j) => (out[s + j] = withUniform(v, this.uniformWeight)));
    }
    return out;
  }

  /** n independent draws (rows), from the same truncated kernels the density describes. */
  sample(n: number, rng: () => number): number[][] {
    const normal = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
    const out: number[][] = [];
    for (let k = 0; k < n; k++) {
      if (rng() < this.uniformWeight) {
        const z = 2 * rng() - 1;
        const p = 2 * Math.PI * rng();
        const s = Math.sqrt(1 - z * z);
        out.push([s * Math.cos(p), s * Math.sin(p), z]);
        continue;
      }
      const centre = Math.min(this.n - 1, Math.floor(rng() * this.n));
      // which of the centre's kernels (no draw for one kernel a centre, so that stream stays as it was)
      let kc = 0;
      if (this.kernelWeights.length > 1) for (let u = rng() - this.kernelWeights[0]!; u > 0 && kc < this.kernelWeights.length - 1; ) u -= this.kernelWeights[++kc]!;
      const i = kc * this.n + centre; // the kernel drawn; its frame is the centre's
      const [a, b, d] = [this.covariances[3 * i]!, this.covariances[3 * i + 1]!, this.covariances[3 * i + 2]!];
      // Cholesky of Σ: L = [[√a, 0], [b/√a, √(d − b²/a)]]
      const l11 = Math.sqrt(a);
      const l21 = b / l11;
      const l22 = Math.sqrt(Math.max(0, d - l21 * l21));
      let v1: number;
      let v2: number;
      do {
        const z1 = normal();
        const z2 = normal();
        v1 = l11 * z1;
        v2 = l21 * z1 + l22 * z2;
      } while (v1 * v1 + v2 * v2 >= this.kernels.cut2[i]!);
      const r = Math.hypot(v1, v2);
      const f = this.frames;
      const o = 9 * centre;
      const c = Math.cos(r);
      const s = r > 0 ? Math.sin(r) / r : 1;
      const p = [0, 1, 2].map((j) => c * f[o + j]! + s * (v1 * f[o + 3 + j]! + v2 * f[o + 6 + j]!));
      const nrm = Math.hypot(p[0]!, p[1]!, p[2]!);
      out.push(p.map((t) => t / nrm));
    }
    return out;
  }

  toJSON(): { kind: 'sphere-kernel'; centres: number[][]; covariances: number[]; uniformWeight: number; kernelWeights: number[] } {
    return { kind: 'sphere-kernel', centres: this.centres.map((c) => [...c]), covariances: [...this.covariances], uniformWeight: this.uniformWeight, kernelWeights: [...this.kernelWeights] };
  }

  /** The JSON of toJSON; without kernelWeights (files written before the second scale): one kernel per centre. */
  static fromJSON(j: unknown): SphereKernelDensity {
    const o = j as { kind?: string; centres?: number[][]; covariances?: number[]; uniformWeight?: number; kernelWeights?: number[] };
    if (o?.kind !== 'sphere-kernel' || !Array.isArray(o.centres) || !Array.isArray(o.covariances) || typeof o.uniformWeight !== 'number') {
      throw new Error('not a sphere-kernel density (kind, centres, covariances, uniformWeight)');
    }
    if (o.kernelWeights !== undefined && !Array.isArray(o.kernelWeights)) throw new Error('sphere-kernel density: kernelWeights must be an array');
    return new SphereKernelDensity(o.centres, Float64Array.from(o.covariances), o.uniformWeight, o.kernelWeights ?? [1]);
  }
}

export interface KernelFit {
  model: SphereKernelDensity;
  choice: KernelChoice;
  valNLL: number;
  /** candidates scored */
  candidates: number;
}

/**
 * The kernel density of `train` whose settings minimise the NLL of `val`, with λ, λ' ≥ minWidth:
 * first the kernel (k, h, λ) and the wide kernel (h', λ', ω ∈ WIDE_WEIGHTS) over KERNEL_GRID with
 * ε = 10⁻³, then ε for the winner. Every candidate's kernel sums at the validation points are
 * computed once and kept, so the two-scale search only mixes stored numbers.
 */
export function fitSphereKernel(train: readonly number[][], val: readonly number[][], opts: { minWidth?: number } = {}): KernelFit {
  return runToEnd(fitSphereKernelSteps(train, val, opts));
}

/**
 * fitSphereKernel as a generator that pauses within the neighbour searches, after each candidate's
 * kernel sums and after each narrow kernel's two-scale search (src/train/stepwise.ts), so that
 * `fit --data` can take Ctrl-C during the selection (≈ 15–20 s on fire) instead of after it.
 */
export function* fitSphereKernelSteps(train: readonly number[][], val: readonly number[][], opts: { minWidth?: number } = {}): Generator<void, KernelFit> {
  const minWidth = opts.minWidth ?? 0.001;
  const widths = KERNEL_GRID.widths.filter((w) => w >= minWidth);
  if (!widths.length) throw new Error(`minWidth ${minWidth} is above the largest kernel width ${MAX_KERNEL_SD}`);
  if (train.length < 2 || val.length < 1) throw new Error('sphere kernel fit: need at least 2 training and 1 validation point');
  const moments = yield* localSecondMomentsSteps(train, KERNEL_GRID.neighbours);
  const nb = yield* neighbourhoodsSteps(frames(train), train.length, val);
  const nllOf = (lk: Float64Array, eps: number) => meanNegLog(lk.map((l) => withUniform(l, eps)));
  const cands: { k: number; h: number; w: number; lk: Float64Array }[] = [];
  for (const k of KERNEL_GRID.neighbours)
    for (const h of k === 0 ? [0] : KERNEL_GRID.scales)
      for (const w of widths) {
        cands.push({ k, h, w, lk: kernelLogSums(nb, precisions(kernelCovariances(moments.get(k)!, h, w))) });
        yield;
      }
  let best = { valNLL: Infinity, narrow: cands[0]!, wide: undefined as (typeof cands)[number] | undefined, omega: 0 };
  let candidates = 0;
  // (1 − ω) narrow + ω wide at the validation points: a two-component mixture (mixture.ts)
  const twoScale = (narrow: Float64Array, wide: Float64Array | undefined, omega: number) => (wide ? mixtureLogDensity(wide, narrow, omega) : narrow);
  for (const a of cands) {
    const wides = cands.filter((b) => b.k === a.k && b.h >= a.h && b.w >= a.w && (b.h > a.h || b.w > a.w));
    for (const omega of WIDE_WEIGHTS)
      for (const b of omega === 0 ? [undefined] : wides) {
        const nll = nllOf(twoScale(a.lk, b?.lk, omega), 1e-3);
        candidates++;
        if (nll < best.valNLL) best = { valNLL: nll, narrow: a, wide: b, omega };
      }
    yield;
  }
  const lk = twoScale(best.narrow.lk, best.wide?.lk, best.omega);
  let eps = 1e-3;
  for (const e of KERNEL_GRID.uniformWeights) {
    const nll = nllOf(lk, e);
    candidates++;
    if (nll < best.valNLL) [best.valNLL, eps] = [nll, e];
  }
  const { narrow, wide, omega } = best;
  const cov = kernelCovariances(moments.get(narrow.k)!, narrow.h, narrow.w);
  const choice: KernelChoice = { neighbours: narrow.k, scale: narrow.h, width: narrow.w, uniformWeight: eps, ...(wide ? { wide: { scale: wide.h, width: wide.w, weight: omega } } : {}) };
  const model = wide
    ? new SphereKernelDensity(train, Float64Array.from([...cov, ...kernelCovariances(moments.get(wide.k)!, wide.h, wide.w)]), eps, [1 - omega, omega])
    : new SphereKernelDensity(train, cov, eps);
  return { model, choice, valNLL: best.valNLL, candidates };
}
