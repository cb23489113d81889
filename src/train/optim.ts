/**
 * The one optimiser of every training loop (in-process and data-parallel): Adam on a flat float32
 * parameter vector, with float64 moments and float64 arithmetic, global-norm gradient clipping and
 * cosine learning-rate decay. It runs in plain JS rather than as tf.train.adam so that a step is a
 * pure function of (weights, gradient, state, lr): bit-identical on every backend and thread, and a
 * checkpoint of (weights, state) resumes exactly.
 */

/** Cosine decay from lr to lr·lrFinal as `done` goes from 0 to `total` (steps, or seconds of a time budget). */
export function cosineLR(lr: number, lrFinal: number, done: number, total: number): number {
  const f = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  return lr * (lrFinal + (1 - lrFinal) * 0.5 * (1 + Math.cos(Math.PI * f)));
}

/** Euclidean norm of a gradient, accumulated in float64. */
export function globalNorm(grad: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < grad.length; i++) s += grad[i] * grad[i];
  return Math.sqrt(s);
}

/** Adam's state: `updates` applied so far (the bias-correction exponent) and the two moment vectors. */
export interface AdamState {
  updates: number;
  m: Float64Array;
  v: Float64Array;
}

export const ADAM_BETA1 = 0.9;
export const ADAM_BETA2 = 0.999;
/** tf.train.adam's default for float32 backends, added to √v̂ as tfjs does */
export const ADAM_EPSILON = 1e-7;

export class Adam {
  readonly size: number;
  private updates: number;
  private readonly m: Float64Array;
  private readonly v: Float64Array;

  constructor(size: number, state?: AdamState) {
    if (!Number.isInteger(size) || size < 0) throw new Error(`Adam: parameter count must be a non-negative integer, got ${size}`);
    this.size = size;
    if (state) {
      if (!(state.m instanceof Float64Array) || !(state.v instanceof Float64Array) || state.m.length !== size || state.v.length !== size) {
        throw new Error(`Adam: optimizer state has moments of length ${state.m?.length}/${state.v?.length}, the model has ${size} parameters`);
      }
      if (!Number.isInteger(state.updates) || state.updates < 0) throw new Error(`Adam: optimizer state has a bad update count ${state.updates}`);
      this.updates = state.updates;
      this.m = Float64Array.from(state.m);
      this.v = Float64Array.from(state.v);
    } else {
      this.updates = 0;
      this.m = new Float64Array(size);
      this.v = new Float64Array(size);
    }
  }

  /** A copy of the state (safe to keep while training goes on). */
  state(): AdamState {
    return { updates: this.updates, m: Float64Array.from(this.m), v: Float64Array.from(this.v) };
  }

  /** One update of `weights` in place with gradient `grad` (already clipped) and learning rate lr. */
  update(weights: Float32Array, grad: ArrayLike<number>, lr: number): void {
    if (weights.length !== this.size || grad.length !== this.size) {
      throw new Error(`Adam: expected ${this.size} parameters and gradients, got ${weights.length} and ${grad.length}`);
    }
    this.updates++;
    const c1 = 1 - ADAM_BETA1 ** this.updates;
    const c2 = 1 - ADAM_BETA2 ** this.updates;
    const { m, v } = this;
    for (let i = 0; i < this.size; i++) {
      const g = grad[i];
      m[i] = ADAM_BETA1 * m[i] + (1 - ADAM_BETA1) * g;
      v[i] = ADAM_BETA2 * v[i] + (1 - ADAM_BETA2) * g * g;
      weights[i] = weights[i] - (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + ADAM_EPSILON);
    }
  }
}

/**
 * Clip `grad` (in place) to global norm `clipNorm` and apply one Adam update. A non-finite gradient
 * is skipped (weights and state untouched) rather than poisoning the parameters. Returns the norm
 * before clipping.
 */
export function optimizerStep(adam: Adam, weights: Float32Array, grad: Float64Array, lr: number, clipNorm: number): number {
  const norm = globalNorm(grad);
  if (!Number.isFinite(norm)) return norm;
  if (norm > clipNorm) {
    const scale = clipNorm / norm;
    for (let i = 0; i < grad.length; i++) grad[i] *= scale;
  }
  adam.update(weights, grad, lr);
  return norm;
}
