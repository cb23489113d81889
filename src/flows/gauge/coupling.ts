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
import { checkStripeLattice, frozenPlaquetteMask, putStripe, stripeSites2D, takeStripe, type CouplingPattern } from './masks.ts';
import { loopFeatures2D, stripeLoop2D } from './loops2d.ts';
import { addToStripe } from './stripe-update.ts';
import { jsKernel } from '../../backend/js-kernel.ts';
import type { CircularConvNet } from './conv.ts';

/** Conditioner input channels for a d-dimensional lattice: cos, sin of every plane + of the rectangle. */
export function contextChannels(dims: number): number {
  return 2 * planes(dims).length + 2;
}

/** Columns of the kernel context that the layer itself supplies (the rectangle angle for `energy`). */
export function loopColumns(kernel: CircleKernel): number {
  return kernel.kind === 'energy' ? 1 : 0;
}

/**
 * [c | m]: the column c [n] before the rows of m [n, k], as one hand-written op (wasm's concat along
 * the short inner axis copies row by row: 0.2 ms per call at n = 512, and its gradient is two slices).
 */
function prependColumn(c: tf.Tensor1D, m: tf.Tensor2D): tf.Tensor2D {
  const [n, k] = m.shape;
  if (c.shape[0] !== n) throw new Error(`prependColumn: ${c.shape[0]} entries for ${n} rows`);
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: jsKernel([n, k + 1], [args[0] as tf.Tensor, args[1] as tf.Tensor], (out, [cv, mv]) => {
      for (let i = 0; i < n; i++) {
        out[i * (k + 1)] = cv![i]!;
        out.set(mv!.subarray(i * k, (i + 1) * k), i * (k + 1) + 1);
      }
    }),
    gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
      const g = dy as tf.Tensor;
      return [
        jsKernel([n], [g], (out, [gv]) => {
          for (let i = 0; i < n; i++) out[i] = gv![i * (k + 1)]!;
        }),
        jsKernel([n, k], [g], (out, [gv]) => {
          for (let i = 0; i < n; i++) out.set(gv!.subarray(i * (k + 1) + 1, (i + 1) * (k + 1)), i * k);
        }),
      ];
    },
  }));
  return f(c, m) as tf.Tensor2D;
}

interface ShapeCache {
  /** where each feature channel is frozen context: [1, spatial…, 2(nPlanes + 1)] */
  mask: tf.Tensor;
  /** 2D fast path (loops2d.ts): the mask's values, [L1·L0·4] */
  maskValues?: Float32Array;
  /** 2D: the stripe's sites in takeStripe order (masks.ts, stripeSites2D) */
  stripeSites?: Int32Array;
}

