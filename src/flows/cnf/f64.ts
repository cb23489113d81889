/**
 * A float64 plain-JS evaluation of the CNF vector field and of one RK4 step, from the same weights.
 * It is the reference the tests difference numerically (float32 finite differences of the tfjs step
 * would drown the Jacobian in round-off), and a cheap per-point evaluator.
 */
import { timeFeatures, type PotentialSpec } from './potential.ts';
import type { Geometry } from './rk4.ts';

export class PotentialF64 {
  private W: Float64Array[];
  private shapes: [number, number][];
  private omega: number[][] = [];
  private groupOf: number[] = [];
  private G = 0;
  readonly contextDim: number;

  constructor(
    readonly spec: PotentialSpec,
    weights: number[][],
  ) {
    const D = spec.features.dim;
    let nIn = D;
    if (spec.features.kind === 'fourier') {
      spec.features.groups.forEach((g, gi) =>
        g.forEach((w) => {
          this.omega.push(w);
          this.groupOf.push(gi);
        }),
      );
      this.G = spec.features.groups.length;
      nIn = 2 * this.G;
    }
    const sizes = [nIn, ...spec.hidden];
    this.shapes = [[nIn, sizes[1]], [1 + 2 * (spec.timeHarmonics ?? 0), sizes[1]], [1, sizes[1]]];
    for (let l = 1; l < spec.hidden.length; l++) this.shapes.push([sizes[l], sizes[l + 1]], [1, sizes[l + 1]]);
    this.shapes.push([sizes[sizes.length - 1], 1]);
    this.contextDim = spec.contextDim ?? 0;
    if (this.contextDim > 0) this.shapes.push([this.contextDim, sizes[1]]);
    if (weights.length !== this.shapes.length) throw new Error(`PotentialF64: expected ${this.shapes.length} weight arrays, got ${weights.length}`);
    this.W = weights.map((w) => Float64Array.from(w));
  }

  /** ∂Φ/∂x at one point (with its context c where the potential has one). */
  grad(x: number[], t: number, c?: number[]): number[] {
    if ((c?.length ?? 0) !== this.contextDim) throw new Error(`PotentialF64: context of length ${c?.length ?? 0}, expected ${this.contextDim}`);
    const D = this.spec.features.dim;
    const { activation, hidden } = this.spec;
    // features
    let u: number[];
    const ph = this.omega.map((w) => w.reduce((s, wi, i) => s + wi * x[i], 0));
    if (this.spec.features.kind === 'ambient') u = x.slice();
    else {
      u = new Array(2 * this.G).fill(0);
      ph.forEach((p, m) => {
        u[this.groupOf[m]] += Math.cos(p);
        u[this.G + this.groupOf[m]] += Math.sin(p);
      });
    }
    const lin = (z: number[], Wi: number, bi: number | null, extra?: number[]) => {
      const [r, c] = this.shapes[Wi];
      const out = new Array(c).fill(0);
      for (let j = 0; j < c; j++) {
        let s = bi === null ? 0 : this.W[bi][j];
        for (let i = 0; i < r; i++) s += z[i] * this.W[Wi][i * c + j];
        out[j] = s + (extra ? extra[j] : 0);
      }
      return out;
    };
    const sig = (a: number) => 1 / (1 + Math.exp(-a));
    const f = (a: number) => (activation === 'tanh' ? Math.tanh(a) : Math.log1p(Math.exp(a)));
    const df = (a: number) => (activation === 'tanh' ? 1 - Math.tanh(a) ** 2 : sig(a));
    const pre: number[][] = [];
    const tau = timeFeatures(t, this.spec.timeHarmonics ?? 0);
    const H1 = this.shapes[1][1];
    const Wc = this.contextDim > 0 ? this.W[this.W.length - 1] : null;
    const tw = Array.from({ length: H1 }, (_, j) => tau.reduce((acc, v, k) => acc + v * this.W[1][k * H1 + j], 0) + (c && Wc ? c.reduce((acc, v, k) => acc + v * Wc[k * H1 + j], 0) : 0));
    let a = lin(u, 0, 2, tw);
    pre.push(a);
    let z = a.map(f);
    for (let l = 1; l < hidden.length; l++) {
      a = lin(z, 3 + 2 * (l - 1), 4 + 2 * (l - 1));
      pre.push(a);
      z = a.map(f);
    }
    // backward
    let gz = Array.from(this.W[this.contextDim > 0 ? this.W.length - 2 : this.W.length - 1]);
    for (let l = hidden.length - 1; l >= 0; l--) {
      const ga = gz.map((g, j) => g * df(pre[l][j]));
      const Wi = l === 0 ? 0 : 3 + 2 * (l - 1);
      const [r, c] = this.shapes[Wi];
      gz = new Array(r).fill(0);
      for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) gz[i] += this.W[Wi][i * c + j] * ga[j];
    }
    if (this.spec.features.kind === 'ambient') return gz;
    const gx = new Array(D).fill(0);
    ph.forEach((p, m) => {
      const g = this.groupOf[m];
      const coef = -Math.sin(p) * gz[g] + Math.cos(p) * gz[this.G + g];
      for (let i = 0; i < D; i++) gx[i] += coef * this.omega[m][i];
    });
    return gx;
  }
}

