/**
 * A circle map as one hand-written tensor op with its first derivatives, shared by the kernels whose
 * map is an explicit increasing function h(x; p) of the angle and a row p of parameters (ircpm and
 * energy: g(y) = y + ψ′(y); ncp: x + displacement(x; s) + t).
 *
 * Either direction is one op: the explicit one (value h(x), L = log h′(x)) or the solved one (value
 * x = h⁻¹(y), found by the kernel in float64, L = −log h′(x)). Given the float64 jet of h at the
 * point where it is taken — h′, ∂ℓ/∂x with ℓ = log h′, and ∂h/∂p, ∂ℓ/∂p — the vector–Jacobian
 * products are, for cotangents (ḡ of the value, L̄ of the log-derivative):
 *   explicit:  x̄ = ḡ h′ + L̄ ∂ℓ/∂x,             p̄ = ḡ ∂h/∂p + L̄ ∂ℓ/∂p;
 *   solved:    τ = ḡ − L̄ ∂ℓ/∂x,  ȳ = τ/h′,     p̄ = −(τ/h′) ∂h/∂p − L̄ ∂ℓ/∂p
 * (the implicit function theorem: dx = (dy − ∂h/∂p dp)/h′). First derivatives only.
 *
 * Why by hand: as tf ops each direction was twenty to forty tiny ops per coupling layer and as many
 * under the gradient tape, the largest cost of a layer on wasm (docs/design.md, "The conditioner").
 */
import { tf } from '../../backend/index.ts';

/**
 * The jet of h at x for row i: out[0] = h′(x), out[1] = ∂ℓ/∂x, out[2 + j] = ∂h/∂p_j,
 * out[2 + P + j] = ∂ℓ/∂p_j (P parameters per row). Called once per row in the backward pass.
 */
export type CircleMapJet = (i: number, x: number, out: Float64Array) => void;

/**
 * The op: inputs the angles [n] (x for 'explicit', y for 'solved') and the parameters [n, P]; value
 * the precomputed [2, n] tensor (row 0 the map's value, row 1 its log-derivative) that the kernel
 * evaluated in float64; `points` the x where each row's jet is taken (the input for 'explicit', the
 * solution for 'solved'). Returns the value row and the log-derivative row.
 */
export function circleMapOp(
  angles: tf.Tensor1D,
  params: tf.Tensor2D,
  values: Float32Array,
  points: Float64Array,
  direction: 'explicit' | 'solved',
  jet: CircleMapJet,
): { value: tf.Tensor1D; logdet: tf.Tensor1D } {
  const n = points.length;
  const P = params.shape[1];
  if (angles.shape[0] !== n || params.shape[0] !== n || values.length !== 2 * n) throw new Error(`circle map op: ${angles.shape[0]} angles, ${params.shape[0]} parameter rows, ${values.length / 2} values, ${n} points`);
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    void args;
    return {
      value: tf.tensor2d(values, [2, n]),
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
        const g = (dy as tf.Tensor).dataSync();
        const gAngle = new Float32Array(n);
        const gParams = new Float32Array(n * P);
        const j = new Float64Array(2 + 2 * P);
        for (let i = 0; i < n; i++) {
          jet(i, points[i]!, j);
          const gv = g[i]!;
          const gL = g[n + i]!;
          const h1 = j[0]!;
          let wh: number; // cotangent on ∂h/∂p
          if (direction === 'explicit') {
            gAngle[i] = gv * h1 + gL * j[1]!;
            wh = gv;
          } else {
            const tau = gv - gL * j[1]!;
            gAngle[i] = tau / h1;
            wh = -tau / h1;
          }
          const wl = direction === 'explicit' ? gL : -gL;
          for (let k = 0; k < P; k++) gParams[P * i + k] = wh * j[2 + k]! + wl * j[2 + P + k]!;
        }
        return [tf.tensor1d(gAngle), tf.tensor2d(gParams, [n, P])];
      },
    };
  });
  return tf.tidy(() => {
    const both = f(angles, params) as tf.Tensor2D;
    return {
      value: tf.reshape(tf.slice(both, [0, 0], [1, n]), [n]) as tf.Tensor1D,
      logdet: tf.reshape(tf.slice(both, [1, 0], [1, n]), [n]) as tf.Tensor1D,
    };
  });
}
