/**
 * Potentials ψ for IRCPM layers, with the value, Euclidean gradient and Euclidean Hessian computed
 * in closed form: first-order tangents by forward mode, the Hessian by one backward sweep on top.
 *
 * Why closed form: the IRCPM needs grad ψ (the explicit inverse), Hess ψ (its Jacobian, i.e. the
 * density) and, for training, one more derivative in y and one in θ. Computing (ψ, ∂ψ, ∂²ψ) as an
 * explicit graph makes all of these one level of reverse-mode autodiff: no nested tf.grad, and no
 * dependence on tfjs' higher-order gradient machinery. The inputs are small (2 angles on T², 3
 * ambient coordinates on S²), so the m tangent rows are cheap.
 *
 * Features:
 * - 'ambient': the coordinates themselves (spheres: ψ is the restriction of a function on ℝⁿ⁺¹);
 * - Fourier: cos(k·x), sin(k·x) for integer frequency vectors k (tori: makes ψ periodic; choosing
 *   k ⊥ a symmetry direction makes ψ invariant, e.g. k = (1, 1) for the shift (t, −t) on T²).
 *
 * Context: a potential may depend on a per-sample context vector c, ψ(x; c) — what a conditioner
 * computed for that sample (e.g. from frozen plaquettes). The MLP takes c as extra first-layer inputs
 * (`contextDim`); the Fourier series can take its raw coefficients from c (`context: true`). c is
 * constant in x, so the x-derivatives keep their form, and gradients flow back into c.
 */
import { tf } from '../backend/index.ts';
import { gaussian } from '../manifolds/random.ts';

export interface PotentialDerivatives {
  value: tf.Tensor1D; // [B]
  grad: tf.Tensor2D; // [B, m]
  hess: tf.Tensor3D; // [B, m, m]
}

export interface Potential {
  readonly inputDim: number;
  /** length of the per-sample context vector ψ(x; c) takes; 0: no context */
  readonly contextDim: number;
  readonly variables: tf.Variable[];
  /** context: [B, contextDim], required exactly when contextDim > 0 */
  evaluate(x: tf.Tensor2D, context?: tf.Tensor2D): PotentialDerivatives;
  /** value and gradient only (cheaper: no Hessian rows) */
  evaluateGrad(x: tf.Tensor2D, context?: tf.Tensor2D): { value: tf.Tensor1D; grad: tf.Tensor2D };
  toJSON(): PotentialJSON;
}

/** The context of a batch of B points, checked against what the potential takes. */
function checkContext(name: string, contextDim: number, B: number, context?: tf.Tensor2D): tf.Tensor2D | undefined {
  if (contextDim === 0) {
    if (context) throw new Error(`${name} takes no context, got one of shape [${context.shape}]`);
    return undefined;
  }
  if (!context) throw new Error(`${name} needs a context of shape [${B}, ${contextDim}]`);
  if (context.rank !== 2 || context.shape[0] !== B || context.shape[1] !== contextDim) {
    throw new Error(`${name}: context has shape [${context.shape}], expected [${B}, ${contextDim}]`);
  }
  return context;
}

/**
 * Fourier features are cos(k·x), sin(k·x) for the rows k of `frequencies` (2K base features, cosines
 * first); `combine` ([F, 2K]), when given, replaces them by F fixed linear combinations — e.g. the
 * power sums Σ_j e^{ikθ_j} of SU(N) eigen-phases, which are invariant under permutations.
 */
export type FeatureSpec = { kind: 'ambient' } | { kind: 'fourier'; frequencies: number[][]; combine?: number[][] };

