/**
 * The U(1) gauge-equivariant coupling layer (Kanwar et al. 2020's construction with a pluggable
 * kernel; docs/design.md, "Gauge-equivariant coupling layers"): MaskedCoupling(mask, conditioner,
 * kernel) on link fields.
 *
 * For the pattern (μ, ν, off) of masks.ts, every active plaquette angle A = O_μν(x) (x_ν ≡ off) is
 * mapped by a bijection of the circle, A′ = h(A; c(x)), whose parameters come from a circular CNN
 * on gauge-invariant frozen context (cos, sin of the frozen plaquettes of every plane, and of the
 * 1×2 rectangle around the active link). The active link then moves by δ = A′ − A, which changes A
 * to A′. Consequences:
 *  - Gauge equivariance: A, the context and hence δ are gauge invariant, and adding an invariant
 *    angle to θ_μ(x) commutes with θ_μ(x) → θ_μ(x) + α(x) − α(x+μ̂).
 *  - Triangular Jacobian: A contains one active link and the context none, so ∂θ′_μ(x)/∂θ_μ(y) =
 *    δ_xy h′(A(x)); log|det| = Σ_x log h′(A(x)) — per sample, with respect to the product of Haar
 *    measures (uniform angles), which is also Lebesgue in the angles.
 * Nothing here depends on the lattice size: masks are built per lattice shape on first use, so a
 * layer trained on L^d runs on any L′^d (multiples of 4).
 */
import { tf } from '../../backend/index.ts';
import { makeLattice } from '../../../lattices/geometry.ts';
import type { Bijector, BijectorForward, BijectorInverse } from '../bijector.ts';
import type { CircleKernel } from '../circle/kernel.ts';
import { wrapAngle } from '../../manifolds/torus.ts';
import { allPlaquettes, orientedPlaquette, planes, shiftSites } from './layout.ts';
import { circularPad, conv2dValid } from './conv.ts';
import { checkStripeLattice, frozenPlaquetteMask, putStripe, takeStripe, type CouplingPattern } from './masks.ts';
import type { CircularConvNet } from './conv.ts';

/** Conditioner input channels for a d-dimensional lattice: cos, sin of every plane + of the rectangle. */
export function contextChannels(dims: number): number {
  return 2 * planes(dims).length + 2;
}

/** Columns of the kernel context that the layer itself supplies (the rectangle angle for `energy`). */
export function loopColumns(kernel: CircleKernel): number {
  return kernel.kind === 'energy' ? 1 : 0;
}

interface ShapeCache {
  /** where each feature channel is frozen context: [1, spatial…, 2(nPlanes + 1)] */
  mask: tf.Tensor;
  /** 2D fast path: the mask with the conditioner's periodic padding, and the fixed loop stencil */
  maskPadded?: tf.Tensor;
  stencil?: tf.Tensor4D;
}

export class U1GaugeCoupling implements Bijector<tf.Tensor> {
  readonly variables: tf.Variable[];
  /** 2D stencil path on when the lattice allows it (tests switch it off to compare both paths) */
  useStencil = true;
  private readonly cache = new Map<string, ShapeCache>();

  constructor(
    readonly dims: number,
    readonly pattern: CouplingPattern,
    readonly conditioner: CircularConvNet,
    readonly kernel: CircleKernel,
  ) {
    const { mu, nu, off } = pattern;
    if (mu === nu || mu < 0 || nu < 0 || mu >= dims || nu >= dims || off < 0 || off > 3) {
      throw new Error(`gauge coupling: invalid pattern μ=${mu}, ν=${nu}, off=${off} for d=${dims}`);
    }
    if (conditioner.inChannels !== contextChannels(dims)) {
      throw new Error(`gauge coupling: conditioner takes ${conditioner.inChannels} channels, the ${dims}D context has ${contextChannels(dims)}`);
    }
    const want = kernel.contextSize - loopColumns(kernel);
    if (conditioner.outChannels !== want) {
      throw new Error(`gauge coupling: conditioner gives ${conditioner.outChannels} channels, the ${kernel.kind} kernel needs ${want}`);
    }
    this.variables = [...conditioner.variables, ...kernel.variables];
  }

  /** The active plane's channel among the plaquette planes, and the orientation of O_μν in it. */
  private activePlane(): { channel: number; sign: number } {
    const { mu, nu } = this.pattern;
    const [a, b] = mu < nu ? [mu, nu] : [nu, mu];
    return { channel: planes(this.dims).findIndex(([p, q]) => p === a && q === b), sign: mu < nu ? 1 : -1 };
  }

