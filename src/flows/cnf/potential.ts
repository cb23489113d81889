/**
 * The CNF potential Φ_θ(x, t): a small MLP on (possibly symmetry-invariant) features of x, with
 * its gradient and Hessian in x propagated *forward* in closed form ("jets").
 *
 * Why closed form instead of tf.grad: the vector field is grad Φ and the log-density needs ΔΦ, so
 * training by reverse KL would otherwise need third-order tfjs autodiff, which is slow and hits
 * gradients that are not themselves differentiable. Here Φ, ∂Φ and ∂²Φ are explicit tfjs
 * expressions, so reverse KL needs only ordinary first-order autodiff w.r.t. θ.
 *
 * Features (the first layer):
 * - 'ambient': the coordinates themselves (sphere: Φ is extended to ℝⁿ⁺¹ through them).
 * - 'fourier': groups of integer frequency vectors ω; each group g contributes the two features
 *   Σ_{ω∈g} cos(ω·x), Σ_{ω∈g} sin(ω·x). A group that is an orbit of a symmetry (e.g. the
 *   permutations acting on the N eigen-phases, which gives the power sums Re/Im tr W^k) makes Φ
 *   invariant, and an invariant Φ on a manifold where the symmetry acts by isometries gives an
 *   equivariant flow (Katsman et al.).
 */
import { tf } from '../../backend/index.ts';

export type Activation = 'tanh' | 'softplus';

export type FeatureSpec =
  | { kind: 'ambient'; dim: number }
  | { kind: 'fourier'; dim: number; groups: number[][][] };

export interface PotentialSpec {
  features: FeatureSpec;
  hidden: number[];
  activation: Activation;
  /** time enters the first layer through τ(t) = (t, cos πkt, sin πkt for k = 1..timeHarmonics); default 0 */
  timeHarmonics?: number;
  /**
   * a per-sample context vector c (e.g. a conditioner's output) entering the first layer linearly,
   * Φ(x, t; c); c does not depend on x, so it shifts the pre-activations and leaves the jet
   * recursions unchanged. Default 0 (no context).
   */
  contextDim?: number;
}

/** τ(t) for a scalar time, as a JS array. */
export function timeFeatures(t: number, harmonics: number): number[] {
  const f = [t];
  for (let k = 1; k <= harmonics; k++) f.push(Math.cos(Math.PI * k * t), Math.sin(Math.PI * k * t));
  return f;
}

/** Φ and its x-derivatives for a batch: grad[d] is ∂Φ/∂x_d, hess[d][e] = ∂²Φ/∂x_d∂x_e (shared objects for d,e swapped). */
export interface PotentialJet {
  value: tf.Tensor1D;
  grad: tf.Tensor1D[];
  hess?: tf.Tensor1D[][];
}

/** A layer-wise jet with the derivative streams stacked: value [B,H], grad [D,B,H], Hessian pairs d ≤ e [P,B,H] (null = zero). */
interface StackedJet {
  v: tf.Tensor2D;
  g: tf.Tensor3D;
  h: tf.Tensor3D | null;
}

function act(a: tf.Tensor2D, kind: Activation): { s: tf.Tensor2D; d1: tf.Tensor2D; d2: tf.Tensor2D } {
  if (kind === 'tanh') {
    const s = tf.tanh(a);
    const d1 = tf.sub(1, tf.square(s)) as tf.Tensor2D;
    const d2 = tf.mul(-2, tf.mul(s, d1)) as tf.Tensor2D;
    return { s, d1, d2 };
  }
  const s = tf.softplus(a);
  const d1 = tf.sigmoid(a);
  const d2 = tf.mul(d1, tf.sub(1, d1)) as tf.Tensor2D;
  return { s, d1, d2 };
}

/** Glorot-uniform init from a JS rng so that models are reproducible from a seed. */
function glorot(rows: number, cols: number, rng: () => number, gain = 1): tf.Tensor2D {
  const lim = gain * Math.sqrt(6 / (rows + cols));
  const v = new Float32Array(rows * cols);
  for (let i = 0; i < v.length; i++) v[i] = (2 * rng() - 1) * lim;
  return tf.tensor2d(v, [rows, cols]);
}

export class Potential {
  readonly spec: PotentialSpec;
  readonly dim: number;
  /** Frequencies as a [D, M] matrix (fourier) and the group-sum matrix [M, G]. */
  private omega?: tf.Tensor2D;
  private omegaRows?: number[][];
  private groupSum?: tf.Tensor2D;
  // W1 (input→H1), Wt (τ(t)→H1), b1, then per layer W, b, then wOut, then Wc (context→H1) if contextDim > 0
  readonly weights: tf.Variable[];
  readonly contextDim: number;
  private nIn: number;
  private readonly outIndex: number;

