/**
 * Continuous normalizing flow on a manifold (docs/design.md, "Continuous normalizing flows on
 * manifolds (CNF)"): dx/dt = grad Φ_θ(x, t), t ∈ [0, 1], from
 * the uniform base, integrated by the fixed-step manifold RK4 of rk4.ts. The map and its density
 * change are one `CNFLayer` (layer.ts, the Bijector); a CNF is the TransformedFlow of the uniform base
 * through that layer, plus the construction of Φ's features and the model-file payload.
 *
 * Density modes (see layer.ts):
 * - 'divergence': log q(x₁) = log π(x₀) − ∫₀¹ ΔΦ(x_t, t) dt — the continuous-time density,
 *   differentiable w.r.t. θ, used for training (reverse KL and maximum likelihood) and for test NLL
 *   of data, as in the literature; `logProb` integrates the same scheme backward.
 * - 'exact': log q(x_N) = log π(x₀) − Σ_k log|det dS_k(x_k)|, the density of the discrete map that
 *   was actually applied. `sample` in this mode is what an MCMC proposal must use; called under a
 *   gradient tape it returns the same exact values with the θ-gradient of the divergence estimate.
 *   `logProb` inverts every forward step by Newton's method, so it is the density of the forward
 *   discrete map up to the solver tolerance (`logProbExact` also reports convergence).
 * - 'hybrid': `sample` as 'exact' under a tape, `logProb` as 'divergence'.
 */
import { tf } from '../../backend/index.ts';
import type { Manifold } from '../../manifolds/types.ts';
import { TransformedFlow } from '../transformed.ts';
import { Potential, type Activation, type FeatureSpec, type PotentialSpec } from './potential.ts';
import type { Geometry } from './rk4.ts';
import { logAbsDet } from './exact.ts';
import { CNFLayer, type CNFMode } from './layer.ts';
import { defaultFeatures, geometryOf, invariantFeatures, randomFourierFeatures, type Symmetry } from './geometry.ts';

export type { CNFMode } from './layer.ts';

export interface CNFOptions {
  hidden?: number[];
  activation?: Activation;
  /** RK4 steps on [0, 1] */
  steps?: number;
  /** largest Fourier frequency for the torus features (power sums up to this order on the maximal torus) */
  frequencies?: number;
  symmetry?: Symmetry;
  /** generic invariance: Φ depends on x only through the given integer combinations (rows) — features cos/sin(k r·x), k = 1..frequencies */
  invariantDirections?: number[][];
  features?: FeatureSpec;
  /** sphere: random Fourier features cos/sin(ω·x), `count` directions per scale |ω| ∈ scales (instead of x itself) */
  randomFeatures?: { count: number; scales: number[] };
  /** harmonics of the time features of Φ (see PotentialSpec) */
  timeHarmonics?: number;
  mode?: CNFMode;
  /** rows per tfjs batch in sample/logProb (bounds memory of the exact Jacobians) */
  chunk?: number;
}

export interface CNFJSON {
  type: 'cnf';
  manifold: string;
  steps: number;
  mode: CNFMode;
  symmetry?: Symmetry;
  potential: { spec: PotentialSpec; weights: number[][] };
}

export class CNF extends TransformedFlow {
  declare readonly layers: readonly [CNFLayer];
  readonly potential: Potential;
  readonly geometry: Geometry;
  readonly steps: number;
  readonly mode: CNFMode;
  readonly chunk: number;
  readonly symmetry?: Symmetry;

  constructor(manifold: Manifold, rng: () => number, opts: CNFOptions = {}, shared?: Potential) {
    const steps = opts.steps ?? 8;
    if (!Number.isInteger(steps) || steps < 1) throw new Error(`CNF: steps must be a positive integer, got ${steps}`);
    const geometry = geometryOf(manifold);
    const potential =
      shared ??
      new Potential(
        {
          features:
            opts.features ??
            (opts.randomFeatures
              ? randomFourierFeatures(manifold.ambientDim, opts.randomFeatures.count, opts.randomFeatures.scales, rng)
              : opts.invariantDirections
                ? invariantFeatures(manifold, opts.invariantDirections, opts.frequencies ?? 3)
                : defaultFeatures(manifold, opts.frequencies ?? 3, opts.symmetry)),
          hidden: opts.hidden ?? [32, 32],
          activation: opts.activation ?? 'tanh',
          timeHarmonics: opts.timeHarmonics ?? 0,
        },
        rng,
      );
    const mode = opts.mode ?? 'exact';
    const chunk = opts.chunk ?? 4096;
    super(manifold, [new CNFLayer(potential, geometry, steps, mode, chunk)]);
    this.potential = potential;
    this.geometry = geometry;
    this.steps = steps;
    this.mode = mode;
    this.chunk = chunk;
    this.symmetry = opts.symmetry;
  }