const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);
const axpy = (a: number, x: number[], y: number[]) => y.map((v, i) => v + a * x[i]);

function velocity(pot: PotentialF64, geo: Geometry, y: number[], t: number, c?: number[]): number[] {
  const g = pot.grad(y, t, c);
  if (geo.kind === 'sphere') return axpy(-dot(y, g), y, g);
  if (!geo.ginv) return g;
  return geo.ginv.map((row) => dot(row, g));
}

export function sphereExpF64(x: number[], u: number[]): number[] {
  const r = Math.sqrt(dot(u, u));
  const sc = r < 1e-8 ? 1 : Math.sin(r) / r;
  const y = x.map((v, i) => Math.cos(r) * v + sc * u[i]);
  const n = Math.sqrt(dot(y, y));
  return y.map((v) => v / n);
}

function sphereDexpInvF64(x: number[], u: number[], w: number[]): number[] {
  const r = Math.sqrt(dot(u, u));
  const s = r < 1e-6 ? 1 + (r * r) / 6 : r / Math.sin(r);
  const q = r < 1e-3 ? 1 / 3 + (17 / 90) * r * r : (1 / Math.cos(r) - r / Math.sin(r)) / (r * r);
  const pw = axpy(-dot(x, w), x, w);
  return pw.map((v, i) => s * v + q * dot(w, u) * u[i]);
}

/** One RK4 step in float64, the same scheme as rk4Step (including the final wrap / renormalisation). */
export function rk4StepF64(pot: PotentialF64, geo: Geometry, x: number[], t: number, h: number, c?: number[]): number[] {
  if (geo.kind === 'flat') {
    const k1 = velocity(pot, geo, x, t, c);
    const k2 = velocity(pot, geo, axpy(h / 2, k1, x), t + h / 2, c);
    const k3 = velocity(pot, geo, axpy(h / 2, k2, x), t + h / 2, c);
    const k4 = velocity(pot, geo, axpy(h, k3, x), t + h, c);
    return x.map((v, i) => {
      const y = v + (h / 6) * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
      return y - 2 * Math.PI * Math.floor((y + Math.PI) / (2 * Math.PI));
    });
  }
  const k1 = velocity(pot, geo, x, t, c);
  const u2 = k1.map((v) => (h / 2) * v);
  const k2 = sphereDexpInvF64(x, u2, velocity(pot, geo, sphereExpF64(x, u2), t + h / 2, c));
  const u3 = k2.map((v) => (h / 2) * v);
  const k3 = sphereDexpInvF64(x, u3, velocity(pot, geo, sphereExpF64(x, u3), t + h / 2, c));
  const u4 = k3.map((v) => h * v);
  const k4 = sphereDexpInvF64(x, u4, velocity(pot, geo, sphereExpF64(x, u4), t + h, c));
  return sphereExpF64(
    x,
    x.map((_, i) => (h / 6) * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i])),
  );
}
