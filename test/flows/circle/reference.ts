// Float64 references of the four circle kernels, written from their defining formulas and
// independent of src/flows/circle (plain bisection, the tan form of the NCP, a searched spline bin).
// Each `map(x, row)` returns the kernel's output angle for one input angle and one raw context row,
// continuous in x away from the cut (not wrapped), so that central differences give dy/dx.
import type { CircleKernelKind, CircleKernelOptions } from '../../../src/flows/circle/kernel.ts';

export const TWO_PI = 2 * Math.PI;
export const wrap = (a: number) => a - TWO_PI * Math.floor((a + Math.PI) / TWO_PI);
/** distance on the circle */
export const circDist = (a: number, b: number) => Math.abs(wrap(a - b));

/** η tanh(B)/B · v with B = Σ k² sqrt(v² + 1e-6): the documented squash of the Fourier kernels. */
export function squash64(raw: number[], eta: number): number[] {
  const K = raw.length / 2;
  let B = 0;
  raw.forEach((v, j) => {
    const k = (j % K) + 1;
    B += k * k * Math.sqrt(v * v + 1e-6);
  });
  return raw.map((v) => (eta * Math.tanh(B) * v) / B);
}

/** IRCPM map: the y with y + ψ′(y) = x, by bisection on [x − 1, x + 1] (|ψ′| < 1). */
export function ircpm64(coef: number[], x: number): number {
  const K = coef.length / 2;
  const g = (y: number) => {
    let v = y;
    for (let k = 1; k <= K; k++) v += k * (-coef[k - 1] * Math.sin(k * y) + coef[K + k - 1] * Math.cos(k * y));
    return v;
  };
  let lo = x - 1;
  let hi = x + 1;
  for (let it = 0; it < 200 && hi - lo > 1e-15; it++) {
    const mid = 0.5 * (lo + hi);
    if (g(mid) < x) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/** Fourier coefficients of α u + m u′² (constant dropped) for loop angles c, orientations σ. */
export function energyCoefficients64(beta: number, sigma: readonly number[], c: number[], alpha: number, m: number): { a: number[]; b: number[] } {
  let A = -beta;
  let B = 0;
  sigma.forEach((s, j) => {
    A -= beta * Math.cos(c[j]);
    B += beta * s * Math.sin(c[j]);
  });
  return { a: [alpha * A, (m * (B * B - A * A)) / 2], b: [alpha * B, -m * A * B] };
}

export interface Reference {
  map(x: number, row: number[]): number;
}

export function reference(kind: CircleKernelKind, o: CircleKernelOptions, vars: { alpha?: number; m?: number } = {}): Reference {
  switch (kind) {
    case 'ircpm': {
      const eta = o.eta ?? 0.95;
      return { map: (x, row) => ircpm64(squash64(row, eta), x) };
    }
    case 'ncp': {
      const sMax = o.sMax ?? 5;
      return {
        map: (x, row) => {
          const M = row.length - 1;
          const xw = wrap(x);
          let y = 0;
          for (let j = 0; j < M; j++) {
            const s = sMax * Math.tanh(row[j] / sMax);
            y += 2 * Math.atan(Math.exp(s) * Math.tan(xw / 2));
          }
          return y / M + (x - xw) + row[M];
        },
      };
    }
    case 'spline': {
      return { map: (x, row) => spline64(splineKnots64(row, o), x) };
    }
    case 'energy': {
      const beta = o.beta!;
      const sigma = o.sigma!;
      const K = o.correctionModes ?? 0;
      const eta = o.eta ?? 0.95;
      const alpha = vars.alpha ?? o.alpha ?? 0;
      const m = vars.m ?? o.m ?? 0;
      const J = sigma.length;
      return {
        map: (x, row) => {
          const { a, b } = energyCoefficients64(beta, sigma, row.slice(0, J), alpha, m);
          const Kt = Math.max(2, K);
          const ca = Array.from({ length: Kt }, (_, k) => (a[k] ?? 0) + (k < K ? row[J + k] : 0));
          const cb = Array.from({ length: Kt }, (_, k) => (b[k] ?? 0) + (k < K ? row[J + K + k] : 0));
          return ircpm64(squash64([...ca, ...cb], eta), x);
        },
      };
    }
  }
}

export interface SplineKnots64 {
  /** lower knots, widths, heights, derivatives δ_0..δ_{K−1} (δ_K = δ_0), rotation (raw) */
  x: number[];
  y: number[];
  w: number[];
  h: number[];
  d: number[];
  t: number;
}

export function splineKnots64(row: number[], o: CircleKernelOptions): SplineKnots64 {
  const minW = o.minBinWidth ?? 1e-3;
  const minD = o.minDerivative ?? 1e-3;
  const K = (row.length - 1) / 3;
  const softmax = (v: number[]) => {
    const mx = Math.max(...v);
    const e = v.map((z) => Math.exp(z - mx));
    const S = e.reduce((p, q) => p + q, 0);
    return e.map((z) => z / S);
  };
  const w = softmax(row.slice(0, K)).map((p) => TWO_PI * (minW + (1 - K * minW) * p));
  const h = softmax(row.slice(K, 2 * K)).map((p) => TWO_PI * (minW + (1 - K * minW) * p));
  const d = row.slice(2 * K, 3 * K).map((r) => minD + Math.log1p(Math.exp(r)));
  const lower = (v: number[]) => v.map((_, k) => -Math.PI + v.slice(0, k).reduce((p, q) => p + q, 0));
  return { x: lower(w), y: lower(h), w, h, d, t: row[3 * K] };
}

/** The rational-quadratic spline on given knots, plus the rotation (bin searched linearly). */
export function spline64(kn: SplineKnots64, x: number): number {
  const K = kn.w.length;
  const xw = wrap(x);
  let k = 0;
  while (k < K - 1 && xw >= kn.x[k + 1]) k++;
  const s = kn.h[k] / kn.w[k];
  const d0 = kn.d[k];
  const d1 = kn.d[(k + 1) % K];
  const xi = Math.min(1, Math.max(0, (xw - kn.x[k]) / kn.w[k]));
  const y = kn.y[k] + (kn.h[k] * (s * xi * xi + d0 * xi * (1 - xi))) / (s + (d1 + d0 - 2 * s) * xi * (1 - xi));
  return y + (x - xw) + kn.t;
}

/** log dy/dx of the reference by central differences in float64. */
export function refLogSlope(ref: Reference, x: number, row: number[], h = 1e-5): number {
  return Math.log((ref.map(x + h, row) - ref.map(x - h, row)) / (2 * h));
}

/** The reference's inverse: the x in [−π, π) with map(x) ≡ y (mod 2π), by bisection. */
export function refInverse(ref: Reference, y: number, row: number[]): number {
  const base = ref.map(-Math.PI, row);
  const z = base + (((y - base) % TWO_PI) + TWO_PI) % TWO_PI; // in [base, base + 2π)
  let lo = -Math.PI;
  let hi = Math.PI;
  for (let it = 0; it < 200 && hi - lo > 1e-15; it++) {
    const mid = 0.5 * (lo + hi);
    if (ref.map(mid, row) < z) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}
