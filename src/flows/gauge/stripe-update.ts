/**
 * The link update of a U(1) coupling layer as one hand-written kernel: add δ (one angle per active
 * plaquette, in takeStripe order) to the active links U_μ(x), x_ν ≡ off (mod 4), and wrap every angle
 * to [−π, π). As tf ops this was a stripe pad, a direction pad, an add and a five-op wrap per layer
 * and as many again under the gradient tape; the wrap's derivative is 1, so the gradient is the
 * identity for the links and the active links' entries of dy for δ.
 */
import { tf } from '../../backend/index.ts';
import { jsKernel } from '../../backend/js-kernel.ts';
import { STRIPE_PERIOD, type CouplingPattern } from './masks.ts';

const TWO_PI = 2 * Math.PI;

/** Link indices (within one field, layout.ts order) of the active links, in takeStripe order. */
export function activeLinkIndices(siteShape: readonly number[], dims: number, pat: CouplingPattern): Int32Array {
  // siteShape = [L_{d−1}, …, L_0]; x_ν lives on axis d − 1 − ν of it, with stride Π_{a<ν} L_a
  const Lnu = siteShape[dims - 1 - pat.nu]!;
  if (Lnu % STRIPE_PERIOD !== 0) throw new Error(`stripe update: extent ${Lnu} along x_${pat.nu} is not a multiple of ${STRIPE_PERIOD}`);
  let post = 1;
  for (let a = 0; a < pat.nu; a++) post *= siteShape[dims - 1 - a]!;
  const V = siteShape.reduce((a, b) => a * b, 1);
  const n = V / STRIPE_PERIOD;
  const nStripe = Lnu / STRIPE_PERIOD;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const lo = i % post;
    const t = Math.floor(i / post);
    const x = (t % nStripe) * STRIPE_PERIOD + pat.off;
    const hi = Math.floor(t / nStripe);
    out[i] = ((hi * Lnu + x) * post + lo) * dims + pat.mu;
  }
  return out;
}

/** out = wrap(x + δ on the active links idx of each of the B fields (per link angles each)). */
function addAndWrap(x: Float32Array, delta: Float32Array, out: Float32Array, idx: Int32Array, B: number, per: number): void {
  out.set(x);
  const n = idx.length;
  for (let b = 0; b < B; b++) for (let i = 0; i < n; i++) out[b * per + idx[i]!] += delta[b * n + i]!;
  for (let k = 0; k < out.length; k++) {
    const a = out[k]!;
    out[k] = a - TWO_PI * Math.floor((a + Math.PI) / TWO_PI);
  }
}

/** wrap(links + δ on the active links), links [B, spatial…, d], δ [B·V/4]. */
export function addToStripe(links: tf.Tensor, delta: tf.Tensor, dims: number, pat: CouplingPattern): tf.Tensor {
  if (links.rank !== dims + 2 || links.shape[dims + 1] !== dims) throw new Error(`stripe update (${dims}D): links must have shape [B, L…(${dims}), ${dims}], got [${links.shape.join(', ')}]`);
  const B = links.shape[0]!;
  const idx = activeLinkIndices(links.shape.slice(1, -1), dims, pat);
  const per = links.size / B;
  const n = idx.length;
  if (delta.size !== B * n) throw new Error(`stripe update: δ has ${delta.size} entries, expected ${B * n}`);
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, d] = args as [tf.Tensor, tf.Tensor];
    return {
      value: jsKernel(x.shape, [x, d], (out, [xv, dv]) => addAndWrap(xv!, dv!, out, idx, B, per)),
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => [
        tf.clone(dy as tf.Tensor),
        jsKernel(d.shape, [dy as tf.Tensor], (out, [g]) => {
          for (let b = 0; b < B; b++) for (let i = 0; i < n; i++) out[b * n + i] = g![b * per + idx[i]!]!;
        }),
      ],
    };
  });
  return f(links, delta);
}