  constructor(spec: PotentialSpec, rng: () => number, init?: number[][]) {
    if (spec.hidden.length < 1) throw new Error('Potential: need at least one hidden layer');
    const C = spec.contextDim ?? 0;
    if (!Number.isInteger(C) || C < 0) throw new Error(`Potential: contextDim must be a non-negative integer, got ${String(spec.contextDim)}`);
    this.contextDim = C;
    this.spec = spec;
    this.dim = spec.features.dim;
    if (spec.features.kind === 'fourier') {
      const rows: number[][] = [];
      const gIdx: number[] = [];
      spec.features.groups.forEach((g, gi) => {
        for (const w of g) {
          if (w.length !== this.dim) throw new Error(`Potential: frequency ${JSON.stringify(w)} does not have ${this.dim} components`);
          rows.push(w);
          gIdx.push(gi);
        }
      });
      if (rows.length === 0) throw new Error('Potential: fourier features need at least one frequency');
      const G = spec.features.groups.length;
      const S = new Float32Array(rows.length * G);
      gIdx.forEach((g, m) => (S[m * G + g] = 1));
      this.omegaRows = rows;
      this.omega = tf.tensor2d(rows.flat(), [rows.length, this.dim]).transpose() as tf.Tensor2D;
      this.groupSum = tf.tensor2d(S, [rows.length, G]);
      this.nIn = 2 * G;
    } else {
      this.nIn = this.dim;
    }
    const sizes = [this.nIn, ...spec.hidden];
    const ws: tf.Tensor[] = [];
    const nT = 1 + 2 * (spec.timeHarmonics ?? 0);
    ws.push(glorot(this.nIn, sizes[1], rng), glorot(nT, sizes[1], rng), tf.zeros([1, sizes[1]]));
    for (let l = 1; l < spec.hidden.length; l++) ws.push(glorot(sizes[l], sizes[l + 1], rng), tf.zeros([1, sizes[l + 1]]));
    // A small output layer: the flow starts close to the identity, which keeps early training stable.
    ws.push(tf.mul(glorot(sizes[sizes.length - 1], 1, rng), 0.1));
    this.outIndex = ws.length - 1;
    if (C > 0) ws.push(glorot(C, sizes[1], rng));
    if (init) {
      if (init.length !== ws.length) throw new Error(`Potential: expected ${ws.length} weight arrays, got ${init.length}`);
      init.forEach((a, i) => {
        if (a.length !== ws[i].size) throw new Error(`Potential: weight ${i} has ${a.length} entries, expected ${ws[i].size}`);
        const shape = ws[i].shape;
        ws[i].dispose();
        ws[i] = tf.tensor(a, shape);
      });
    }
    // unnamed: tfjs gives engine-unique names (module-level counters collide across module instances)
    this.weights = ws.map((w) => tf.variable(w, true));
    ws.forEach((w) => w.dispose());
  }

  get paramCount(): number {
    return this.weights.reduce((s, w) => s + w.size, 0);
  }

  /** Index pairs (d ≤ e) of the Hessian entries carried by the jets. */
  private get pairs(): [number, number][] {
    const P: [number, number][] = [];
    for (let d = 0; d < this.dim; d++) for (let e = d; e < this.dim; e++) P.push([d, e]);
    return P;
  }

  /** First-layer pre-activation jet: all derivative streams stacked along a leading axis. */
  private firstLayer(x: tf.Tensor2D, t: number | tf.Tensor2D, order: 1 | 2, context?: tf.Tensor2D): StackedJet {
    const [W1, wt, b1] = this.weights as unknown as tf.Tensor2D[];
    const D = this.dim;
    const B = x.shape[0];
    const H = W1.shape[1];
    const K = this.spec.timeHarmonics ?? 0;
    let bias: tf.Tensor2D;
    if (typeof t === 'number') bias = tf.add(b1, tf.matMul(tf.tensor2d([timeFeatures(t, K)]), wt)) as tf.Tensor2D;
    else {
      const cols: tf.Tensor[] = [t];
      for (let k = 1; k <= K; k++) cols.push(tf.cos(tf.mul(Math.PI * k, t)), tf.sin(tf.mul(Math.PI * k, t)));
      bias = tf.add(b1, tf.matMul(K ? tf.concat(cols, 1) : t, wt)) as tf.Tensor2D;
    }
    if (context) bias = tf.add(bias, tf.matMul(context, this.weights[this.outIndex + 1] as unknown as tf.Tensor2D)) as tf.Tensor2D;
    if (this.spec.features.kind === 'ambient') {
      const v = tf.add(tf.matMul(x, W1), bias) as tf.Tensor2D;
      const g = tf.tile(tf.reshape(W1, [D, 1, H]), [1, B, 1]) as tf.Tensor3D;
      return { v, g, h: null };
    }
    const G = this.nIn / 2;
    const Wc = tf.matMul(this.groupSum!, tf.slice(W1, [0, 0], [G, -1])) as tf.Tensor2D; // [M,H]
    const Ws = tf.matMul(this.groupSum!, tf.slice(W1, [G, 0], [G, -1])) as tf.Tensor2D;
    const phase = tf.matMul(x, this.omega!); // [B,M]
    const c = tf.cos(phase) as tf.Tensor2D;
    const s = tf.sin(phase) as tf.Tensor2D;
    const M = c.shape[1];
    const v = tf.add(tf.add(tf.matMul(c, Wc), tf.matMul(s, Ws)), bias) as tf.Tensor2D;
    // rows of ω per coordinate: [D, 1, M]
    const om = this.omega!.reshape([D, 1, M]);
    const lin = (a: tf.Tensor, W: tf.Tensor2D, K: number) => tf.reshape(tf.matMul(tf.reshape(a, [K * B, M]), W), [K, B, H]);
    // ∂_d cos(ω·x) = −ω_d sin, ∂_d sin = ω_d cos
    const g = tf.sub(lin(tf.mul(c, om), Ws, D), lin(tf.mul(s, om), Wc, D)) as tf.Tensor3D;
    let h: tf.Tensor3D | null = null;
    if (order === 2) {
      const P = this.pairs;
      const omRows = tf.unstack(om);
      const oo = tf.mul(tf.stack(P.map((q) => omRows[q[0]])), tf.stack(P.map((q) => omRows[q[1]]))); // [P,1,M]
      h = tf.neg(tf.add(lin(tf.mul(c, oo), Wc, P.length), lin(tf.mul(s, oo), Ws, P.length))) as tf.Tensor3D;
    }
    return { v, g, h };
  }

