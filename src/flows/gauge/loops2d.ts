/**
 * The loop quantities of a 2D U(1) coupling layer as hand-written kernels: plain loops over the
 * tensors' data with hand-written first derivatives (tf.customGrad), in place of chains of tf ops.
 *
 * Why: on the wasm backend, slices and concats along short inner rows cost 30–50 ns per element and
 * every op costs tens of µs of dispatch and tape bookkeeping. The tf-op version of the 2D context
 * (periodic padding of the links by slices and concats, a ±1 stencil convolution for the loops, cos
 * and sin on the padded grid, a channel concat, the mask, a centre slice) took ≈15 ms of a layer's
 * ≈34 ms at batch 256 (measured 2026-12-01). Here the same numbers come from one pass over the
 * links, with two trigonometric calls per site. coupling.ts keeps the tf-op path for d > 2, and the
 * tests compare both paths, values and gradients.
 *
 * Layout (layout.ts): links [B, L1, L0, 2], angle θ_μ(x) at ((b·L1 + x1)·L0 + x0)·2 + μ. The stored
 * plaquette is P(x) = θ_0(x) + θ_1(x + 0̂) − θ_0(x + 1̂) − θ_1(x); for the layer's pattern (μ, ν),
 * O_μν = s·P with s = +1 if μ < ν else −1, and the rectangle through the active link is
 * R(x) = O_μν(x) + O_μν(x − ν̂). Loop 0 is P, loop 1 is R (coupling.ts, `prepare`).
 */
import { tf } from '../../backend/index.ts';
import type { CouplingPattern } from './masks.ts';
import { STRIPE_PERIOD } from './masks.ts';

const TWO_PI = 2 * Math.PI;
/** wrap to [−π, π) (src/manifolds/torus.ts, `wrapAngle`), computed in float64 */
function wrap(a: number): number {
  return a - TWO_PI * Math.floor((a + Math.PI) / TWO_PI);
}

interface Dims2D {
  B: number;
  L1: number;
  L0: number;
}

function dims2D(links: tf.Tensor): Dims2D {
  if (links.rank !== 4 || links.shape[3] !== 2) throw new Error(`2D loop kernels: links must have shape [B, L1, L0, 2], got [${links.shape.join(', ')}]`);
  const [B, L1, L0] = links.shape as number[];
  return { B: B!, L1: L1!, L0: L0! };
}

/** P at site (y1, y0) of the field starting at site offset o. */
function plaquetteAt(th: Float32Array, o: number, y1: number, y0: number, L1: number, L0: number): number {
  const s = o + y1 * L0 + y0;
  const right = o + y1 * L0 + ((y0 + 1) % L0);
  const up = o + ((y1 + 1) % L1) * L0 + y0;
  return th[2 * s]! + th[2 * right + 1]! - th[2 * up]! - th[2 * s + 1]!;
}

/** P(x) for every field and site, [B·L1·L0] in site order. */
function plaquettes(th: Float32Array, { B, L1, L0 }: Dims2D): Float64Array {
  const V = L1 * L0;
  const P = new Float64Array(B * V);
  for (let b = 0; b < B; b++) for (let y1 = 0; y1 < L1; y1++) for (let y0 = 0; y0 < L0; y0++) P[b * V + y1 * L0 + y0] = plaquetteAt(th, b * V, y1, y0, L1, L0);
  return P;
}

/** The site offset of −ν̂ (periodic) for site (y1, y0): the rectangle's second plaquette. */
function minusNu(nu: number, y1: number, y0: number, L1: number, L0: number): number {
  return nu === 1 ? ((y1 + L1 - 1) % L1) * L0 + y0 : y1 * L0 + ((y0 + L0 - 1) % L0);
}

/** dθ from dP: the transpose of `plaquettes` (dθ_0(y) = dP(y) − dP(y − 1̂), dθ_1(y) = dP(y − 0̂) − dP(y)). */
function plaquetteTranspose(dP: Float64Array, { B, L1, L0 }: Dims2D): Float32Array {
  const V = L1 * L0;
  const out = new Float32Array(B * V * 2);
  for (let b = 0; b < B; b++) {
    const o = b * V;
    for (let y1 = 0; y1 < L1; y1++) {
      const down = ((y1 + L1 - 1) % L1) * L0;
      for (let y0 = 0; y0 < L0; y0++) {
        const s = y1 * L0 + y0;
        const left = y1 * L0 + ((y0 + L0 - 1) % L0);
        out[2 * (o + s)] = dP[o + s]! - dP[o + down + y0]!;
        out[2 * (o + s) + 1] = dP[o + left]! - dP[o + s]!;
      }
    }
  }
  return out;
}

/**
 * Conditioner input of a 2D layer: [B, L1, L0, 4] with channels (cos P, cos R, sin P, sin R) times
 * `mask` ([L1·L0·4], 1 where the loop is frozen context).
 */
