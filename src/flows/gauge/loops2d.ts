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
import { jsKernel } from '../../backend/js-kernel.ts';
import { wrapAngle64 } from '../circle/solve.ts';
import type { CouplingPattern } from './masks.ts';
import { stripeSites2D } from './masks.ts';

const TWO_PI = 2 * Math.PI;

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
export function plaquetteAt(th: Float32Array, o: number, y1: number, y0: number, L1: number, L0: number): number {
  const s = o + y1 * L0 + y0;
  const right = o + y1 * L0 + ((y0 + 1) % L0);
  const up = o + ((y1 + 1) % L1) * L0 + y0;
  return th[2 * s]! + th[2 * right + 1]! - th[2 * up]! - th[2 * s + 1]!;
}

/** Float64 scratch reused across calls (one thread per module instance): no fresh allocation per layer. */
let scratch = new Float64Array(0);
function scratchF64(n: number): Float64Array {
  if (scratch.length < n) scratch = new Float64Array(n);
  return scratch;
}

/** The site offset of −ν̂ (periodic) for site (y1, y0): the rectangle's second plaquette. */
function minusNu(nu: number, y1: number, y0: number, L1: number, L0: number): number {
  return nu === 1 ? ((y1 + L1 - 1) % L1) * L0 + y0 : y1 * L0 + ((y0 + L0 - 1) % L0);
}

const INV_TWO_PI = 1 / TWO_PI;

/**
 * out[k] = cos a, out[k + 1] = sin a, for the loop angles here (|a| ≤ 4π): a is reduced to
 * r ∈ [−π, π], the half angle h = r/2 ∈ [−π/2, π/2] goes through Taylor polynomials of degree 15
 * (sin) and 14 (cos), and cos a = cos²h − sin²h, sin a = 2 sin h cos h. No branch, and 3× faster than
 * Math.cos plus Math.sin on this machine; within 2e-10 of them (test/flows/gauge/loops2d.test.ts),
 * far below float32's resolution.
 */
export function sinCos(a: number, out: Float64Array, k: number): void {
  const h = 0.5 * (a - TWO_PI * Math.round(a * INV_TWO_PI));
  const h2 = h * h;
  const sh = h * (1 + h2 * (-1 / 6 + h2 * (1 / 120 + h2 * (-1 / 5040 + h2 * (1 / 362880 + h2 * (-1 / 39916800 + h2 * (1 / 6227020800 + h2 * (-1 / 1307674368000))))))));
  const ch = 1 + h2 * (-1 / 2 + h2 * (1 / 24 + h2 * (-1 / 720 + h2 * (1 / 40320 + h2 * (-1 / 3628800 + h2 * (1 / 479001600 + h2 * (-1 / 87178291200)))))));
  out[k] = ch * ch - sh * sh;
  out[k + 1] = 2 * sh * ch;
}

/**
 * The unmasked features (cos P, cos R, sin P, sin R) at every field and site, trig[4i..4i + 4) (i in
 * site order): cos and sin of each plaquette once, then those of R = s(P + P′), P′ = P(x − ν̂), by the
 * angle-addition formulas.
 */
function loopTrig(th: Float32Array, trig: Float64Array, { B, L1, L0 }: Dims2D, nu: number, s: number): void {
  const V = L1 * L0;
  for (let b = 0; b < B; b++) for (let y1 = 0; y1 < L1; y1++) for (let y0 = 0; y0 < L0; y0++) sinCos(plaquetteAt(th, b * V, y1, y0, L1, L0), trig, 4 * (b * V + y1 * L0 + y0));
  // sinCos wrote (cos P, sin P) to slots 0 and 1; move sin P to slot 2 and fill R into 1 and 3
  for (let i = 0; i < B * V; i++) trig[4 * i + 2] = trig[4 * i + 1]!;
  for (let b = 0; b < B; b++) {
    for (let y1 = 0; y1 < L1; y1++) {
      for (let y0 = 0; y0 < L0; y0++) {
        const k = 4 * (b * V + y1 * L0 + y0);
        const kq = 4 * (b * V + minusNu(nu, y1, y0, L1, L0));
        const c = trig[k]!;
        const sn = trig[k + 2]!;
        const cq = trig[kq]!;
        const sq = trig[kq + 2]!;
        trig[k + 1] = c * cq - sn * sq;
        trig[k + 3] = s * (sn * cq + c * sq);
      }
    }
  }
}

/**
 * dP (float64, zeroed) from the features' cotangent g: through the mask and the trigonometry onto
 * the loops (d cos L = −sin L dL, d sin L = cos L dL), then onto the plaquettes (R = s(P + P′)).
 */
function featureBackward(g: Float32Array, trig: Float64Array, mask: Float32Array, dP: Float64Array, { B, L1, L0 }: Dims2D, nu: number, s: number): void {
  const V = L1 * L0;
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
        dP[o + minusNu(nu, y1, y0, L1, L0)] += s * dLoop1;
      }
    }
  }
}