export interface MLPSpec {
  kind: 'mlp';
  inputDim: number;
  features: FeatureSpec;
  hidden: number[];
  /** per-sample context inputs of the first layer (default 0) */
  contextDim?: number;
  /**
   * N > 0: the last 2N context columns are per-sample complex weights a_j (Re a_1..a_N, Im a_1..a_N),
   * not first-layer inputs, and two features Re, Im Σ_j a_j e^{iθ_j} join the fixed ones (with a
   * linear skip to ψ): the eigenbasis projection of a local action (src/flows/sun/coupling.ts,
   * 'energy'). Needs Fourier features whose first N frequencies are θ_1…θ_N (powerSumFeatures).
   */
  eigenWeights?: number;
  /**
   * factor on those two features where they enter the first layer (not the skip), to keep them in the
   * range of the others [1]
   */
  eigenFeatureScale?: number;
}
export interface FourierSpec {
  kind: 'fourier';
  inputDim: number;
  frequencies: number[][];
  /** bound η < 1 on Σ |k|² (|a_k| + |b_k|) ≥ ‖Hess ψ‖ */
  eta: number;
  /** raw coefficients (α then β, 2K per sample) from the context instead of own variables */
  context?: boolean;
}
export type PotentialSpec = MLPSpec | FourierSpec;
export interface PotentialJSON {
  spec: PotentialSpec;
  weights: number[][];
}

/** Index pairs (i ≤ j) of the upper triangle, in the order the Hessian rows are stacked. */
function pairs(m: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < m; i++) for (let j = i; j < m; j++) out.push([i, j]);
  return out;
}

/** Assemble [B, m, m] from the upper-triangle list of [B] tensors. */
function symmetricFromPairs(list: tf.Tensor1D[], m: number): tf.Tensor3D {
  const P = pairs(m);
  const at = (i: number, j: number) => list[P.findIndex(([a, b]) => a === Math.min(i, j) && b === Math.max(i, j))];
  const rows: tf.Tensor[] = [];
  for (let i = 0; i < m; i++) rows.push(tf.stack(Array.from({ length: m }, (_, j) => at(i, j)), 1));
  return tf.stack(rows, 1) as tf.Tensor3D;
}

/** Fourier features and their first/second derivatives, stacked as [(1 + m + P)·B, 2K]. */
function fourierStack(x: tf.Tensor2D, freq: number[][], order: 1 | 2, combine?: number[][]): tf.Tensor2D {
  const m = x.shape[1];
  const A = tf.tensor2d(freq); // [K, m]
  const t = tf.matMul(x, tf.transpose(A)); // [B, K]
  const c = tf.cos(t);
  const s = tf.sin(t);
  const blocks: tf.Tensor[] = [tf.concat([c, s], 1)];
  for (let i = 0; i < m; i++) {
    const ai = tf.tensor1d(freq.map((k) => k[i]));
    blocks.push(tf.concat([tf.mul(tf.neg(s), ai), tf.mul(c, ai)], 1));
  }
  for (const [i, j] of order === 2 ? pairs(m) : []) {
    const aij = tf.tensor1d(freq.map((k) => k[i] * k[j]));
    blocks.push(tf.concat([tf.mul(tf.neg(c), aij), tf.mul(tf.neg(s), aij)], 1));
  }
  const S = tf.concat(blocks, 0) as tf.Tensor2D;
  // the combination is linear, so it applies to the value and derivative rows alike
  return combine ? (tf.matMul(S, tf.transpose(tf.tensor2d(combine))) as tf.Tensor2D) : S;
}

/** The coordinates and their first derivatives (one-hot rows), stacked as [(1 + m)·B, m]. */
function ambientStack(x: tf.Tensor2D): tf.Tensor2D {
  const [B, m] = x.shape;
  const blocks: tf.Tensor[] = [x];
  for (let i = 0; i < m; i++) blocks.push(tf.tile(tf.oneHot(tf.tensor1d([i], 'int32'), m).toFloat(), [B, 1]));
  return tf.concat(blocks, 0) as tf.Tensor2D;
}

function initWeights(rows: number, cols: number, scale: number, rng: () => number): tf.Variable {
  const w = new Float32Array(rows * cols);
  for (let i = 0; i < w.length; i++) w[i] = scale * gaussian(rng);
  // (the initial tensor is disposed by tidy; the variable keeps the data)
  return tf.tidy(() => tf.variable(tf.tensor2d(w, [rows, cols])));
}

/**
 * Softplus MLP ψ(x) = wᵀ σ(W_L … σ(W₁ φ(x) + b₁) … + b_L) (no output bias: it would not move the map).
 */