  /**
   * Φ(x, t; c) with ∂Φ (order 1) or ∂Φ and ∂²Φ (order 2) in x, x: [B, dim]; t a number or one time
   * per sample [B, 1]; context c [B, contextDim], required exactly when contextDim > 0.
   */
  jet(x: tf.Tensor2D, t: number | tf.Tensor2D, order: 1 | 2, context?: tf.Tensor2D): PotentialJet {
    if (x.shape[1] !== this.dim) throw new Error(`Potential: points have ${x.shape[1]} coordinates, expected ${this.dim}`);
    this.checkContext(x.shape[0], context);
    const D = this.dim;
    const B = x.shape[0];
    const P = this.pairs;
    const I = P.map((q) => q[0]);
    const J = P.map((q) => q[1]);
    let a = this.firstLayer(x, t, order, context);
    const nh = this.spec.hidden.length;
    let z: StackedJet = a;
    const lin = (m: tf.Tensor3D, W: tf.Tensor2D) => {
      const [K, , Hin] = m.shape;
      return tf.reshape(tf.matMul(tf.reshape(m, [K * B, Hin]), W), [K, B, W.shape[1]]) as tf.Tensor3D;
    };
    for (let l = 0; l < nh; l++) {
      const { s, d1, d2 } = act(a.v, this.spec.activation);
      const g = tf.mul(d1, a.g) as tf.Tensor3D;
      let h: tf.Tensor3D | null = null;
      if (order === 2) {
        // (tf.gather's gradient needs UnsortedSegmentSum, which the wasm backend lacks)
        const gs = tf.unstack(a.g);
        h = tf.mul(d2, tf.mul(tf.stack(I.map((i) => gs[i])), tf.stack(J.map((j) => gs[j])))) as tf.Tensor3D;
        if (a.h) h = tf.add(h, tf.mul(d1, a.h)) as tf.Tensor3D;
      }
      z = { v: s, g, h };
      if (l === nh - 1) break;
      const W = this.weights[3 + 2 * l] as unknown as tf.Tensor2D;
      const b = this.weights[4 + 2 * l] as unknown as tf.Tensor2D;
      a = { v: tf.add(tf.matMul(z.v, W), b) as tf.Tensor2D, g: lin(z.g, W), h: z.h ? lin(z.h, W) : null };
    }
    const wOut = this.weights[this.outIndex] as unknown as tf.Tensor2D;
    const value = tf.reshape(tf.matMul(z.v, wOut), [B]) as tf.Tensor1D;
    const grad = tf.unstack(tf.reshape(lin(z.g, wOut), [D, B])) as tf.Tensor1D[];
    let hess: tf.Tensor1D[][] | undefined;
    if (order === 2) {
      const hs = tf.unstack(tf.reshape(lin(z.h!, wOut), [P.length, B])) as tf.Tensor1D[];
      hess = Array.from({ length: D }, () => new Array<tf.Tensor1D>(D));
      P.forEach(([d, e], k) => {
        hess![d][e] = hs[k];
        hess![e][d] = hs[k];
      });
    }
    return { value, grad, hess };
  }

  /** A context of the right shape where the potential has one, none where it has not. */
  checkContext(rows: number, context?: tf.Tensor2D): void {
    if (this.contextDim === 0) {
      if (context !== undefined) throw new Error('Potential: this potential takes no context (contextDim 0)');
      return;
    }
    if (!context) throw new Error(`Potential: a context [${rows}, ${this.contextDim}] is required`);
    if (context.rank !== 2 || context.shape[0] !== rows || context.shape[1] !== this.contextDim) {
      throw new Error(`Potential: context has shape [${context.shape.join(', ')}], expected [${rows}, ${this.contextDim}]`);
    }
  }

  toJSON(): { spec: PotentialSpec; weights: number[][] } {
    return { spec: this.spec, weights: this.weights.map((w) => Array.from(w.dataSync())) };
  }

  dispose(): void {
    this.weights.forEach((w) => w.dispose());
    this.omega?.dispose();
    this.groupSum?.dispose();
  }
}
