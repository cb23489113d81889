/**
 * SU(N) molecular dynamics. Momenta P_l ∈ su(N) stored like links (2N² floats per link,
 * row-major, re/im interleaved); P = Σ p_a X_a with X_a = iλ_a/2 and p_a ~ N(0,1), so the kinetic
 * energy ½⟨P,P⟩ = −tr P² = Σ_ij |P_ij|² = ½Σ p_a². The force is the contract's
 * F_l = (β/2N)·TAH(U_l A_l) (A_l the staple sum; computed by lattices/action wilsonForce), i.e. d/dε S(e^{εX}U_l) = −2 Re tr(F_l X); the
 * equations of motion are dU/dt = P U, dP/dt = −F. Links are moved by U ← exp(εP) U.
 */
import type { SUNField } from '../lattices/field.ts';
import type { Rng } from '../lattices/random.ts';
import { fillGaussianPolar } from './hmc_gaussian.ts';
import { mul, reunitarize } from '../lattices/matrix.ts';
import { expAlgebra } from './hmc_exp.ts';
import type { HmcSystem } from './hmc_system.ts';
import { wilsonAction, wilsonForce } from '../lattices/action.ts';

export class SunMd implements HmcSystem {
  readonly N: number;
  readonly links: Float64Array;
  readonly p: Float64Array;
  readonly force: Float64Array;
  readonly nLinks: number;
  private readonly linksOld: Float64Array;
  private readonly forceOld: Float64Array;
  private readonly gauss: Float64Array;
  private readonly sa: Float64Array; // scratch: ε·P
  private readonly sb: Float64Array; // scratch: exp(εP)
  private readonly sc: Float64Array; // scratch: exp(εP)·U
  private readonly diagCoef: Float64Array;

  constructor(readonly field: SUNField, readonly beta: number) {
    const N = field.group.N;
    this.N = N;
    this.links = field.links;
    const m = 2 * N * N;
    this.nLinks = this.links.length / m;
    this.p = new Float64Array(this.links.length);
    this.force = new Float64Array(this.links.length);
    this.linksOld = new Float64Array(this.links.length);
    this.forceOld = new Float64Array(this.links.length);
    this.gauss = new Float64Array(this.nLinks * (N * N - 1));
    this.sa = new Float64Array(m);
    this.sb = new Float64Array(m);
    this.sc = new Float64Array(m);
    // Cartan generators λ_k = sqrt(2/(k(k+1))) diag(1,…,1,−k,0,…), k = 1..N−1, X = iλ/2.
    this.diagCoef = new Float64Array(N);
    for (let k = 1; k < N; k++) this.diagCoef[k] = 0.5 * Math.sqrt(2 / (k * (k + 1)));
  }

  refreshMomenta(rng: Rng): void {
    const N = this.N, m = 2 * N * N, g = this.gauss, p = this.p, dc = this.diagCoef;
    fillGaussianPolar(rng, g);
    p.fill(0);
    let q = 0;
    for (let l = 0, o = 0; l < this.nLinks; l++, o += m) {
      for (let i = 0; i < N; i++) {
        for (let j = i + 1; j < N; j++) {
          const pa = 0.5 * g[q++], ps = 0.5 * g[q++];
          // p_s·iλ_s/2 + p_a·iλ_a/2 with λ_s = E_ij + E_ji, λ_a = −iE_ij + iE_ji
          p[o + 2 * (i * N + j)] = pa;
          p[o + 2 * (i * N + j) + 1] = ps;
          p[o + 2 * (j * N + i)] = -pa;
          p[o + 2 * (j * N + i) + 1] = ps;
        }
      }
      for (let k = 1; k < N; k++) {
        const c = dc[k] * g[q++];
        for (let i = 0; i < k; i++) p[o + 2 * (i * N + i) + 1] += c;
        p[o + 2 * (k * N + k) + 1] -= k * c;
      }
    }
  }

  /** lattices/action's plaquette-based force (7 products per plaquette, unrolled N = 2, 3). */
  computeForce(): void {
    wilsonForce(this.field, this.beta, this.force);
  }

  kick(eps: number): void {
    const p = this.p, f = this.force, n = p.length;
    for (let i = 0; i < n; i++) p[i] -= eps * f[i];
  }

  drift(eps: number): void {
    const N = this.N, m = 2 * N * N, U = this.links, p = this.p;
    const sa = this.sa, sb = this.sb, sc = this.sc;
    for (let l = 0, o = 0; l < this.nLinks; l++, o += m) {
      for (let i = 0; i < m; i++) sa[i] = eps * p[o + i];
      expAlgebra(sa, 0, sb, 0, N);
      mul(sb, 0, U, o, sc, 0, N);
      U.set(sc, o);
    }
  }

  action(): number {
    return wilsonAction(this.field, this.beta);
  }

  kinetic(): number {
    const p = this.p, n = p.length;
    let k = 0;
    for (let i = 0; i < n; i++) k += p[i] * p[i];
    return k;
  }

  flipMomenta(): void {
    const p = this.p, n = p.length;
    for (let i = 0; i < n; i++) p[i] = -p[i];
  }

  save(): void {
    this.linksOld.set(this.links);
    this.forceOld.set(this.force);
  }

  restore(): void {
    this.links.set(this.linksOld);
    this.force.set(this.forceOld);
  }

  private accepts = 0;

  /** Reunitarise every 10th accepted trajectory: drift off SU(N) is ~1e-15 per trajectory. */
  afterAccept(): void {
    if (++this.accepts % 10 !== 0) return;
    const N = this.N, m = 2 * N * N, U = this.links;
    for (let l = 0, o = 0; l < this.nLinks; l++, o += m) reunitarize(U, o, N);
  }
}
