/**
 * The one layer contract every flow family implements (IRCPM, CNF, the circle kernels, the
 * gauge-equivariant coupling layers), kept apart from the distribution they transform — the split
 * distrax makes between `Bijector`, `MaskedCoupling(mask, conditioner, bijector)` and
 * `Transformed` (see docs/design.md, "Layers and flows").
 *
 * Conventions
 * - Tensors are TensorFlow.js float32, batched along axis 0; `X` is the point type of the layer
 *   (angles [n] on T¹, [B, m] on a manifold, [B, L_{d−1}, …, L_0, d] link angles for a U(1) field).
 * - `forward(x)` returns y = f(x) and logdet = log|det ∂y/∂x| per sample, with respect to the
 *   reference measure of the space (Lebesgue in angles on tori, normalised Haar for a gauge field,
 *   the Riemannian volume on a sphere). `inverse(y)` returns x = f⁻¹(y) and logdet = log|det ∂x/∂y|
 *   (so forward(x).logdet = −inverse(f(x)).logdet).
 * - `ok` is 1 where the result can be trusted (an implicit solve converged, a map is certified
 *   injective there) and 0 where it cannot; a consumer must never use the density of a sample with
 *   ok = 0 (a proposal reports it with log q = +∞, training masks it out).
 * - logdet is float32 per sample and per layer; a flow used as an MCMC proposal sums the layers in
 *   float64 on the JavaScript side (`accumulateLogdets`), so long stacks on large lattices do not
 *   lose the per-sample log-density to float32 rounding.
 * - `context` is what a conditioner computed for this batch (e.g. kernel parameters per active
 *   plaquette); a layer without a conditioner ignores it.
 */
import { tf } from '../backend/index.ts';

export interface BijectorForward<X> {
  y: X;
  logdet: tf.Tensor1D;
  ok: tf.Tensor1D;
}

export interface BijectorInverse<X> {
  x: X;
  logdet: tf.Tensor1D;
  ok: tf.Tensor1D;
}

export interface Bijector<X = tf.Tensor, C = tf.Tensor> {
  forward(x: X, context?: C): BijectorForward<X>;
  inverse(y: X, context?: C): BijectorInverse<X>;
  /** trainable variables owned by this layer (empty for a fixed map) */
  readonly variables: tf.Variable[];
}

/**
 * A base distribution of the transformed distribution: uniform on a torus or sphere, the product
 * of Haar measures for a gauge field. `logProb` is with respect to the same reference measure the
 * layers' log-determinants use.
 */
export interface BaseDistribution<X> {
  sample(n: number, rng: () => number): X;
  logProb(x: X): tf.Tensor1D;
}

/** Sum per-layer float32 log-determinants of one batch in float64 (the proposal's log q). */
export function accumulateLogdets(base: Float32Array | Float64Array, layers: readonly (Float32Array | Float64Array)[]): Float64Array {
  const out = Float64Array.from(base);
  for (const l of layers) {
    if (l.length !== out.length) throw new Error(`accumulateLogdets: a layer has ${l.length} samples, the base ${out.length}`);
    for (let i = 0; i < out.length; i++) out[i] += l[i]!;
  }
  return out;
}

/**
 * log q of a batch drawn through a stack of layers for MCMC: the base log-density minus each
 * forward layer's log-det, summed in float64 as the layers run; a sample that any layer marks
 * not-ok (or whose sum is not finite) gets log q = +∞, a weight of −∞ that independence Metropolis
 * never accepts. One implementation for every gauge flow's `sampleForMCMC`.
 */
export class ProposalLogq {
  private readonly logq: Float64Array;
  private readonly ok: Uint8Array;
  /** `base`: the base log-density per sample, or the batch size when it is 0 (Haar in angles) */
  constructor(base: Float64Array | number) {
    this.logq = typeof base === 'number' ? new Float64Array(base) : Float64Array.from(base);
    this.ok = new Uint8Array(this.logq.length).fill(1);
  }
  /** Fold in one forward layer's per-sample log-det and ok; both tensors are read and disposed. */
  addForward(logdet: tf.Tensor, ok: tf.Tensor): void {
    const ld = logdet.dataSync();
    const k = ok.dataSync();
    if (ld.length !== this.logq.length || k.length !== this.logq.length) throw new Error(`ProposalLogq: a layer has ${ld.length} samples, the batch ${this.logq.length}`);
    for (let i = 0; i < ld.length; i++) {
      this.logq[i] -= ld[i]!;
      if (!(k[i]! > 0.5)) this.ok[i] = 0;
    }
    tf.dispose([logdet, ok]);
  }
  /** The batch's log q (+∞ where failed) and the number of failed samples. */
  finish(): { logq: Float64Array; failed: number } {
    let failed = 0;
    for (let i = 0; i < this.logq.length; i++) {
      if (!this.ok[i] || !Number.isFinite(this.logq[i]!)) {
        this.logq[i] = Infinity;
        failed++;
      }
    }
    return { logq: this.logq, failed };
  }
}