export function loopFeatures2D(links: tf.Tensor, pat: CouplingPattern, mask: Float32Array): tf.Tensor4D {
  const dm = dims2D(links);
  const { B, L1, L0 } = dm;
  const V = L1 * L0;
  if (mask.length !== V * 4) throw new Error(`loopFeatures2D: mask has ${mask.length} entries, expected ${V * 4}`);
  const s = pat.mu < pat.nu ? 1 : -1;
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor;
    const P = plaquettes(x.dataSync() as Float32Array, dm);
    // R = s(P + P′) with P′ = P(x − ν̂): cos R and sin R follow from the plaquettes' cos and sin
    const cosP = new Float64Array(B * V);
    const sinP = new Float64Array(B * V);
    for (let i = 0; i < B * V; i++) {
      cosP[i] = Math.cos(P[i]!);
      sinP[i] = Math.sin(P[i]!);
    }
    // (cos P, cos R, sin P, sin R) at every site, unmasked (kept for the gradient)
    const trig = new Float64Array(B * V * 4);
    const out = new Float32Array(B * V * 4);
    for (let b = 0; b < B; b++) {
      const o = b * V;
      for (let y1 = 0; y1 < L1; y1++) {
        for (let y0 = 0; y0 < L0; y0++) {
          const st = y1 * L0 + y0;
          const q = o + minusNu(pat.nu, y1, y0, L1, L0);
          const k = 4 * (o + st);
          trig[k] = cosP[o + st]!;
          trig[k + 1] = cosP[o + st]! * cosP[q]! - sinP[o + st]! * sinP[q]!;
          trig[k + 2] = sinP[o + st]!;
          trig[k + 3] = s * (sinP[o + st]! * cosP[q]! + cosP[o + st]! * sinP[q]!);
          for (let c = 0; c < 4; c++) out[k + c] = trig[k + c]! * mask[4 * st + c]!;
        }
      }
    }
    return {
      value: tf.tensor4d(out, [B, L1, L0, 4]),
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
        const g = (dy as tf.Tensor).dataSync();
        // through the mask and the trigonometry onto the loops, then onto the plaquettes
        const dP = new Float64Array(B * V);
        for (let b = 0; b < B; b++) {
          const o = b * V;
          for (let y1 = 0; y1 < L1; y1++) {
            for (let y0 = 0; y0 < L0; y0++) {
              const st = y1 * L0 + y0;
              const k = 4 * (o + st);
              const m = 4 * st;
              const dLoop0 = -trig[k + 2]! * g[k]! * mask[m]! + trig[k]! * g[k + 2]! * mask[m + 2]!;
              const dLoop1 = -trig[k + 3]! * g[k + 1]! * mask[m + 1]! + trig[k + 1]! * g[k + 3]! * mask[m + 3]!;
              dP[o + st] += dLoop0 + s * dLoop1;
              dP[o + minusNu(pat.nu, y1, y0, L1, L0)] += s * dLoop1;
            }
          }
        }
        return [tf.tensor(plaquetteTranspose(dP, dm), x.shape)];
      },
    };
  });
  return f(links) as tf.Tensor4D;
}

/** Stripe sites of pattern `pat` in takeStripe order (masks.ts): [b, x1, x0] row-major, x_ν ≡ off (mod 4). */
function stripeSites(pat: CouplingPattern, L1: number, L0: number): Int32Array {
  const n1 = pat.nu === 1 ? L1 / STRIPE_PERIOD : L1;
  const n0 = pat.nu === 0 ? L0 / STRIPE_PERIOD : L0;
  const out = new Int32Array(n1 * n0);
  let i = 0;
  for (let a = 0; a < n1; a++) {
    const y1 = pat.nu === 1 ? a * STRIPE_PERIOD + pat.off : a;
    for (let c = 0; c < n0; c++) out[i++] = y1 * L0 + (pat.nu === 0 ? c * STRIPE_PERIOD + pat.off : c);
  }
  return out;
}

/**
 * The active plaquette A = O_μν(x) and the rectangle c = R(x) at the stripe sites (takeStripe order,
 * n = B·V/4 each) as the rows of one [2, n] tensor (tf.customGrad has one output; rows slice without
 * copying element by element), both wrapped to [−π, π); their derivatives are those of the unwrapped
 * loops.
 */
export function stripeLoops2D(links: tf.Tensor, pat: CouplingPattern): { A: tf.Tensor1D; c: tf.Tensor1D } {
  const dm = dims2D(links);
  const { B, L1, L0 } = dm;
  const V = L1 * L0;
  const s = pat.mu < pat.nu ? 1 : -1;
  const sites = stripeSites(pat, L1, L0);
  const ns = sites.length;
  const n = B * ns;
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor;
    const th = x.dataSync() as Float32Array;
    const out = new Float32Array(2 * n);
    // only the stripe's plaquettes and their neighbours at −ν̂ are needed
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < ns; i++) {
        const st = sites[i]!;
        const y1 = Math.floor(st / L0);
        const y0 = st % L0;
        const back = minusNu(pat.nu, y1, y0, L1, L0);
        const p = plaquetteAt(th, b * V, y1, y0, L1, L0);
        const q = plaquetteAt(th, b * V, Math.floor(back / L0), back % L0, L1, L0);
        out[b * ns + i] = wrap(s * p);
        out[n + b * ns + i] = wrap(s * (p + q));
      }
    }
    return {
      value: tf.tensor2d(out, [2, n]),
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
        const g = (dy as tf.Tensor).dataSync();
        const dP = new Float64Array(B * V);
        for (let b = 0; b < B; b++) {
          for (let i = 0; i < ns; i++) {
            const st = sites[i]!;
            const k = b * ns + i;
            dP[b * V + st] += s * (g[k]! + g[n + k]!);
            dP[b * V + minusNu(pat.nu, Math.floor(st / L0), st % L0, L1, L0)] += s * g[n + k]!;
          }
        }
        return [tf.tensor(plaquetteTranspose(dP, dm), x.shape)];
      },
    };
  });
  return tf.tidy(() => {
    const both = f(links) as tf.Tensor2D;
    return { A: tf.reshape(tf.slice(both, [0, 0], [1, n]), [n]) as tf.Tensor1D, c: tf.reshape(tf.slice(both, [1, 0], [1, n]), [n]) as tf.Tensor1D };
  });
}
