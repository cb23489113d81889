/**
 * The plaquette base of 2D SU(N) gauge flows: the non-abelian counterpart of
 * src/flows/gauge/plaquette-base.ts (docs/design.md, "The plaquette base").
 *
 * On an L1×L0 torus fix the maximal tree U_1(x0, x1) = 1 for x1 < L1 − 1, U_0(x0, 0) = 1 for
 * x0 < L0 − 1. The remaining links follow from the plaquettes P(x) = U_0(x) U_1(x+0̂) U_0(x+1̂)† U_1(x)†
 * at every site but (L0 − 1, L1 − 1) and two Haar holonomies, each step a left or right translation
 * of one link by matrices already fixed, so Haar plaquettes and holonomies give Haar links on the tree
 * gauge, and a Haar gauge transformation gives Haar links. So, as for U(1): draw a site s uniformly,
 * the V − 1 other plaquettes independently from f(W) = e^{(β/N) Re tr W}/z(β) (w.r.t. Haar), the
 * holonomies from Haar; build, translate the constrained plaquette to s, gauge transform. The density
 * with respect to Haar on the links is the mixture over s,
 *
 *   log q = (β/N) Σ_x Re tr P_x − (V − 1) log z(β) − log V + logsumexp_s(−(β/N) Re tr P_s),
 *
 * a class function of each plaquette, so gauge invariant (and translation invariant).
 *
 * A plaquette of density f is V diag(e^{iθ}) V† with V Haar and the eigen-phases (Σθ = 0) drawn from
 * |Δ(θ)|² e^{(β/N) Σ cos θ_i} (Weyl's integration formula) by rejection: θ_1..θ_{N−1} von Mises(β/N),
 * accepted with probability |Δ|² e^{(β/N)(cos θ_N − 1)}/N^N (|Δ|² ≤ N^N, equality at equal spacing).
 */
import { tf } from '../../backend/index.ts';
import type { Lattice } from '../../../lattices/geometry.ts';
import { haarSUN } from '../../../lattices/haar.ts';
import { mul, mulAdjA, mulAdjB, reTraceMulAdjB, setIdentity } from '../../../lattices/matrix.ts';
import { sunSinglePlaquette } from '../../../lattices/exact/sun.ts';
import { vonMises } from '../../../samplers/heatbath_u1.ts';
import { plaquetteMixtureLog } from '../gauge/plaquette-base.ts';
import { sunPlaquetteReTrace, type CField } from './links.ts';

/** Eigen-phases of a class-distributed plaquette, out[0..N), by rejection (see the module comment). */
function classPhases(N: number, kappa: number, rng: () => number, out: Float64Array): void {
  const bound = N ** N;
  for (;;) {
    let sum = 0;
    for (let i = 0; i + 1 < N; i++) {
      out[i] = vonMises(kappa, rng);
      sum += out[i]!;
    }
    out[N - 1] = -sum;
    let vdm = 1;
    for (let i = 0; i < N; i++) for (let j = i + 1; j < N; j++) vdm *= 2 - 2 * Math.cos(out[i]! - out[j]!); // |e^{iθi} − e^{iθj}|²
    if (rng() * bound < vdm * Math.exp(kappa * (Math.cos(out[N - 1]!) - 1))) return;
  }
}

/** W = V diag(e^{iθ}) V† with V Haar, written at out[oo..oo + 2N²). */
function classMatrix(N: number, kappa: number, rng: () => number, out: Float64Array, oo: number, scratch: Float64Array): void {
  const th = scratch.subarray(0, N);
  const V = scratch.subarray(N, N + 2 * N * N);
  const M = scratch.subarray(N + 2 * N * N, N + 4 * N * N);
  classPhases(N, kappa, rng, th);
  haarSUN(N, rng, V, 0);
  // M = V diag(e^{iθ}): column j times e^{iθ_j}
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      const k = 2 * (i * N + j);
      const c = Math.cos(th[j]!);
      const s = Math.sin(th[j]!);
      M[k] = V[k]! * c - V[k + 1]! * s;
      M[k + 1] = V[k]! * s + V[k + 1]! * c;
    }
  }
  mulAdjB(M, 0, V, 0, out, oo, N);
}

export interface SUNPlaquetteBase {
  readonly beta: number;
  /** n fields as concatenated interleaved float64 links (the SUNField layout) */
  sample(n: number, rng: () => number): Float64Array;
  /** log q per field in float64 */
  logProb64(links: Float64Array, n: number): Float64Array;
  /** log q per field, differentiable in the links ([B, L1, L0, 2, N, N] pairs) */
  logProb(links: CField): tf.Tensor1D;
}

