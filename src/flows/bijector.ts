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
import type { tf } from '../backend/index.ts';

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