export class MLPPotential implements Potential {
  readonly variables: tf.Variable[];
  readonly inputDim: number;
  readonly contextDim: number;
  private readonly W: tf.Variable[] = [];
  private readonly b: tf.Variable[] = [];
  private readonly wOut: tf.Variable;
  /** first-layer weights of the context inputs (absent without context) */
  private readonly Wc?: tf.Variable;
  /** N of `eigenWeights` (0: none) and the linear skip of its two features into ψ */
  private readonly eigenN: number;
  private readonly skip?: tf.Variable;

  constructor(readonly spec: MLPSpec, rng: () => number, weights?: number[][]) {
    const { inputDim, features, hidden } = spec;
    if (!Number.isInteger(inputDim) || inputDim < 1) throw new Error(`MLP potential: bad inputDim ${inputDim}`);
    if (!hidden.length || hidden.some((h) => !Number.isInteger(h) || h < 1)) throw new Error(`MLP potential: hidden sizes must be positive integers, got [${hidden}]`);
    if (features.kind === 'fourier') {
      if (!features.frequencies.length || features.frequencies.some((k) => k.length !== inputDim || k.some((v) => !Number.isInteger(v)))) {
        throw new Error(`MLP potential: Fourier frequencies must be integer vectors of length ${inputDim}`);
      }
      if (features.combine && features.combine.some((r) => r.length !== 2 * features.frequencies.length)) {
        throw new Error(`MLP potential: each feature combination needs ${2 * features.frequencies.length} coefficients`);
      }
    }
    const contextDim = spec.contextDim ?? 0;
    if (!Number.isInteger(contextDim) || contextDim < 0) throw new Error(`MLP potential: contextDim must be a non-negative integer, got ${contextDim}`);
    const eigenN = spec.eigenWeights ?? 0;
    if (eigenN) {
      const f = features.kind === 'fourier' ? features.frequencies : [];
      const isPhase = (j: number) => f[j]?.every((v, i) => (j < inputDim ? v === (i === j ? 1 : 0) : v === -1));
      if (!Number.isInteger(eigenN) || eigenN !== inputDim + 1 || !Array.from({ length: eigenN }, (_, j) => isPhase(j)).every(Boolean)) {
        throw new Error(`MLP potential: eigenWeights must be N = inputDim + 1 = ${inputDim + 1} with Fourier features whose first N frequencies are the N eigen-phases (powerSumFeatures)`);
      }
    }
    const k = spec.eigenFeatureScale ?? 1;
    if (!(Number.isFinite(k) && k > 0)) throw new Error(`MLP potential: eigenFeatureScale must be a positive number, got ${k}`);
    this.inputDim = inputDim;
    this.contextDim = contextDim + 2 * eigenN;
    this.eigenN = eigenN;
    let fan = (features.kind === 'fourier' ? (features.combine?.length ?? 2 * features.frequencies.length) : inputDim) + (eigenN ? 2 : 0);
    for (const h of hidden) {
      this.W.push(initWeights(fan, h, 1 / Math.sqrt(fan), rng));
      this.b.push(tf.tidy(() => tf.variable(tf.zeros([1, h]))));
      fan = h;
    }
    // small output layer: the flow starts close to the identity map
    this.wOut = initWeights(fan, 1, 0.01 / Math.sqrt(fan), rng);
    // last, so that the variables (and model files) of a potential without context are unchanged
    if (contextDim > 0) this.Wc = initWeights(contextDim, hidden[0], 1 / Math.sqrt(contextDim), rng);
    // the skip starts at 0: the flow starts at the identity whatever the local action
    if (eigenN) this.skip = tf.tidy(() => tf.variable(tf.zeros([2, 1])));
    this.variables = [...this.W.flatMap((w, i) => [w, this.b[i]]), this.wOut, ...(this.Wc ? [this.Wc] : []), ...(this.skip ? [this.skip] : [])];
    if (weights) setWeights(this.variables, weights);
  }