/** dθ from dP: the transpose of the plaquette map (dθ_0(y) = dP(y) − dP(y − 1̂), dθ_1(y) = dP(y − 0̂) − dP(y)). */
function plaquetteTranspose(dP: Float64Array, out: Float32Array, { B, L1, L0 }: Dims2D): void {
  const V = L1 * L0;
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
}

/**
 * Conditioner input of a 2D layer: [B, L1, L0, 4] with channels (cos P, cos R, sin P, sin R) times
 * `mask` ([L1·L0·4], 1 where the loop is frozen context). The gradient recomputes the plaquettes'
 * cos and sin from the saved links, so a pass without gradients keeps nothing.
 */
export function loopFeatures2D(links: tf.Tensor, pat: CouplingPattern, mask: Float32Array): tf.Tensor4D {
  const dm = dims2D(links);
  const { B, L1, L0 } = dm;
  const V = L1 * L0;
  if (mask.length !== V * 4) throw new Error(`loopFeatures2D: mask has ${mask.length} entries, expected ${V * 4}`);
  const s = pat.mu < pat.nu ? 1 : -1;
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([x]);
    return {
      value: jsKernel([B, L1, L0, 4], [x], (out, [th]) => {
        const trig = scratchF64(4 * B * V);
        loopTrig(th!, trig, dm, pat.nu, s);
        for (let k = 0; k < 4 * B * V; k++) out[k] = trig[k]! * mask[k % (4 * V)]!;
      }),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) =>
        [jsKernel(x.shape, [dy as tf.Tensor, saved[0]!], (out, [g, th]) => {
          const work = scratchF64(5 * B * V);
          const trig = work.subarray(0, 4 * B * V);
          const dP = work.subarray(4 * B * V, 5 * B * V);
          dP.fill(0);
          loopTrig(th!, trig, dm, pat.nu, s);
          featureBackward(g!, trig, mask, dP, dm, pat.nu, s);
          plaquetteTranspose(dP, out, dm);
        })],
    };
  });
  return f(links) as tf.Tensor4D;
}

export type StripeLoop = 'plaquette' | 'rectangle';

/** The loop at the stripe sites, wrapped: A = s·P, or R = s(P + P(x − ν̂)) (only the plaquettes it needs). */
function stripeLoopValues(th: Float32Array, out: Float32Array, sites: Int32Array, { B, L1, L0 }: Dims2D, nu: number, s: number, rect: boolean): void {
  const V = L1 * L0;
  const ns = sites.length;
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < ns; i++) {
      const st = sites[i]!;
      const y1 = Math.floor(st / L0);
      const y0 = st % L0;
      let loop = plaquetteAt(th, b * V, y1, y0, L1, L0);
      if (rect) {
        const back = minusNu(nu, y1, y0, L1, L0);
        loop += plaquetteAt(th, b * V, Math.floor(back / L0), back % L0, L1, L0);
      }
      out[b * ns + i] = wrapAngle64(s * loop);
    }
  }
}

/**
 * One loop through the active link at the stripe sites (takeStripe order, n = B·V/4): the active
 * plaquette A = O_μν(x) ('plaquette') or the rectangle R(x) = O_μν(x) + O_μν(x − ν̂) ('rectangle'),
 * wrapped to [−π, π); the derivatives are those of the unwrapped loop. One op per loop, so that a
 * kernel without the rectangle never computes it, and neither is sliced out of a shared tensor
 * (four more ops per layer under the tape).
 */
export function stripeLoop2D(links: tf.Tensor, pat: CouplingPattern, loop: StripeLoop): tf.Tensor1D {
  const dm = dims2D(links);
  const { B, L1, L0 } = dm;
  const V = L1 * L0;
  const s = pat.mu < pat.nu ? 1 : -1;
  const rect = loop === 'rectangle';
  const sites = stripeSites2D(pat, L1, L0);
  const ns = sites.length;
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor;
    return {
      value: jsKernel([B * ns], [x], (out, [th]) => stripeLoopValues(th!, out, sites, dm, pat.nu, s, rect)),
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) =>
        [jsKernel(x.shape, [dy as tf.Tensor], (out, [g]) => {
          const dP = scratchF64(B * V);
          dP.fill(0, 0, B * V);
          for (let b = 0; b < B; b++) {
            for (let i = 0; i < ns; i++) {
              const st = sites[i]!;
              const d = s * g![b * ns + i]!;
              dP[b * V + st] += d;
              if (rect) dP[b * V + minusNu(pat.nu, Math.floor(st / L0), st % L0, L1, L0)] += d;
            }
          }
          plaquetteTranspose(dP, out, dm);
        })],
    };
  });
  return f(links) as tf.Tensor1D;
}
