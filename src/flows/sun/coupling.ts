/**
 * The SU(N) gauge-equivariant spectral coupling layer (docs/design.md, "SU(N) spectral layer"): the
 * masks, stripes and conditioner of the U(1) coupling (src/flows/gauge/masks.ts, conv.ts), with the
 * circle kernel replaced by a spectral map on the untraced loop.
 *
 * For the pattern (μ, ν, off), at every active site x (x_ν ≡ off mod 4):
 *   W = U_μ(x) S(x), S the staple of P_μν(x); W = V diag(e^{iθ}) V†; θ′ = κ(θ; c(x));
 *   W′ = V diag(e^{iθ′}) V†; U_μ(x)′ = W′ S(x)†.
 * S contains no active link, c(x) comes from a circular CNN on conjugation-invariant features of the
 * frozen plaquettes (Re, Im tr Pᵏ, k = 1…K, zero where a plaquette contains an active link), so
 *  - gauge equivariance: W → Ω(x) W Ω(x)†, S → Ω(x+μ̂) S Ω(x)†, θ and c unchanged, V → Ω(x) V, hence
 *    U′ → Ω(x) U′ Ω(x+μ̂)†;
 *  - the Jacobian is block-triangular (each active link moves with its own loop) and right
 *    multiplication by S keeps Haar measure: log|det| = Σ_x [log det ∂θ′/∂θ + log|Δ(θ′)|² − log|Δ(θ)|²]
 *    (src/flows/sun/spectral.ts), w.r.t. the product of Haar measures.
 * κ is an IRCPM layer on the maximal torus whose potential ψ(θ; c) is an MLP of the power sums
 * tr Wᵏ and the context: permutation-invariant, so the layer does not depend on eigenvalue order.
 *
 * 'cnf' kernel (kernel: 'cnf'): κ is instead the time-1 map of dθ/dt = G⁻¹∇Φ(θ, t; c) (Katsman et
 * al.'s equivariant manifold flows, src/flows/cnf/), Φ an MLP of the same power sums, the time
 * features and the context, so again permutation-invariant; G = I + 11ᵀ is the maximal torus' metric,
 * under which permutations of the N phases are isometries. Its density is that of the discrete RK4
 * map actually applied (exact mode: float64 step Jacobians), its inverse Newton's method on every
 * step; under a gradient tape (training) both directions use the integrated divergence instead,
 * value and gradient, so training figures (loss, running ESS) are O(h⁴) off and ≈ 3× cheaper, while
 * the evaluation and MCMC draws see the exact density.
 *
 * 'energy' kernel (energyBeta = β): the active link also sits in the passive plaquette
 * P_μν(x−ν̂), whose trace is Re tr(U S′) with the lower staple S′ (frozen), so the Wilson action seen by
 * W with everything else fixed is −(β/N) Re tr(W A), A = 1 + S†S′ (S†S′ the frozen 1×2 rectangle
 * through the link, based at x; in d > 2 the other planes' plaquettes through U also hold a second
 * active link and are left to the learned part). With V kept, the exact conditional of the phases is
 * ∝ exp((β/N) Σ_j Re(a_j e^{iθ_j})) |Δ(θ)|², a_j = (V†AV)_jj: ψ gets Re, Im Σ_j a_j e^{iθ_j} as two
 * more features with a linear skip (src/flows/potentials.ts, eigenWeights; |Σ_j a_j e^{iθ_j}| ≤ 2β, so
 * the features enter the MLP divided by max(1, 2β), the skip unscaled). a_j is invariant under
 * V → V·diag(phases), permutes with the eigenvalues and transforms trivially under gauge
 * transformations (A → Ω(x) A Ω(x)†), so equivariance and the block-triangular Jacobian are kept.
 */