  /**
   * Value, gradient and Hessian. Forward mode carries only the value and the m first-order tangents
   * through the network; the Hessian then comes from one backward sweep of r_l = ∂ψ/∂h_l:
   *   Hess ψ = Σ_l Ż_lᵀ diag(r_l ⊙ σ''(z_l)) Ż_l + Σ_f (∂ψ/∂φ_f) ∂²φ_f,
   * since linear layers have no curvature (Ż_l: tangents of the pre-activations, φ: input features).
   * That is 1 + m + 1 rows of matMul per layer instead of the 1 + m + m(m+1)/2 of pushing second-order
   * tangents forward (5 instead of 10 on S²).
   */
  evaluate(x: tf.Tensor2D, context?: tf.Tensor2D): PotentialDerivatives {
    return tf.tidy(() => {
      const [B, m] = x.shape;
      const { rows, pre, feat2 } = this.forward(x, true, context);
      const P = pairs(m);
      const hessPairs: tf.Tensor[] = P.map(() => tf.zeros([B]));
      let r: tf.Tensor = tf.reshape(this.wOut, [1, -1]); // ∂ψ/∂h_L
      for (let l = this.W.length - 1; l >= 0; l--) {
        const { z, tangents } = pre[l];
        const s1 = tf.sigmoid(z);
        const c = tf.mul(r, tf.mul(s1, tf.sub(1, s1))); // r_l ⊙ σ''(z_l)
        P.forEach(([i, j], p) => (hessPairs[p] = tf.add(hessPairs[p], tf.sum(tf.mul(c, tf.mul(tangents[i], tangents[j])), 1))));
        // r_{l−1} = (r_l ⊙ σ'(z_l)) W_lᵀ (explicit transpose: the flagged matMul is slow on wasm)
        r = tf.matMul(tf.mul(r, s1), tf.transpose(l === 0 ? this.firstWeights() : this.W[l]));
      }
      if (this.skip) r = tf.add(r, this.skipRow(r.shape[1]!));
      if (feat2) {
        // ∂ψ/∂φ contracted with the features' second derivatives [P·B, F]
        // (a one-way tf.split has a broken gradient in tfjs 4.22: one input dimension, e.g. the SU(2) maximal torus)
        const blocks = P.length === 1 ? [feat2] : tf.split(feat2, P.length, 0);
        P.forEach((_, p) => (hessPairs[p] = tf.add(hessPairs[p], tf.sum(tf.mul(r, blocks[p]), 1))));
      }
      return {
        value: rows[0],
        grad: tf.stack(rows.slice(1, 1 + m), 1) as tf.Tensor2D,
        hess: symmetricFromPairs(hessPairs as tf.Tensor1D[], m),
      };
    });
  }

  evaluateGrad(x: tf.Tensor2D, context?: tf.Tensor2D): { value: tf.Tensor1D; grad: tf.Tensor2D } {
    return tf.tidy(() => {
      const { rows } = this.forward(x, false, context);
      return { value: rows[0], grad: tf.stack(rows.slice(1), 1) as tf.Tensor2D };
    });
  }

  /** ∂ψ/∂φ of the linear skip over all F input features: [1, F] (zeros, then the two skip weights). */
  private skipRow(F: number): tf.Tensor2D {
    return tf.concat([tf.zeros([1, F - 2]), tf.reshape(this.skip!, [1, 2])], 1) as tf.Tensor2D;
  }

  /**
   * The stacked Fourier features [(1 + m + P)·B, F] (P = 0 unless `order` 2): the fixed ones, then,
   * with eigenWeights, Re and Im Σ_j a_j e^{iθ_j} for the per-sample weights a in `weights` [B, 2N].
   */
  private featureStack(x: tf.Tensor2D, order: 1 | 2, weights?: tf.Tensor2D): tf.Tensor2D {
    const f = this.spec.features as Extract<FeatureSpec, { kind: 'fourier' }>;
    if (!this.eigenN) return fourierStack(x, f.frequencies, order, f.combine);
    const base = fourierStack(x, f.frequencies, order); // cos(k·x) then sin(k·x)
    const fixed = f.combine ? tf.matMul(base, tf.transpose(tf.tensor2d(f.combine))) : base;
    const F = f.frequencies.length, N = this.eigenN, B = x.shape[0];
    const aRe = tf.slice(weights!, [0, 0], [B, N]);
    const aIm = tf.slice(weights!, [0, N], [B, N]);
    const pad = tf.zeros([B, F - N]);
    // Re a e^{iθ} = Re a cos θ − Im a sin θ;  Im a e^{iθ} = Im a cos θ + Re a sin θ
    const wRe = tf.concat([aRe, pad, tf.neg(aIm), pad], 1);
    const wIm = tf.concat([aIm, pad, aRe, pad], 1);
    const blocks = base.shape[0] / B;
    const re = tf.sum(tf.mul(base, tf.tile(wRe, [blocks, 1])), 1, true);
    const im = tf.sum(tf.mul(base, tf.tile(wIm, [blocks, 1])), 1, true);
    return tf.concat([fixed, re, im], 1) as tf.Tensor2D;
  }

