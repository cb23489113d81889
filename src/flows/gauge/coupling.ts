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
import { makeLattice, type Lattice } from '../../../lattices/geometry.ts';
import type { Bijector, BijectorForward, BijectorInverse } from '../bijector.ts';
import type { CircleKernel } from '../circle/kernel.ts';
import { wrapAngle } from '../../manifolds/torus.ts';
import { allPlaquettes, orientedPlaquette, planes, shiftSites } from './layout.ts';
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
  lattice: Lattice;
  frozen: tf.Tensor;
  /** 1 at active sites x_ν ≡ off: [1, spatial…, 1] */
  activeSites: tf.Tensor;
}

export class U1GaugeCoupling implements Bijector<tf.Tensor> {
  readonly variables: tf.Variable[];
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

  private shapeData(links: tf.Tensor): ShapeCache {
    if (links.rank !== this.dims + 2 || links.shape[links.rank - 1] !== this.dims) {
      throw new Error(`gauge coupling (${this.dims}D): links must have shape [B, L…(${this.dims}), ${this.dims}], got [${links.shape.join(', ')}]`);
    }
    const extents = links.shape.slice(1, -1).reverse() as number[];
    const key = extents.join('x');
    let c = this.cache.get(key);
    if (!c) {
      const lattice = makeLattice(extents);
      checkStripeLattice(lattice);
      // kept: these are created inside the caller's tidy but live as long as the layer
      const activeSites = tf.keep(tf.tidy(() => putStripe(takeStripe(tf.ones([1, ...links.shape.slice(1, -1), 1]), this.dims, this.pattern), this.dims, this.pattern)));
      c = { lattice, frozen: tf.keep(frozenPlaquetteMask(lattice, this.pattern)), activeSites };
      this.cache.set(key, c);
    }
    return c;
  }

  /**
   * Gauge-invariant quantities shared by forward and inverse: the active plaquette angles (wrapped,
   * [n]), the kernel context [n, contextSize] and the batch size. Only frozen loops enter the context,
   * so it is the same before and after the layer.
   */
  private prepare(links: tf.Tensor): { A: tf.Tensor1D; ctx: tf.Tensor2D } {
    const { frozen, activeSites } = this.shapeData(links);
    const { mu, nu } = this.pattern;
    const d = this.dims;
    const Afull = orientedPlaquette(links, d, mu, nu);
    const rect = tf.add(Afull, shiftSites(Afull, d, nu, -1)); // O_μν(x) + O_μν(x − ν̂)
    const P = allPlaquettes(links, d);
    const last = P.rank - 1;
    const rectE = tf.expandDims(rect, last);
    const feats = tf.concat(
      [tf.mul(tf.cos(P), frozen), tf.mul(tf.sin(P), frozen), tf.mul(tf.cos(rectE), activeSites), tf.mul(tf.sin(rectE), activeSites)],
      last,
    );
    const out = this.conditioner.apply(feats);
    const C = out.shape[last]!;
    const params = tf.reshape(takeStripe(out, d, this.pattern), [-1, C]);
    const A = tf.reshape(wrapAngle(takeStripe(Afull, d, this.pattern)), [-1]) as tf.Tensor1D;
    let ctx = params as tf.Tensor2D;
    if (loopColumns(this.kernel) === 1) {
      const c = tf.reshape(wrapAngle(takeStripe(rect, d, this.pattern)), [-1, 1]);
      ctx = tf.concat([c, params], 1) as tf.Tensor2D;
    }
    return { A, ctx };
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
    for (const c of this.cache.values()) tf.dispose([c.frozen, c.activeSites]);
    this.cache.clear();
    this.conditioner.dispose();
    tf.dispose(this.kernel.variables);
  }
}

function takeStripeShape(siteShape: number[], dims: number, pat: CouplingPattern): number[] {
  const s = siteShape.slice();
  s[dims - pat.nu] = s[dims - pat.nu]! / 4;
  return s;
}