import { tf } from '../../backend/index.ts';
import { makeLattice } from '../../../lattices/geometry.ts';
import type { Bijector } from '../bijector.ts';
import { maximalTorus, type MaximalTorus } from '../../manifolds/maximal-torus.ts';
import { planes } from '../gauge/layout.ts';
import { checkStripeLattice, frozenPlaquetteMask, putStripe, takeStripe, type CouplingPattern, type StripeOrder } from '../gauge/masks.ts';
import { CircularConvNet } from '../gauge/conv.ts';
import { IRCPMLayer } from '../ircpm/layer.ts';
import { CNFLayer } from '../cnf/layer.ts';
import { Potential } from '../cnf/potential.ts';
import { defaultFeatures, geometryOf } from '../cnf/geometry.ts';
import { MLPPotential, powerSumFeatures } from '../potentials.ts';
import { traceFeatures, type CMat } from './complex.ts';
import { SpectralLayer } from './spectral.ts';
import { sunAdjoint, sunComponent, sunMul, sunMulAdj, sunPlaquette, sunReplaceComponent, sunShift, sunStaple, type CField } from './links.ts';

/** Conditioner input channels: Re, Im tr Pᵏ (k = 1…K) of every plane's plaquette. */
export function sunContextChannels(dims: number, powers: number): number {
  return 2 * powers * planes(dims).length;
}

export interface SUNCouplingOptions {
  /** powers K of the frozen plaquettes fed to the conditioner [2] */
  contextPowers?: number;
  /** conditioner hidden channels [[8]] */
  convHidden?: number[];
  /** conditioner kernel size [3] */
  kernelSize?: number;
  /** context channels the conditioner gives the potential [4] */
  contextDim?: number;
  /** potential MLP widths [[16, 16]] */
  hidden?: number[];
  /** power sums tr Wᵏ fed to ψ [2] */
  powers?: number;
  /** scale of the conditioner's last layer at initialisation (near-identity flow for small values) [0.01] */
  outScale?: number;
  /**
   * 'energy' kernel: the β of the Wilson action whose local part ψ sees (absent: the plain 'ircpm'
   * kernel). See the class comment.
   */
  energyBeta?: number;
  /** stripe offsets' order within a pass, used by makeSUNGaugeFlow (masks.ts); absent: 'ascending' */
  stripeOrder?: StripeOrder;
  /** the map on the maximal torus: 'ircpm' (absent) or 'cnf' (see the class comment; not with energyBeta) */
  kernel?: SUNTorusKernel;
  /** 'cnf' kernel: RK4 steps on [0, 1] [6] */
  cnfSteps?: number;
  /**
   * Flow-level (read by SUNGaugeFlow, not the layers): the flow's base is the 2D plaquette base at
   * this β (plaquette-base.ts); absent: Haar links.
   */
  baseBeta?: number;
}

export type SUNTorusKernel = 'ircpm' | 'cnf';
export const sunTorusKernels: readonly SUNTorusKernel[] = ['ircpm', 'cnf'];
/** RK4 steps of the 'cnf' kernel without `cnfSteps`. */
export const SUN_CNF_STEPS = 6;

/** The kernel's name as CLI results and model files report it: 'ircpm', 'energy' (ircpm fed the local action) or 'cnf'. */
export function sunKernelName(opts: SUNCouplingOptions | undefined): 'ircpm' | 'energy' | 'cnf' {
  if (opts?.kernel === 'cnf') return 'cnf';
  return opts?.energyBeta !== undefined ? 'energy' : 'ircpm';
}

export class SUNSpectralCoupling implements Bijector<CField> {
  readonly torus: MaximalTorus;
  readonly spectral: SpectralLayer;
  readonly conditioner: CircularConvNet;
  readonly kernel: IRCPMLayer | CNFLayer;
  readonly variables: tf.Variable[];
  readonly contextPowers: number;
  readonly energyBeta?: number;
  private readonly masks = new Map<string, tf.Tensor>();

