/**
 * An adaptive, anisotropic kernel density on S² ("manifold Parzen windows" on the sphere): one
 * kernel per training point cᵢ, a Gaussian N(0, Σᵢ) in the tangent plane at cᵢ pushed onto the
 * sphere by the exponential map, with Σᵢ = h² Mᵢ + λ² I, where Mᵢ is the second moment of the
 * log-map coordinates of cᵢ's k nearest training neighbours. Earthquakes lie along plate boundaries
 * and fires along coasts and savanna belts: kernels stretched along the local direction of the data
 * fit such curves far better than round ones (bench/earth.ts measures both: k = 0 is the round
 * kernel of width λ). k, h, λ and the weight of a uniform floor are chosen on the validation split.
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
}

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
  const N = train.length;
  const kmax = Math.min(Math.max(0, ...ks), N - 1);
  const f = frames(train);
  const out = new Map(ks.map((k) => [k, new Float64Array(3 * N)] as const));
  const bestDot = new Float64Array(kmax);
  const bestIdx = new Int32Array(kmax);
  const uv = new Float64Array(2);
  const sorted = [...ks].sort((a, b) => a - b);
  for (let i = 0; i < N; i++) {
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

/** Per centre: (P₁₁, P₁₂, P₂₂) = Σ⁻¹, log(1/N) − log 2π − ½ log det Σ, and the squared cut radius. */
function precisions(cov: Float64Array): { prec: Float64Array; logNorm: Float64Array; cut2: Float64Array } {
  const N = cov.length / 3;
  const prec = new Float64Array(3 * N);
  const logNorm = new Float64Array(N);
  const cut2 = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const [a, b, d] = [cov[3 * i]!, cov[3 * i + 1]!, cov[3 * i + 2]!];
    cut2[i] = cutRadius2(a, b, d);
    const det = a * d - b * b;
    if (!(det > 0)) throw new Error(`kernel ${i}: covariance not positive definite (${a}, ${b}, ${d})`);
    prec[3 * i] = d / det;
    prec[3 * i + 1] = -b / det;
    prec[3 * i + 2] = a / det;
    logNorm[i] = -Math.log(N) - Math.log(2 * Math.PI) - 0.5 * Math.log(det);
  }
  return { prec, logNorm, cut2 };
}

/** log((1 − ε) e^{lk} + ε / 4π). */
function withUniform(lk: number, eps: number): number {
  const a = Math.log1p(-eps) + lk;
  const b = Math.log(eps) - LOG_4PI;
  const m = Math.max(a, b);
  return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
}

/**
 * The kernels within KERNEL_SUPPORT of each query, precomputed once (centre index, log-map
 * coordinates, log inverse area factor) so that many (h, λ) candidates are scored cheaply.
 */
interface Neighbourhoods {
  start: Int32Array;
  idx: Int32Array;
  u: Float64Array;
  v: Float64Array;
  logJ: Float64Array;
}

function neighbourhoods(f: Float64Array, N: number, x: readonly number[][]): Neighbourhoods {
  const idx: number[] = [];
  const u: number[] = [];
  const v: number[] = [];
  const lj: number[] = [];
  const start = new Int32Array(x.length + 1);
  const uv = new Float64Array(2);
  x.forEach((p, q) => {
    const [x0, x1, x2] = [p[0]!, p[1]!, p[2]!];
    for (let i = 0; i < N; i++) {
      if (f[9 * i]! * x0 + f[9 * i + 1]! * x1 + f[9 * i + 2]! * x2 <= COS_SUPPORT) continue;
      lj.push(logMapAt(f, i, x0, x1, x2, uv));
      idx.push(i);
      u.push(uv[0]!);
      v.push(uv[1]!);
    }
    start[q + 1] = idx.length;
  });
  return { start, idx: Int32Array.from(idx), u: Float64Array.from(u), v: Float64Array.from(v), logJ: Float64Array.from(lj) };
}

/** log of the kernel sum (no uniform floor) at each query of nb; −∞ where no kernel reaches. */
function kernelLogSums(nb: Neighbourhoods, { prec, logNorm, cut2 }: ReturnType<typeof precisions>): Float64Array {
  const n = nb.start.length - 1;
  const out = new Float64Array(n);
  for (let q = 0; q < n; q++) {
    let m = -Infinity;
    let s = 0;
    for (let t = nb.start[q]!; t < nb.start[q + 1]!; t++) {
      const i = nb.idx[t]!;
      const a = nb.u[t]!;
      const b = nb.v[t]!;
      if (a * a + b * b >= cut2[i]!) continue;
      const l = logNorm[i]! - 0.5 * (prec[3 * i]! * a * a + 2 * prec[3 * i + 1]! * a * b + prec[3 * i + 2]! * b * b) + nb.logJ[t]!;
      // streaming log-sum-exp
      if (l > m) {
        s = s * Math.exp(m - l) + 1;
        m = l;
      } else s += Math.exp(l - m);
    }
    out[q] = s > 0 ? m + Math.log(s) : -Infinity;
  }
  return out;
}

export class SphereKernelDensity {
  readonly n: number;
  private readonly frames: Float64Array;
  private readonly kernels: ReturnType<typeof precisions>;

