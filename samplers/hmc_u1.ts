/**
 * U(1) molecular dynamics on plain Float64Arrays: link angles θ, conjugate momenta p,
 * H = ½Σp² + S, S = −β Σ_P cos θ_P. The force takes one sin per plaquette (from the cached
 * plaquette link table) and one gather per link over precomputed ± plaquette lists, fused with
 * the momentum kick and the next drift: two passes per MD step, bound by Math.sin. This is the
 * hot loop of every U(1) HMC trajectory.
 */
import type { U1Field } from '../lattices/field.ts';
import { plaquetteLinks } from '../lattices/geometry.ts';
import type { Rng } from '../lattices/random.ts';
import { fillGaussianPolar } from './hmc_gaussian.ts';
import type { HmcSystem } from './hmc_system.ts';

const TWO_PI = 2 * Math.PI;

export class U1Md implements HmcSystem {
  readonly theta: Float64Array;
  readonly p: Float64Array;
  readonly force: Float64Array;
  readonly plaq: Int32Array;
  readonly nPlaq: number;
  /** per link: the d−1 plaquettes containing it with sign + (as θ0, θ1) and the d−1 with sign − */
  private readonly plus: Int32Array;
  private readonly minus: Int32Array;
  private readonly sinP: Float64Array;
  private readonly perLink: number;
  private readonly thetaOld: Float64Array;
  private readonly forceOld: Float64Array;

  constructor(readonly field: U1Field, readonly beta: number) {
    this.theta = field.theta;
    const n = this.theta.length;
    this.p = new Float64Array(n);
    this.force = new Float64Array(n);
    this.plaq = plaquetteLinks(field.lattice);
    this.nPlaq = this.plaq.length >> 2;
    this.perLink = field.lattice.dims - 1;
    this.sinP = new Float64Array(this.nPlaq);
    this.plus = new Int32Array(n * this.perLink);
    this.minus = new Int32Array(n * this.perLink);
    const np = new Int32Array(n), nm = new Int32Array(n);
    for (let q = 0; q < this.nPlaq; q++) {
      for (let k = 0; k < 4; k++) {
        const l = this.plaq[4 * q + k];
        if (k < 2) this.plus[l * this.perLink + np[l]++] = q;
        else this.minus[l * this.perLink + nm[l]++] = q;
      }
    }
    for (let l = 0; l < n; l++) {
      if (np[l] !== this.perLink || nm[l] !== this.perLink) throw new Error(`U1Md: link ${l} is in ${np[l]}+${nm[l]} plaquettes, expected ${this.perLink}+${this.perLink}`);
    }
    this.thetaOld = new Float64Array(n);
    this.forceOld = new Float64Array(n);
  }

  refreshMomenta(rng: Rng): void {
    fillGaussianPolar(rng, this.p);
  }

  save(): void {
    this.thetaOld.set(this.theta);
    this.forceOld.set(this.force);
  }

  restore(): void {
    this.theta.set(this.thetaOld);
    this.force.set(this.forceOld);
  }

  flipMomenta(): void {
    const p = this.p, n = p.length;
    for (let l = 0; l < n; l++) p[l] = -p[l];
  }

  afterAccept(): void {
    this.wrap();
  }

  /**
   * force[l] = ∂S/∂θ_l = β Σ_{P ∋ l} ±sin θ_P: one sin per plaquette into sinP, then a gather per
   * link (no read-modify-write scatter), specialised for d = 2.
   */
  computeForce(): void {
    const th = this.theta, f = this.force, t = this.plaq, sP = this.sinP, beta = this.beta, nP = this.nPlaq;
    for (let q = 0, i = 0; q < nP; q++, i += 4) sP[q] = beta * Math.sin(th[t[i]] + th[t[i + 1]] - th[t[i + 2]] - th[t[i + 3]]);
    const plus = this.plus, minus = this.minus, n = f.length, k = this.perLink;
    if (k === 1) {
      for (let l = 0; l < n; l++) f[l] = sP[plus[l]] - sP[minus[l]];
    } else {
      for (let l = 0, o = 0; l < n; l++, o += k) {
        let s = 0;
        for (let j = 0; j < k; j++) s += sP[plus[o + j]] - sP[minus[o + j]];
        f[l] = s;
      }
    }
  }

  /** computeForce + kick + drift in one pass over the links: sinP is complete before any θ moves. */
  forceKickDrift(kickEps: number, driftEps: number): void {
    const th = this.theta, f = this.force, p = this.p, t = this.plaq, sP = this.sinP, beta = this.beta, nP = this.nPlaq;
    for (let q = 0, i = 0; q < nP; q++, i += 4) sP[q] = beta * Math.sin(th[t[i]] + th[t[i + 1]] - th[t[i + 2]] - th[t[i + 3]]);
    const plus = this.plus, minus = this.minus, n = f.length, k = this.perLink;
    if (k === 1) {
      for (let l = 0; l < n; l++) {
        const fl = sP[plus[l]] - sP[minus[l]];
        f[l] = fl;
        const pl = p[l] - kickEps * fl;
        p[l] = pl;
        th[l] += driftEps * pl;
      }
    } else {
      for (let l = 0, o = 0; l < n; l++, o += k) {
        let fl = 0;
        for (let j = 0; j < k; j++) fl += sP[plus[o + j]] - sP[minus[o + j]];
        f[l] = fl;
        const pl = p[l] - kickEps * fl;
        p[l] = pl;
        th[l] += driftEps * pl;
      }
    }
  }

  kick(eps: number): void {
    const p = this.p, f = this.force, n = p.length;
    for (let l = 0; l < n; l++) p[l] -= eps * f[l];
  }

  drift(eps: number): void {
    const p = this.p, th = this.theta, n = p.length;
    for (let l = 0; l < n; l++) th[l] += eps * p[l];
  }

  /** S = −β Σ cos θ_P, float64. */
  action(): number {
    const th = this.theta, t = this.plaq, n4 = this.nPlaq << 2;
    let s = 0;
    for (let i = 0; i < n4; i += 4) s += Math.cos(th[t[i]] + th[t[i + 1]] - th[t[i + 2]] - th[t[i + 3]]);
    return -this.beta * s;
  }

  kinetic(): number {
    const p = this.p, n = p.length;
    let k = 0;
    for (let l = 0; l < n; l++) k += p[l] * p[l];
    return 0.5 * k;
  }

  /** Map every angle back into (−π, π] (MD lets them wander; S and F are 2π-periodic). */
  wrap(): void {
    const th = this.theta, n = th.length;
    for (let l = 0; l < n; l++) {
      const x = th[l];
      if (x > Math.PI || x <= -Math.PI) {
        const y = x - TWO_PI * Math.floor((x + Math.PI) / TWO_PI);
        th[l] = y === -Math.PI ? Math.PI : y;
      }
    }
  }
}
