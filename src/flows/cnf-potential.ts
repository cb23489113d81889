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
import { tf } from '../backend/index.ts';

export type Activation = 'tanh' | 'softplus';

export type FeatureSpec =
  | { kind: 'ambient'; dim: number }
  | { kind: 'fourier'; dim: number; groups: number[][][] };

export interface PotentialSpec {
  features: FeatureSpec;
  hidden: number[];
  activation: Activation;
}

/** Φ and its x-derivatives for a batch: grad[d] is ∂Φ/∂x_d, hess[d][e] = ∂²Φ/∂x_d∂x_e (shared objects for d,e swapped). */
export interface PotentialJet {
  value: tf.Tensor1D;
  grad: tf.Tensor1D[];
  hess?: tf.Tensor1D[][];
}

/** A layer-wise jet: value [B,H], grad[d] [B,H] (or [1,H] when constant over the batch), hess[d][e]. */
interface LayerJet {
  value: tf.Tensor2D;
  grad: tf.Tensor2D[];
  hess?: (tf.Tensor2D | null)[][]; // null = identically zero
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
  private static count = 0;
  readonly spec: PotentialSpec;
  readonly dim: number;
  /** Frequencies as a [D, M] matrix (fourier) and the group-sum matrix [M, G]. */
  private omega?: tf.Tensor2D;
  private omegaRows?: number[][];
  private groupSum?: tf.Tensor2D;
  readonly weights: tf.Variable[]; // W1 (input→H1), wt (time→H1), b1, then per layer W, b, and wOut
  private nIn: number;

  constructor(spec: PotentialSpec, rng: () => number, init?: number[][]) {
    if (spec.hidden.length < 1) throw new Error('Potential: need at least one hidden layer');
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
    ws.push(glorot(this.nIn, sizes[1], rng), glorot(1, sizes[1], rng), tf.zeros([1, sizes[1]]));
    for (let l = 1; l < spec.hidden.length; l++) ws.push(glorot(sizes[l], sizes[l + 1], rng), tf.zeros([1, sizes[l + 1]]));
    // A small output layer: the flow starts close to the identity, which keeps early training stable.
    ws.push(tf.mul(glorot(sizes[sizes.length - 1], 1, rng), 0.1));
    if (init) {
      if (init.length !== ws.length) throw new Error(`Potential: expected ${ws.length} weight arrays, got ${init.length}`);
      init.forEach((a, i) => {
        if (a.length !== ws[i].size) throw new Error(`Potential: weight ${i} has ${a.length} entries, expected ${ws[i].size}`);
        const shape = ws[i].shape;
        ws[i].dispose();
        ws[i] = tf.tensor(a, shape);
      });
    }
    Potential.count++;
    this.weights = ws.map((w, i) => tf.variable(w, true, `cnf_potential${Potential.count}_w${i}`));
    ws.forEach((w) => w.dispose());
  }

  get paramCount(): number {
    return this.weights.reduce((s, w) => s + w.size, 0);
  }

  /** First-layer pre-activation jet. */
  private firstLayer(x: tf.Tensor2D, t: number, order: 1 | 2): LayerJet {
    const [W1, wt, b1] = this.weights as unknown as tf.Tensor2D[];
    const D = this.dim;
    const bias = tf.add(b1, tf.mul(wt, t)) as tf.Tensor2D;
    if (this.spec.features.kind === 'ambient') {
      const value = tf.add(tf.matMul(x, W1), bias) as tf.Tensor2D;
      const grad = Array.from({ length: D }, (_, d) => tf.slice(W1, [d, 0], [1, -1]) as tf.Tensor2D);
      const hess = order === 2 ? Array.from({ length: D }, () => Array.from({ length: D }, () => null)) : undefined;
      return { value, grad, hess };
    }
    const G = this.nIn / 2;
    const Wc = tf.matMul(this.groupSum!, tf.slice(W1, [0, 0], [G, -1])) as tf.Tensor2D; // [M,H]
    const Ws = tf.matMul(this.groupSum!, tf.slice(W1, [G, 0], [G, -1])) as tf.Tensor2D;
    const phase = tf.matMul(x, this.omega!); // [B,M]
    const c = tf.cos(phase) as tf.Tensor2D;
    const s = tf.sin(phase) as tf.Tensor2D;
    const value = tf.add(tf.add(tf.matMul(c, Wc), tf.matMul(s, Ws)), bias) as tf.Tensor2D;
    const om = this.omegaRows!;
    const col = (d: number) => tf.tensor2d(om.map((w) => w[d]), [1, om.length]);
    const cols = Array.from({ length: D }, (_, d) => col(d));
    const grad = cols.map((od) => tf.sub(tf.matMul(tf.mul(c, od), Ws), tf.matMul(tf.mul(s, od), Wc)) as tf.Tensor2D);
    let hess: (tf.Tensor2D | null)[][] | undefined;
    if (order === 2) {
      hess = Array.from({ length: D }, () => new Array<tf.Tensor2D | null>(D).fill(null));
      for (let d = 0; d < D; d++)
        for (let e = d; e < D; e++) {
          const oo = tf.mul(cols[d], cols[e]);
          const h = tf.neg(tf.add(tf.matMul(tf.mul(c, oo), Wc), tf.matMul(tf.mul(s, oo), Ws))) as tf.Tensor2D;
          hess[d][e] = h;
          hess[e][d] = h;
        }
    }
    return { value, grad, hess };
  }