  /** 2D with the conditioner's reach + 1 within the lattice: features from one padded copy of the links. */
  private fast2D(extents: readonly number[]): boolean {
    return this.useStencil && this.dims === 2 && this.conditioner.reach + 1 <= Math.min(...extents);
  }

  private shapeData(links: tf.Tensor): ShapeCache {
    if (links.rank !== this.dims + 2 || links.shape[links.rank - 1] !== this.dims) {
      throw new Error(`gauge coupling (${this.dims}D): links must have shape [B, L…(${this.dims}), ${this.dims}], got [${links.shape.join(', ')}]`);
    }
    const extents = links.shape.slice(1, -1).reverse() as number[];
    const key = `${extents.join('x')}/${this.fast2D(extents)}`;
    let c = this.cache.get(key);
    if (!c) {
      const lattice = makeLattice(extents);
      checkStripeLattice(lattice);
      // kept: created inside the caller's tidy but living as long as the layer
      c = tf.tidy((): tf.TensorContainer => {
        const sites = links.shape.slice(1, -1);
        const active = putStripe(takeStripe(tf.ones([1, ...sites, 1]), this.dims, this.pattern), this.dims, this.pattern);
        const ctx = tf.concat([frozenPlaquetteMask(lattice, this.pattern), active], this.dims + 1);
        const mask = tf.keep(tf.concat([ctx, ctx], this.dims + 1)); // the same for cos and sin
        const out: ShapeCache = { mask };
        if (this.fast2D(extents)) {
          out.maskPadded = tf.keep(circularPad(mask, this.conditioner.reach));
          out.stencil = tf.keep(loopStencil2D(this.pattern));
        }
        return out as unknown as tf.TensorContainer;
      }) as unknown as ShapeCache;
      this.cache.set(key, c);
    }
    return c;
  }

  /**
   * Gauge-invariant quantities shared by forward and inverse: the active plaquette angles (wrapped,
   * [n]) and the kernel context [n, contextSize]. Only frozen loops enter the context, so it is the
   * same before and after the layer.
   *
   * Loop angles: every plaquette plane, then the rectangle O_μν(x) + O_μν(x − ν̂); features are their
   * cos then sin, zeroed where the loop is not frozen. In 2D (when the lattice is large enough) the
   * angles come from one periodically padded copy of the links through a fixed ±1 stencil
   * convolution, already padded for the conditioner — a few large ops instead of dozens of shifts.
   */
  private prepare(links: tf.Tensor): { A: tf.Tensor1D; ctx: tf.Tensor2D } {
    const sd = this.shapeData(links);
    const d = this.dims;
    const last = d + 1;
    const { channel, sign } = this.activePlane();
    let angles: tf.Tensor; // on the lattice: [B, spatial…, nPlanes + 1]
    let out: tf.Tensor;
    if (sd.stencil && sd.maskPadded) {
      const reach = this.conditioner.reach;
      const padded = conv2dValid(circularPad(links, reach + 1) as tf.Tensor4D, sd.stencil);
      out = this.conditioner.applyPadded(tf.mul(tf.concat([tf.cos(padded), tf.sin(padded)], last), sd.maskPadded));
      const [B, H, W] = links.shape as number[];
      angles = tf.slice(padded, [0, reach, reach, 0], [B!, H!, W!, 2]);
    } else {
      const { mu, nu } = this.pattern;
      const A = orientedPlaquette(links, d, mu, nu);
      const rect = tf.add(A, shiftSites(A, d, nu, -1)); // O_μν(x) + O_μν(x − ν̂)
      angles = tf.concat([allPlaquettes(links, d), tf.expandDims(rect, last)], last);
      out = this.conditioner.apply(tf.mul(tf.concat([tf.cos(angles), tf.sin(angles)], last), sd.mask));
    }
    const C = out.shape[last]!;
    const params = tf.reshape(takeStripe(out, d, this.pattern), [-1, C]) as tf.Tensor2D;
    const nA = angles.shape[last]!;
    const stripe = wrapAngle(tf.reshape(takeStripe(angles, d, this.pattern), [-1, nA]));
    // the stored plaquette of the active plane, oriented as O_μν
    const A = tf.reshape(tf.slice(stripe, [0, channel], [-1, 1]), [-1]);
    const Aor = (sign === 1 ? A : wrapAngle(tf.neg(A))) as tf.Tensor1D;
    if (loopColumns(this.kernel) === 0) return { A: Aor, ctx: params };
    const c = tf.slice(stripe, [0, nA - 1], [-1, 1]);
    return { A: Aor, ctx: tf.concat([c, params], 1) as tf.Tensor2D };
  }