export class U1GaugeCoupling implements Bijector<tf.Tensor> {
  readonly variables: tf.Variable[];
  /** 2D: the hand-written loop kernels of loops2d.ts (tests switch them off to compare with the general path) */
  useLoopKernels = true;
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
      // kept: created inside the caller's tidy but living as long as the layer
      c = tf.tidy((): tf.TensorContainer => {
        const sites = links.shape.slice(1, -1);
        const active = putStripe(takeStripe(tf.ones([1, ...sites, 1]), this.dims, this.pattern), this.dims, this.pattern);
        const ctx = tf.concat([frozenPlaquetteMask(lattice, this.pattern), active], this.dims + 1);
        const mask = tf.keep(tf.concat([ctx, ctx], this.dims + 1)); // the same for cos and sin
        return { mask } as unknown as tf.TensorContainer;
      }) as unknown as ShapeCache;
      if (this.dims === 2) {
        c.maskValues = c.mask.dataSync() as Float32Array; // loops2d.ts reads it per call
        c.stripeSites = stripeSites2D(this.pattern, links.shape[1]!, links.shape[2]!);
      }
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
   * cos then sin, zeroed where the loop is not frozen. In 2D the features and the stripe's loops come
   * from the hand-written kernels of loops2d.ts; in d > 2 from shifts of the link tensor.
   */
  private prepare(links: tf.Tensor): { A: tf.Tensor1D; ctx: tf.Tensor2D } {
    const sd = this.shapeData(links);
    const d = this.dims;
    const last = d + 1;
    const withLoop = loopColumns(this.kernel) > 0;
    if (sd.maskValues && this.useLoopKernels) {
      // the conditioner's output on the stripe only: [B·V/4, C] in takeStripe order
      const params = this.conditioner.apply(loopFeatures2D(links, this.pattern, sd.maskValues), sd.stripeSites) as tf.Tensor2D;
      const A = stripeLoop2D(links, this.pattern, 'plaquette');
      if (!withLoop) return { A, ctx: params };
      return { A, ctx: prependColumn(stripeLoop2D(links, this.pattern, 'rectangle'), params) };
    }
    const { channel, sign } = this.activePlane();
    const { mu, nu } = this.pattern;
    const Aplane = orientedPlaquette(links, d, mu, nu);
    const rect = tf.add(Aplane, shiftSites(Aplane, d, nu, -1)); // O_μν(x) + O_μν(x − ν̂)
    const angles = tf.concat([allPlaquettes(links, d), tf.expandDims(rect, last)], last); // [B, spatial…, nPlanes + 1]
    const out = this.conditioner.apply(tf.mul(tf.concat([tf.cos(angles), tf.sin(angles)], last), sd.mask));
    const C = out.shape[last]!;
    const params = tf.reshape(takeStripe(out, d, this.pattern), [-1, C]) as tf.Tensor2D;
    const nA = angles.shape[last]!;
    const stripe = wrapAngle(tf.reshape(takeStripe(angles, d, this.pattern), [-1, nA]));
    // the stored plaquette of the active plane, oriented as O_μν
    const A = tf.reshape(tf.slice(stripe, [0, channel], [-1, 1]), [-1]);
    const Aor = (sign === 1 ? A : wrapAngle(tf.neg(A))) as tf.Tensor1D;
    if (!withLoop) return { A: Aor, ctx: params };
    const c = tf.slice(stripe, [0, nA - 1], [-1, 1]);
    return { A: Aor, ctx: tf.concat([c, params], 1) as tf.Tensor2D };
  }

  private perSample(t: tf.Tensor1D, batch: number): tf.Tensor1D {
    return tf.sum(tf.reshape(t, [batch, -1]), 1) as tf.Tensor1D;
  }

  /**
   * The per-sample ok flag (1 where every active link's map succeeded) as a fresh tensor from the
   * data: it has no gradient, and detached from the kernels' outputs the tape neither differentiates
   * the minimum nor the comparisons and casts downstream of it.
   */
  private perSampleOk(ok: tf.Tensor1D, batch: number): tf.Tensor1D {
    const v = ok.dataSync();
    const per = v.length / batch;
    const out = new Float32Array(batch).fill(1);
    for (let b = 0; b < batch; b++) for (let i = 0; i < per; i++) out[b] = Math.min(out[b]!, v[b * per + i]!);
    return tf.tensor1d(out);
  }

  forward(links: tf.Tensor): BijectorForward<tf.Tensor> {
    return tf.tidy(() => {
      const B = links.shape[0]!;
      const { A, ctx } = this.prepare(links);
      const r = this.kernel.forward(A, ctx);
      return {
        y: addToStripe(links, tf.sub(r.y, A), this.dims, this.pattern),
        logdet: this.perSample(r.logdet, B),
        ok: this.perSampleOk(r.ok, B),
      };
    });
  }

  inverse(links: tf.Tensor): BijectorInverse<tf.Tensor> {
    return tf.tidy(() => {
      const B = links.shape[0]!;
      const { A, ctx } = this.prepare(links);
      const r = this.kernel.inverse(A, ctx);
      return {
        x: addToStripe(links, tf.sub(r.x, A), this.dims, this.pattern),
        logdet: this.perSample(r.logdet, B),
        ok: this.perSampleOk(r.ok, B),
      };
    });
  }

  dispose(): void {
    for (const c of this.cache.values()) c.mask.dispose();
    this.cache.clear();
    this.conditioner.dispose();
    tf.dispose(this.kernel.variables);
  }
}