  /** centres: unit vectors; covariances: (Σ₁₁, Σ₁₂, Σ₂₂) per centre in tangentBasis(centre). */
  constructor(
    readonly centres: readonly number[][],
    readonly covariances: Float64Array,
    readonly uniformWeight: number,
  ) {
    this.n = centres.length;
    if (this.n === 0) throw new Error('sphere kernel density: no centres');
    if (covariances.length !== 3 * this.n) throw new Error(`sphere kernel density: ${covariances.length / 3} covariances for ${this.n} centres`);
    if (!(uniformWeight > 0 && uniformWeight < 1)) throw new Error(`sphere kernel density: uniform weight must be in (0, 1), got ${uniformWeight}`);
    for (const c of centres) if (c.length !== 3 || Math.abs(Math.hypot(c[0]!, c[1]!, c[2]!) - 1) > 1e-9) throw new Error(`sphere kernel density: centre ${JSON.stringify(c)} is not a unit 3-vector`);
    for (let i = 0; i < this.n; i++) {
      const [a, b, d] = [covariances[3 * i]!, covariances[3 * i + 1]!, covariances[3 * i + 2]!];
      if (Math.max(a, d) > MAX_KERNEL_SD ** 2 * (1 + 1e-9) || (a + d) / 2 + Math.hypot((a - d) / 2, b) > MAX_KERNEL_SD ** 2 * (1 + 1e-9)) {
        throw new Error(`sphere kernel density: kernel ${i} is wider than σ_max = ${MAX_KERNEL_SD} rad`);
      }
    }
    this.frames = frames(centres);
    this.kernels = precisions(covariances);
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
      const i = Math.min(this.n - 1, Math.floor(rng() * this.n));
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
      const o = 9 * i;
      const c = Math.cos(r);
      const s = r > 0 ? Math.sin(r) / r : 1;
      const p = [0, 1, 2].map((j) => c * f[o + j]! + s * (v1 * f[o + 3 + j]! + v2 * f[o + 6 + j]!));
      const nrm = Math.hypot(p[0]!, p[1]!, p[2]!);
      out.push(p.map((t) => t / nrm));
    }
    return out;
  }

  toJSON(): { kind: 'sphere-kernel'; centres: number[][]; covariances: number[]; uniformWeight: number } {
    return { kind: 'sphere-kernel', centres: this.centres.map((c) => [...c]), covariances: [...this.covariances], uniformWeight: this.uniformWeight };
  }

  static fromJSON(j: unknown): SphereKernelDensity {
    const o = j as { kind?: string; centres?: number[][]; covariances?: number[]; uniformWeight?: number };
    if (o?.kind !== 'sphere-kernel' || !Array.isArray(o.centres) || !Array.isArray(o.covariances) || typeof o.uniformWeight !== 'number') {
      throw new Error('not a sphere-kernel density (kind, centres, covariances, uniformWeight)');
    }
    return new SphereKernelDensity(o.centres, Float64Array.from(o.covariances), o.uniformWeight);
  }
}

const meanNeg = (a: Float64Array): number => -a.reduce((s, v) => s + v, 0) / a.length;

export interface KernelFit {
  model: SphereKernelDensity;
  choice: KernelChoice;
  valNLL: number;
  /** candidates scored */
  candidates: number;
}

/**
 * The kernel density of `train` whose (k, h, λ, ε) minimise the NLL of `val` over KERNEL_GRID,
 * with λ ≥ minWidth: first (k, h, λ) with ε = 10⁻³, then ε for the winner.
 */
export function fitSphereKernel(train: readonly number[][], val: readonly number[][], opts: { minWidth?: number } = {}): KernelFit {
  const minWidth = opts.minWidth ?? 0.001;
  const widths = KERNEL_GRID.widths.filter((w) => w >= minWidth);
  if (!widths.length) throw new Error(`minWidth ${minWidth} is above the largest kernel width ${MAX_KERNEL_SD}`);
  if (train.length < 2 || val.length < 1) throw new Error('sphere kernel fit: need at least 2 training and 1 validation point');
  const moments = localSecondMoments(train, KERNEL_GRID.neighbours);
  const nb = neighbourhoods(frames(train), train.length, val);
  const score = (cov: Float64Array, eps: number) => meanNeg(kernelLogSums(nb, precisions(cov)).map((l) => withUniform(l, eps)));
  let best = { valNLL: Infinity, choice: undefined as KernelChoice | undefined, cov: undefined as Float64Array | undefined };
  let candidates = 0;
  for (const k of KERNEL_GRID.neighbours)
    for (const h of k === 0 ? [0] : KERNEL_GRID.scales)
      for (const w of widths) {
        const cov = kernelCovariances(moments.get(k)!, h, w);
        const nll = score(cov, 1e-3);
        candidates++;
        if (nll < best.valNLL) best = { valNLL: nll, choice: { neighbours: k, scale: h, width: w, uniformWeight: 1e-3 }, cov };
      }
  for (const eps of KERNEL_GRID.uniformWeights) {
    const nll = score(best.cov!, eps);
    candidates++;
    if (nll < best.valNLL) best = { ...best, valNLL: nll, choice: { ...best.choice!, uniformWeight: eps } };
  }
  return { model: new SphereKernelDensity(train, best.cov!, best.choice!.uniformWeight), choice: best.choice!, valNLL: best.valNLL, candidates };
}