  constructor(readonly dims: number, readonly N: number, readonly pattern: CouplingPattern, rng: () => number, opts: SUNCouplingOptions = {}) {
    const { mu, nu, off } = pattern;
    if (mu === nu || mu < 0 || nu < 0 || mu >= dims || nu >= dims || off < 0 || off > 3) {
      throw new Error(`SU(N) coupling: invalid pattern μ=${mu}, ν=${nu}, off=${off} for d=${dims}`);
    }
    this.torus = maximalTorus(N);
    this.contextPowers = opts.contextPowers ?? 2;
    const C = opts.contextDim ?? 4;
    this.conditioner = new CircularConvNet(dims, sunContextChannels(dims, this.contextPowers), opts.convHidden ?? [8], C, opts.kernelSize ?? 3, 'tanh', false, {
      rng,
      outScale: opts.outScale ?? 0.01,
    });
    if (opts.energyBeta !== undefined && !Number.isFinite(opts.energyBeta)) throw new Error(`SU(N) coupling: energyBeta must be a finite number, got ${opts.energyBeta}`);
    const kind = opts.kernel ?? 'ircpm';
    if (!sunTorusKernels.includes(kind)) throw new Error(`SU(N) coupling: kernel must be one of ${sunTorusKernels.join(', ')}, got ${String(opts.kernel)}`);
    if (kind === 'cnf' && opts.energyBeta !== undefined) throw new Error('SU(N) coupling: the energy-informed features exist for the ircpm kernel only, not cnf');
    this.energyBeta = opts.energyBeta;
    if (kind === 'cnf') {
      const steps = opts.cnfSteps ?? SUN_CNF_STEPS;
      if (!Number.isInteger(steps) || steps < 1) throw new Error(`SU(N) coupling: cnfSteps must be a positive integer, got ${String(opts.cnfSteps)}`);
      const potential = new Potential(
        { features: defaultFeatures(this.torus, opts.powers ?? 2, 'permutation'), hidden: opts.hidden ?? [16, 16], activation: 'tanh', timeHarmonics: 1, contextDim: C },
        rng,
      );
      // exact density for draws; under the training tape the integrated divergence (see CNFLayer)
      this.kernel = new CNFLayer(potential, geometryOf(this.torus), steps, 'exact', undefined, 'divergence');
    } else {
      const potential = new MLPPotential(
        { kind: 'mlp', inputDim: N - 1, features: powerSumFeatures(N, opts.powers ?? 2), hidden: opts.hidden ?? [16, 16], contextDim: C, ...(this.energyBeta !== undefined ? { eigenWeights: N, eigenFeatureScale: 1 / Math.max(1, 2 * Math.abs(this.energyBeta)) } : {}) },
        rng,
      );
      this.kernel = new IRCPMLayer(this.torus, potential);
    }
    this.spectral = new SpectralLayer(this.torus, this.kernel);
    this.variables = [...this.conditioner.variables, ...this.kernel.variables];
  }

  /** Frozen-plaquette mask, repeated for the 2K features of each plane: [1, spatial…, 2K·nPlanes]. */
  private mask(links: CField): tf.Tensor {
    const extents = links.re.shape.slice(1, 1 + this.dims).reverse() as number[];
    const key = extents.join('x');
    let m = this.masks.get(key);
    if (!m) {
      const lattice = makeLattice(extents);
      checkStripeLattice(lattice);
      const K2 = 2 * this.contextPowers;
      m = tf.tidy(() => {
        const fm = frozenPlaquetteMask(lattice, this.pattern); // [1, sp…, nPlanes]
        const P = fm.shape[fm.rank - 1]!;
        // (tile on the rank-3 view: wasm kernels refuse ranks above 6)
        const rep = tf.tile(tf.reshape(fm, [-1, P, 1]), [1, 1, K2]);
        return tf.keep(tf.reshape(rep, [1, ...fm.shape.slice(1, -1), P * K2]));
      });
      this.masks.set(key, m);
    }
    return m;
  }