  /** First-layer weights: the eigen-weight features' rows scaled by eigenFeatureScale. */
  private firstWeights(): tf.Tensor2D {
    const k = this.spec.eigenFeatureScale ?? 1;
    if (!this.eigenN || k === 1) return this.W[0] as tf.Tensor as tf.Tensor2D;
    const F = this.W[0].shape[0];
    return tf.mul(this.W[0], tf.tensor2d([...new Array(F - 2).fill(1), k, k], [F, 1])) as tf.Tensor2D;
  }

  /**
   * Forward mode over the rows [ψ, ∂₁ψ…∂ₘψ] (each [B]); with `keep`, also the pre-activations z_l
   * and their tangents per layer, and (Fourier features) the features' second derivatives.
   */
  private forward(x: tf.Tensor2D, keep: boolean, context?: tf.Tensor2D): { rows: tf.Tensor1D[]; pre: { z: tf.Tensor; tangents: tf.Tensor[] }[]; feat2?: tf.Tensor2D } {
    const [B, m] = x.shape;
    if (m !== this.inputDim) throw new Error(`MLP potential expects ${this.inputDim} coordinates, got ${m}`);
    const ctxAll = checkContext('MLP potential', this.contextDim, B, context);
    // the context's last 2N columns are eigen-weights, the rest first-layer inputs
    const nc = this.contextDim - 2 * this.eigenN;
    const c = ctxAll && nc > 0 ? (this.eigenN ? tf.slice(ctxAll, [0, 0], [B, nc]) : ctxAll) : undefined;
    const weights = ctxAll && this.eigenN ? (tf.slice(ctxAll, [0, nc], [B, 2 * this.eigenN]) as tf.Tensor2D) : undefined;
    const nBlocks = 1 + m;
    const f = this.spec.features;
    let S: tf.Tensor2D;
    let feat2: tf.Tensor2D | undefined;
    if (f.kind === 'fourier') {
      const full = this.featureStack(x, keep ? 2 : 1, weights);
      if (keep) {
        const F = full.shape[1];
        S = tf.slice(full, [0, 0], [nBlocks * B, F]);
        feat2 = tf.slice(full, [nBlocks * B, 0], [full.shape[0] - nBlocks * B, F]);
      } else S = full;
    } else S = ambientStack(x);
    const S0 = S;
    const pre: { z: tf.Tensor; tangents: tf.Tensor[] }[] = [];
    for (let l = 0; l < this.W.length; l++) {
      const parts = tf.split(tf.matMul(S, l === 0 ? this.firstWeights() : this.W[l]), nBlocks, 0);
      // the context enters the value row only: it is constant in x, so its tangents are zero
      const z = c && l === 0 ? tf.add(tf.add(parts[0], tf.matMul(c, this.Wc!)), this.b[l]) : tf.add(parts[0], this.b[l]);
      const tangents = parts.slice(1);
      if (keep) pre.push({ z, tangents });
      const s1 = tf.sigmoid(z);
      S = tf.concat([tf.softplus(z), ...tangents.map((t) => tf.mul(s1, t))], 0) as tf.Tensor2D;
    }
    let out = tf.matMul(S, this.wOut);
    if (this.skip) out = tf.add(out, tf.matMul(S0, tf.transpose(this.skipRow(S0.shape[1]))));
    const rows = tf.unstack(tf.reshape(out, [nBlocks, B])) as tf.Tensor1D[];
    return { rows, pre, feat2 };
  }