  /** Add δ (one value per active plaquette, [n]) to the active links and wrap. */
  private moveLinks(links: tf.Tensor, delta: tf.Tensor): tf.Tensor {
    const d = this.dims;
    const stripeShape = takeStripeShape(links.shape.slice(0, -1), d, this.pattern);
    const full = putStripe(tf.reshape(delta, stripeShape), d, this.pattern);
    // δ into link component μ (as a [sites, 1] → [sites, d] pad: rank 2 whatever d)
    const onMu = tf.pad(tf.reshape(full, [-1, 1]), [[0, 0], [this.pattern.mu, d - 1 - this.pattern.mu]]);
    return wrapAngle(tf.add(links, tf.reshape(onMu, links.shape)));
  }

  private perSample(t: tf.Tensor1D, batch: number, reduce: 'sum' | 'min'): tf.Tensor1D {
    const r = tf.reshape(t, [batch, -1]);
    return (reduce === 'sum' ? tf.sum(r, 1) : tf.min(r, 1)) as tf.Tensor1D;
  }

  forward(links: tf.Tensor): BijectorForward<tf.Tensor> {
    return tf.tidy(() => {
      const B = links.shape[0]!;
      const { A, ctx } = this.prepare(links);
      const r = this.kernel.forward(A, ctx);
      return {
        y: this.moveLinks(links, tf.sub(r.y, A)),
        logdet: this.perSample(r.logdet, B, 'sum'),
        ok: this.perSample(r.ok, B, 'min'),
      };
    });
  }

  inverse(links: tf.Tensor): BijectorInverse<tf.Tensor> {
    return tf.tidy(() => {
      const B = links.shape[0]!;
      const { A, ctx } = this.prepare(links);
      const r = this.kernel.inverse(A, ctx);
      return {
        x: this.moveLinks(links, tf.sub(r.x, A)),
        logdet: this.perSample(r.logdet, B, 'sum'),
        ok: this.perSample(r.ok, B, 'min'),
      };
    });
  }

  dispose(): void {
    for (const c of this.cache.values()) tf.dispose([c.mask, ...(c.maskPadded ? [c.maskPadded] : []), ...(c.stencil ? [c.stencil] : [])]);
    this.cache.clear();
    this.conditioner.dispose();
    tf.dispose(this.kernel.variables);
  }
}

/**
 * The fixed 3×3 stencil [x₁ offset, x₀ offset, link direction, loop] of the 2D loops on the link
 * tensor, the same loops as the general path: loop 0 = the stored plaquette O_01(x), loop 1 = the
 * rectangle O_μν(x) + O_μν(x − ν̂). Offsets o ∈ {−1, 0, 1} sit at index o + 1.
 */
export function loopStencil2D(pat: CouplingPattern): tf.Tensor4D {
  const w = new Float32Array(3 * 3 * 2 * 2);
  const at = (o: number[], dir: number, loop: number, v: number) => {
    // o[a] is the offset along x_a; axis 1 of the tensor is x₁, axis 2 is x₀
    w[(((o[1]! + 1) * 3 + (o[0]! + 1)) * 2 + dir) * 2 + loop] += v;
  };
  const unit = (a: number) => [a === 0 ? 1 : 0, a === 1 ? 1 : 0];
  const add = (u: number[], v: number[]) => [u[0]! + v[0]!, u[1]! + v[1]!];
  // O_μν(x + s) = θ_μ(x+s) + θ_ν(x+s+μ̂) − θ_μ(x+s+ν̂) − θ_ν(x+s)
  const plaquette = (mu: number, nu: number, s: number[], loop: number) => {
    at(s, mu, loop, 1);
    at(add(s, unit(mu)), nu, loop, 1);
    at(add(s, unit(nu)), mu, loop, -1);
    at(s, nu, loop, -1);
  };
  plaquette(0, 1, [0, 0], 0);
  plaquette(pat.mu, pat.nu, [0, 0], 1);
  plaquette(pat.mu, pat.nu, unit(pat.nu).map((v) => -v), 1);
  return tf.tensor4d(w, [3, 3, 2, 2]);
}

function takeStripeShape(siteShape: number[], dims: number, pat: CouplingPattern): number[] {
  const s = siteShape.slice();
  s[dims - pat.nu] = s[dims - pat.nu]! / 4;
  return s;
}