  /** The CNF's one layer: the time-1 map with the density change of the flow's mode. */
  get layer(): CNFLayer {
    return this.layers[0];
  }

  /** The same flow (shared parameters) with another density mode or step count. */
  with(o: { mode?: CNFMode; steps?: number }): CNF {
    return new CNF(this.manifold, () => 0, { steps: o.steps ?? this.steps, mode: o.mode ?? this.mode, chunk: this.chunk, symmetry: this.symmetry }, this.potential);
  }

  /** Push base points x₀ to x₁; logq in the given mode (divergence: a tensor that carries gradients). */
  push(x0: tf.Tensor2D, mode: CNFMode = this.mode): { x: tf.Tensor2D; logq: tf.Tensor1D } {
    const base = -this.manifold.logVolume;
    if (mode === 'divergence') {
      const { y, logdet } = this.layer.forwardDivergence(x0);
      const logq = tf.tidy(() => tf.sub(base, logdet) as tf.Tensor1D);
      logdet.dispose();
      return { x: y, logq };
    }
    const { x, logq } = this.pushExact64(x0);
    return { x: x === x0 ? (x0.clone() as tf.Tensor2D) : x, logq: tf.tensor1d(Float32Array.from(logq)) };
  }

  /** Float64 exact log q of the points pushed from x₀ (for importance weights). */
  pushExact64(x0: tf.Tensor2D): { x: tf.Tensor2D; logq: Float64Array } {
    const { y, logdet } = this.layer.forwardExact64(x0);
    return { x: y, logq: logdet.map((v) => -this.manifold.logVolume - v) };
  }

  /** Continuous-time log-density by backward integration with the divergence (differentiable). */
  logProbDivergence(x1: tf.Tensor2D): tf.Tensor1D {
    const { x, logdet } = this.layer.inverseDivergence(x1);
    x.dispose();
    const lq = tf.tidy(() => tf.add(-this.manifold.logVolume, logdet) as tf.Tensor1D);
    logdet.dispose();
    return lq;
  }

  /**
   * Exact log-density of the forward discrete map at y: every step is inverted by Newton's method
   * in tangent coordinates, started from the backward step. `ok` = all inversions converged to
   * `tol` (residual, in radians) within `maxIter` iterations.
   */
  logProbExact(y: tf.Tensor2D, tol = 2e-5, maxIter = 12): { logq: Float64Array; ok: Uint8Array; x0: tf.Tensor2D } {
    const r = this.layer.inverseExact64(y, undefined, tol, maxIter);
    return { logq: r.logdet.map((v) => -this.manifold.logVolume + v), ok: r.ok, x0: r.x };
  }

  override toJSON(): CNFJSON {
    // a saved model is a proposal: 'hybrid' (a training device) is stored as 'exact'
    const mode = this.mode === 'hybrid' ? 'exact' : this.mode;
    return { type: 'cnf', manifold: this.manifold.name, steps: this.steps, mode, symmetry: this.symmetry, potential: this.potential.toJSON() };
  }

  static fromJSON(json: CNFJSON, manifold: Manifold): CNF {
    if (json.type !== 'cnf') throw new Error(`CNF.fromJSON: payload type is '${json.type}', expected 'cnf'`);
    if (json.manifold !== manifold.name) throw new Error(`CNF.fromJSON: model is for '${json.manifold}', given manifold '${manifold.name}'`);
    const pot = new Potential(json.potential.spec, () => 0.5, json.potential.weights);
    return new CNF(manifold, () => 0, { steps: json.steps, mode: json.mode, symmetry: json.symmetry }, pot);
  }
}

export { logAbsDet };