  toJSON(): PotentialJSON {
    return { spec: this.spec, weights: this.variables.map((v) => Array.from(v.dataSync())) };
  }
}

/**
 * Fourier-series potential on a flat torus ψ(x) = Σ_k a_k cos(k·x) + b_k sin(k·x), whose Hessian bound
 * holds by construction: with raw coefficients (α, β) and S = Σ|k|²(|α_k|+|β_k|), the coefficients are
 * (a, b) = η tanh(S)/S · (α, β), so Σ|k|²(|a_k|+|b_k|) = η tanh S < η < 1 and I + Hess ψ ≻ (1 − η) I:
 * the IRCPM is a global diffeomorphism for every parameter value.
 */
export class FourierPotential implements Potential {
  readonly variables: tf.Variable[];
  readonly inputDim: number;
  readonly contextDim: number;
  /** raw coefficients (absent when they come from the context) */
  private readonly alpha?: tf.Variable;
  private readonly beta?: tf.Variable;

  constructor(readonly spec: FourierSpec, rng: () => number, weights?: number[][]) {
    const { inputDim, frequencies, eta } = spec;
    if (!(eta > 0 && eta < 1)) throw new Error(`Fourier potential: the Hessian bound eta must be in (0, 1), got ${eta}`);
    if (!frequencies.length || frequencies.some((k) => k.length !== inputDim || k.some((v) => !Number.isInteger(v)) || k.every((v) => v === 0))) {
      throw new Error(`Fourier potential: frequencies must be non-zero integer vectors of length ${inputDim}`);
    }
    this.inputDim = inputDim;
    const K = frequencies.length;
    this.contextDim = spec.context ? 2 * K : 0;
    const init = () => {
      const a = new Float32Array(K);
      for (let i = 0; i < K; i++) a[i] = 0.01 * gaussian(rng);
      return tf.tidy(() => tf.variable(tf.tensor1d(a)));
    };
    if (!spec.context) {
      this.alpha = init();
      this.beta = init();
    }
    this.variables = this.alpha && this.beta ? [this.alpha, this.beta] : [];
    if (weights) setWeights(this.variables, weights);
  }

  /**
   * The constrained coefficients (a, b): [K] from the variables, or [B, K] per sample from the raw
   * coefficients in the context (α = c[:, :K], β = c[:, K:]); the bound holds sample by sample.
   */
  coefficients(context?: tf.Tensor2D): { a: tf.Tensor; b: tf.Tensor } {
    return tf.tidy(() => {
      const K = this.spec.frequencies.length;
      const alpha = context ? tf.slice(context, [0, 0], [-1, K]) : this.alpha!;
      const beta = context ? tf.slice(context, [0, K], [-1, K]) : this.beta!;
      const k2 = tf.tensor1d(this.spec.frequencies.map((k) => k.reduce((s, v) => s + v * v, 0)));
      const S = tf.sum(tf.mul(k2, tf.add(tf.abs(alpha), tf.abs(beta))), -1, true);
      const factor = tf.mul(this.spec.eta, tf.div(tf.tanh(S), tf.add(S, 1e-12)));
      return { a: tf.mul(factor, alpha), b: tf.mul(factor, beta) };
    });
  }

  evaluateGrad(x: tf.Tensor2D, context?: tf.Tensor2D): { value: tf.Tensor1D; grad: tf.Tensor2D } {
    return tf.tidy(() => {
      const { value, grad } = this.evaluate(x, context);
      return { value, grad };
    });
  }