  /**
   * Loops at the active sites and the kernel context: W [n, N, N], S [B, spatial…, N, N], context
   * [n, C], and for the 'energy' kernel the local-action matrix A = 1 + S†S′ [n, N, N].
   */
  loops(links: CField): { W: CMat; S: CField; ctx: tf.Tensor2D; A?: CMat } {
    const d = this.dims, N = this.N;
    const { mu, nu } = this.pattern;
    const S = sunStaple(links, d, mu, nu);
    const Wall = sunMul(sunComponent(links, mu), S);
    const stripe = (t: tf.Tensor) => tf.reshape(takeStripe(t, d, this.pattern), [-1, N, N]) as tf.Tensor3D;
    const W: CMat = { re: stripe(Wall.re), im: stripe(Wall.im) };
    // conjugation-invariant features of every plaquette, masked to the frozen ones
    const sp = links.re.shape.slice(0, 1 + d);
    const feats = planes(d).map(([a, b]) => {
      const P = sunPlaquette(links, d, a, b);
      const f = traceFeatures({ re: tf.reshape(P.re, [-1, N, N]) as tf.Tensor3D, im: tf.reshape(P.im, [-1, N, N]) as tf.Tensor3D }, this.contextPowers);
      return tf.reshape(f, [...sp, 2 * this.contextPowers]);
    });
    const x = tf.mul(tf.concat(feats, d + 1), this.mask(links));
    const out = this.conditioner.apply(x);
    const C = out.shape[out.rank - 1]!;
    const ctx = tf.reshape(takeStripe(out, d, this.pattern), [-1, C]) as tf.Tensor2D;
    if (this.energyBeta === undefined) return { W, S, ctx };
    // lower staple S′(x) = U_ν(x+μ̂−ν̂)† U_μ(x−ν̂)† U_ν(x−ν̂) = T(x−ν̂), T = (U_μ U_ν(·+μ̂))† U_ν
    const Um = sunComponent(links, mu), Un = sunComponent(links, nu);
    const T = sunMul(sunAdjoint(sunMul(Um, sunShift(Un, d, mu, 1))), Un);
    const rect = sunMul(sunAdjoint(S), sunShift(T, d, nu, -1));
    const R: CMat = { re: stripe(rect.re), im: stripe(rect.im) };
    return { W, S, ctx, A: { re: tf.add(R.re, tf.eye(N)) as tf.Tensor3D, im: R.im } };
  }

  private apply(links: CField, direction: 'forward' | 'inverse'): { y: CField; logdet: tf.Tensor1D; ok: tf.Tensor1D } {
    const d = this.dims, N = this.N;
    const B = links.re.shape[0]!;
    const { mu } = this.pattern;
    const { W, S, ctx, A } = this.loops(links);
    const r = this.spectral.map(W, direction, ctx, A && { A, scale: this.energyBeta! / N });
    return tf.tidy(() => {
      const sp = links.re.shape.slice(0, 1 + d);
      const stripeShape = sp.slice();
      stripeShape[d - this.pattern.nu] = stripeShape[d - this.pattern.nu]! / 4;
      const put = (t: tf.Tensor) => putStripe(tf.reshape(t, [...stripeShape, N, N]), d, this.pattern);
      // U′ = W′ S† on the active sites, U elsewhere
      const Sst: CField = { re: takeStripe(S.re, d, this.pattern), im: takeStripe(S.im, d, this.pattern) };
      const Wn: CField = { re: tf.reshape(r.W.re, Sst.re.shape), im: tf.reshape(r.W.im, Sst.im.shape) };
      const Un = sunMulAdj(Wn, Sst);
      // (combined on the rank-2 view [sites, N²]: wasm's broadcasting kernels fail above rank 6)
      const keep = tf.reshape(tf.sub(1, putStripe(tf.ones(stripeShape), d, this.pattern)), [-1, 1]);
      const Um = sunComponent(links, mu);
      const mix = (u: tf.Tensor, v: tf.Tensor) => tf.reshape(tf.add(tf.mul(tf.reshape(u, [-1, N * N]), keep), tf.reshape(put(v), [-1, N * N])), u.shape);
      const comp: CField = { re: mix(Um.re, Un.re), im: mix(Um.im, Un.im) };
      return {
        y: sunReplaceComponent(links, mu, comp),
        logdet: tf.sum(tf.reshape(r.logdet, [B, -1]), 1) as tf.Tensor1D,
        ok: tf.min(tf.reshape(r.ok, [B, -1]), 1) as tf.Tensor1D,
      };
    });
  }

  forward(links: CField): { y: CField; logdet: tf.Tensor1D; ok: tf.Tensor1D } {
    return this.apply(links, 'forward');
  }

  inverse(links: CField): { x: CField; logdet: tf.Tensor1D; ok: tf.Tensor1D } {
    const r = this.apply(links, 'inverse');
    return { x: r.y, logdet: r.logdet, ok: r.ok };
  }

  dispose(): void {
    for (const m of this.masks.values()) m.dispose();
    this.masks.clear();
    this.conditioner.dispose();
    tf.dispose(this.kernel.variables);
  }
}