/** The SU(N) plaquette base on a 2D lattice at β ≥ 0. */
export function sunPlaquetteBase(lattice: Lattice, N: number, beta: number): SUNPlaquetteBase {
  if (lattice.dims !== 2) throw new Error(`SU(N) plaquette base: 2D lattices only, got ${lattice.dims}D`);
  if (!Number.isInteger(N) || N < 2) throw new Error(`SU(N) plaquette base: N must be an integer ≥ 2, got ${N}`);
  if (!(beta >= 0) || !Number.isFinite(beta)) throw new Error(`SU(N) plaquette base: beta must be finite and ≥ 0, got ${beta}`);
  const [L0, L1] = lattice.extents as [number, number];
  const V = L0 * L1;
  const m = 2 * N * N; // doubles per matrix
  const per = V * 2 * m; // doubles per field
  const kappa = beta / N;
  const norm = -(V - 1) * sunSinglePlaquette(N, beta).logZ - Math.log(V);
  const link = (site: number, mu: number) => (2 * site + mu) * m;
  const siteOf = (x0: number, x1: number) => ((((x1 % L1) + L1) % L1) * L0) + (((x0 % L0) + L0) % L0);

  /** Re tr P(x) at every site of field f (offset fo) into tr. */
  const traces = (f: Float64Array, fo: number, tr: Float64Array, a: Float64Array, b: Float64Array): void => {
    for (let x1 = 0; x1 < L1; x1++) {
      for (let x0 = 0; x0 < L0; x0++) {
        const x = siteOf(x0, x1);
        // P = (U_0(x) U_1(x+0̂)) (U_1(x) U_0(x+1̂))†
        mul(f, fo + link(x, 0), f, fo + link(siteOf(x0 + 1, x1), 1), a, 0, N);
        mul(f, fo + link(x, 1), f, fo + link(siteOf(x0, x1 + 1), 0), b, 0, N);
        tr[x] = reTraceMulAdjB(a, 0, b, 0, N);
      }
    }
  };

  return {
    beta,
    sample(n: number, rng: () => number): Float64Array {
      const out = new Float64Array(n * per);
      const W = new Float64Array(V * m);
      const built = new Float64Array(per);
      const g = new Float64Array(V * m);
      const scratch = new Float64Array(N + 4 * N * N);
      const t1 = new Float64Array(m);
      const t2 = new Float64Array(m);
      for (let b = 0; b < n; b++) {
        const s = Math.floor(rng() * V);
        const s0 = s % L0;
        const s1 = Math.floor(s / L0);
        // the built field's site y sits at x = y + t, t = s − (L0 − 1, L1 − 1): W at y is the plaquette of x
        const t0 = s0 - (L0 - 1);
        const tt1 = s1 - (L1 - 1);
        for (let x = 0; x < V; x++) if (x !== s) classMatrix(N, kappa, rng, W, x * m, scratch);
        const Wy = (y0: number, y1: number) => siteOf(y0 + t0, y1 + tt1) * m;
        for (let k = 0; k < 2 * V; k++) setIdentity(built, k * m, N);
        haarSUN(N, rng, built, link(siteOf(L0 - 1, 0), 0)); // holonomy along x0
        for (let y1 = 0; y1 + 1 < L1; y1++) {
          // P(y) = U_0(y) U_0(y + 1̂)† below the last row: U_0(y + 1̂) = P(y)† U_0(y)
          for (let y0 = 0; y0 < L0; y0++) mulAdjA(W, Wy(y0, y1), built, link(siteOf(y0, y1), 0), built, link(siteOf(y0, y1 + 1), 0), N);
        }
        const y = L1 - 1;
        haarSUN(N, rng, built, link(siteOf(0, y), 1)); // holonomy along x1
        for (let y0 = 0; y0 + 1 < L0; y0++) {
          // U_1(y + 0̂) = U_0(y)† P(y) U_1(y) U_0(y + 1̂), y + 1̂ = (y0, 0)
          mulAdjA(built, link(siteOf(y0, y), 0), W, Wy(y0, y), t1, 0, N);
          mul(t1, 0, built, link(siteOf(y0, y), 1), t2, 0, N);
          mul(t2, 0, built, link(siteOf(y0, 0), 0), built, link(siteOf(y0 + 1, y), 1), N);
        }
        for (let x = 0; x < V; x++) haarSUN(N, rng, g, x * m);
        const fo = b * per;
        for (let y1 = 0; y1 < L1; y1++) {
          for (let y0 = 0; y0 < L0; y0++) {
            const x0 = y0 + t0;
            const x1 = y1 + tt1;
            const x = siteOf(x0, x1);
            for (let mu = 0; mu < 2; mu++) {
              // g(x) U_μ g(x + μ̂)†
              mul(g, x * m, built, link(siteOf(y0, y1), mu), t1, 0, N);
              mulAdjB(t1, 0, g, siteOf(x0 + (mu === 0 ? 1 : 0), x1 + (mu === 1 ? 1 : 0)) * m, out, fo + link(x, mu), N);
            }
          }
        }
      }
      return out;
    },
    logProb64(links: Float64Array, n: number): Float64Array {
      if (links.length !== n * per) throw new Error(`SU(${N}) plaquette base: ${links.length} values for ${n} fields of ${per}`);
      const tr = new Float64Array(V);
      const a = new Float64Array(m);
      const b = new Float64Array(m);
      return Float64Array.from({ length: n }, (_, i) => {
        traces(links, i * per, tr, a, b);
        return plaquetteMixtureLog(tr, kappa) + norm;
      });
    },
    logProb(links: CField): tf.Tensor1D {
      return tf.tidy(() => {
        const tr = sunPlaquetteReTrace(links, 2, 0, 1);
        return tf.add(tf.add(tf.mul(kappa, tf.sum(tr, 1)), tf.logSumExp(tf.mul(-kappa, tr), 1)), norm) as tf.Tensor1D;
      });
    },
  };
}