  evaluate(x: tf.Tensor2D, context?: tf.Tensor2D): PotentialDerivatives {
    return tf.tidy(() => {
      const m = x.shape[1];
      if (m !== this.inputDim) throw new Error(`Fourier potential expects ${this.inputDim} angles, got ${m}`);
      const { a, b } = this.coefficients(checkContext('Fourier potential', this.contextDim, x.shape[0], context));
      const A = tf.tensor2d(this.spec.frequencies); // [K, m]
      const t = tf.matMul(x, tf.transpose(A)); // [B, K]
      const c = tf.cos(t);
      const s = tf.sin(t);
      const value = tf.sum(tf.add(tf.mul(a, c), tf.mul(b, s)), 1) as tf.Tensor1D;
      const d1 = tf.sub(tf.mul(b, c), tf.mul(a, s)); // ∂/∂t
      const d2 = tf.neg(tf.add(tf.mul(a, c), tf.mul(b, s))); // ∂²/∂t²
      const grad = tf.matMul(d1, A) as tf.Tensor2D;
      const hess = tf.tidy(() => {
        const rows: tf.Tensor[] = [];
        for (let i = 0; i < m; i++) {
          const cols: tf.Tensor[] = [];
          for (let j = 0; j < m; j++) cols.push(tf.sum(tf.mul(d2, tf.tensor1d(this.spec.frequencies.map((k) => k[i] * k[j]))), 1));
          rows.push(tf.stack(cols, 1));
        }
        return tf.stack(rows, 1);
      }) as tf.Tensor3D;
      return { value, grad, hess };
    });
  }

  toJSON(): PotentialJSON {
    return { spec: this.spec, weights: this.variables.map((v) => Array.from(v.dataSync())) };
  }
}

function setWeights(vars: tf.Variable[], weights: number[][]): void {
  if (weights.length !== vars.length) throw new Error(`potential weights: expected ${vars.length} arrays, got ${weights.length}`);
  vars.forEach((v, i) => {
    if (!Array.isArray(weights[i]) || weights[i].length !== v.size || weights[i].some((w) => typeof w !== 'number' || !Number.isFinite(w))) {
      throw new Error(`potential weights: array ${i} must hold ${v.size} finite numbers`);
    }
    v.assign(tf.tensor(weights[i], v.shape));
  });
}

export function potentialFromJSON(json: PotentialJSON): Potential {
  const never = () => 0;
  if (!json || typeof json !== 'object' || !json.spec) throw new Error('potential: missing spec');
  if (json.spec.kind === 'mlp') return new MLPPotential(json.spec, never, json.weights);
  if (json.spec.kind === 'fourier') return new FourierPotential(json.spec, never, json.weights);
  throw new Error(`potential: unknown kind '${(json.spec as { kind: string }).kind}'`);
}

/** All integer frequency vectors in [−K, K]ᵐ with the first non-zero entry positive (one of ±k). */
export function fourierFrequencies(m: number, K: number): number[][] {
  const out: number[][] = [];
  const rec = (prefix: number[]) => {
    if (prefix.length === m) {
      const first = prefix.find((v) => v !== 0);
      if (first !== undefined && first > 0) out.push(prefix);
      return;
    }
    for (let v = -K; v <= K; v++) rec([...prefix, v]);
  };
  rec([]);
  return out;
}

/** Number of trainable scalars. */
export function countParams(vars: tf.Variable[]): number {
  return vars.reduce((s, v) => s + v.size, 0);
}

/**
 * Permutation-invariant features on the SU(N) maximal torus in its N−1 free angles: Re and Im of the
 * power sums p_k = Σ_{j=1}^{N} e^{ikθ_j}, k = 1…K, with θ_N = −Σ_{i<N} θ_i.
 */
export function powerSumFeatures(N: number, K: number): FeatureSpec {
  const frequencies: number[][] = [];
  for (let k = 1; k <= K; k++) {
    for (let j = 0; j < N - 1; j++) frequencies.push(Array.from({ length: N - 1 }, (_, i) => (i === j ? k : 0)));
    frequencies.push(Array.from({ length: N - 1 }, () => -k));
  }
  const F = frequencies.length;
  const combine: number[][] = [];
  for (let k = 0; k < K; k++) {
    const cos = new Array(2 * F).fill(0);
    const sin = new Array(2 * F).fill(0);
    for (let j = 0; j < N; j++) {
      cos[k * N + j] = 1;
      sin[F + k * N + j] = 1;
    }
    combine.push(cos, sin);
  }
  return { kind: 'fourier', frequencies, combine };
}
