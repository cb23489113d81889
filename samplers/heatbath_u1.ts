/**
 * U(1) heat bath: every link angle is drawn exactly from its conditional
 *   p(θ_l | rest) ∝ exp(β|A| cos(θ_l + arg A)),
 * A the staple sum, i.e. θ_l + arg A ~ von Mises(0, β|A|), sampled by Best & Fisher (1979).
 */
import type { U1Field } from '../lattices/field.ts';
import type { Rng } from '../lattices/random.ts';

const TWO_PI = 2 * Math.PI;

/**
 * Exact von Mises(0, κ) draw on (−π, π] (Best–Fisher wrapped-Cauchy envelope rejection; about
 * 1.5 uniform triples per draw at worst). ρ is computed in a cancellation-free form so small κ
 * keeps full precision.
 */
export function vonMises(kappa: number, rng: Rng): number {
  if (!(kappa >= 0) || !Number.isFinite(kappa)) throw new Error(`vonMises: kappa must be finite and >= 0 (got ${kappa})`);
  if (kappa < 1e-12) return Math.PI - TWO_PI * rng();
  const s = Math.sqrt(1 + 4 * kappa * kappa);
  const tau = 1 + s;
  // ρ = (τ − √(2τ)) / (2κ), rewritten with τ − 2 = 4κ²/(s + 1)
  const rho = (2 * kappa * tau) / ((s + 1) * (tau + Math.sqrt(2 * tau)));
  const r = (1 + rho * rho) / (2 * rho);
  for (;;) {
    const z = Math.cos(Math.PI * rng());
    const f = (1 + r * z) / (r + z);
    const c = kappa * (r - f);
    const u2 = rng();
    if (c * (2 - c) - u2 > 0 || Math.log(c / u2) + 1 - c >= 0) {
      const th = Math.acos(Math.min(1, Math.max(-1, f)));
      return rng() < 0.5 ? -th : th;
    }
  }
}

/** Map to (−π, π]. */
export function wrap(x: number): number {
  if (x > -Math.PI && x <= Math.PI) return x;
  const y = x - TWO_PI * Math.floor((x + Math.PI) / TWO_PI);
  return y <= -Math.PI ? y + TWO_PI : y;
}

/**
 * Staple sums of a U(1) field: after `staple(l)`, (re, im) = A with the action's dependence on
 * link l equal to −β Re(e^{iθ_l} A).
 */
export class U1Staples {
  re = 0;
  im = 0;
  readonly dims: number;
  private readonly fwd: Int32Array;
  private readonly bwd: Int32Array;

  constructor(readonly field: U1Field) {
    this.dims = field.lattice.dims;
    this.fwd = field.lattice.fwd;
    this.bwd = field.lattice.bwd;
  }

  staple(l: number): void {
    const d = this.dims, th = this.field.theta, fwd = this.fwd, bwd = this.bwd;
    const x = (l / d) | 0, mu = l - x * d;
    const xpmu = fwd[l];
    let re = 0, im = 0;
    for (let nu = 0; nu < d; nu++) {
      if (nu === mu) continue;
      const xpnu = fwd[x * d + nu], xmnu = bwd[x * d + nu];
      // up: θ_ν(x+μ) − θ_μ(x+ν) − θ_ν(x)
      const up = th[xpmu * d + nu] - th[xpnu * d + mu] - th[x * d + nu];
      // down: θ_ν(x−ν) − θ_μ(x−ν) − θ_ν(x−ν+μ)
      const dn = th[xmnu * d + nu] - th[xmnu * d + mu] - th[fwd[xmnu * d + mu] * d + nu];
      re += Math.cos(up) + Math.cos(dn);
      im += Math.sin(up) + Math.sin(dn);
    }
    this.re = re;
    this.im = im;
  }

  /** Replace θ_l by an exact draw from its conditional. */
  heatbathLink(l: number, beta: number, rng: Rng): void {
    this.staple(l);
    const a = Math.hypot(this.re, this.im);
    const phase = Math.atan2(this.im, this.re);
    this.field.theta[l] = wrap(vonMises(beta * a, rng) - phase);
  }

  /** One heat-bath sweep over all links in order. */
  heatbathSweep(beta: number, rng: Rng): void {
    const n = this.field.theta.length;
    for (let l = 0; l < n; l++) this.heatbathLink(l, beta, rng);
  }

  /** One over-relaxation sweep: θ → −θ − 2 arg A (mod 2π), which keeps θ + arg A → −(θ + arg A). */
  overrelaxSweep(): void {
    const th = this.field.theta, n = th.length;
    for (let l = 0; l < n; l++) {
      this.staple(l);
      if (this.re === 0 && this.im === 0) continue;
      th[l] = wrap(-th[l] - 2 * Math.atan2(this.im, this.re));
    }
  }
}