  /** Φ(x, t) with ∂Φ (order 1) or ∂Φ and ∂²Φ (order 2), x: [B, dim]. */
  jet(x: tf.Tensor2D, t: number, order: 1 | 2): PotentialJet {
    if (x.shape[1] !== this.dim) throw new Error(`Potential: points have ${x.shape[1]} coordinates, expected ${this.dim}`);
    const D = this.dim;
    let a = this.firstLayer(x, t, order);
    const nh = this.spec.hidden.length;
    let z: LayerJet = a;
    for (let l = 0; l < nh; l++) {
      // activation
      const { s, d1, d2 } = act(a.value, this.spec.activation);
      const grad = a.grad.map((g) => tf.mul(d1, g) as tf.Tensor2D);
      let hess: (tf.Tensor2D | null)[][] | undefined;
      if (order === 2) {
        hess = Array.from({ length: D }, () => new Array<tf.Tensor2D | null>(D).fill(null));
        for (let d = 0; d < D; d++)
          for (let e = d; e < D; e++) {
            let h = tf.mul(d2, tf.mul(a.grad[d], a.grad[e])) as tf.Tensor2D;
            const ah = a.hess![d][e];
            if (ah) h = tf.add(h, tf.mul(d1, ah)) as tf.Tensor2D;
            hess[d][e] = h;
            hess[e][d] = h;
          }
      }
      z = { value: s, grad, hess };
      if (l === nh - 1) break;
      const W = this.weights[3 + 2 * l] as unknown as tf.Tensor2D;
      const b = this.weights[4 + 2 * l] as unknown as tf.Tensor2D;
      a = {
        value: tf.add(tf.matMul(z.value, W), b) as tf.Tensor2D,
        grad: z.grad.map((g) => tf.matMul(g, W) as tf.Tensor2D),
        hess: z.hess?.map((row, d) => row.map((h, e) => (e < d ? null : h ? (tf.matMul(h, W) as tf.Tensor2D) : null))),
      };
      if (a.hess) for (let d = 0; d < D; d++) for (let e = 0; e < d; e++) a.hess[d][e] = a.hess[e][d];
    }
    const wOut = this.weights[this.weights.length - 1] as unknown as tf.Tensor2D;
    const B = x.shape[0];
    const out = (m: tf.Tensor2D) => {
      const r = tf.matMul(m, wOut).reshape([-1]) as tf.Tensor1D;
      return r.shape[0] === B ? r : (tf.tile(r, [B]) as tf.Tensor1D);
    };
    const value = out(z.value);
    const grad = z.grad.map(out);
    let hess: tf.Tensor1D[][] | undefined;
    if (order === 2) {
      hess = Array.from({ length: D }, () => new Array<tf.Tensor1D>(D));
      for (let d = 0; d < D; d++)
        for (let e = d; e < D; e++) {
          const h = z.hess![d][e];
          const v = h ? out(h) : (tf.zeros([B]) as tf.Tensor1D);
          hess[d][e] = v;
          hess[e][d] = v;
        }
    }
    return { value, grad, hess };
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
