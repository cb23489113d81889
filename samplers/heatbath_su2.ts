/**
 * SU(2) heat bath for a single link: draw X ∈ SU(2), X = a0 + i a·σ, with density
 * ∝ exp(α a0) with respect to Haar measure (i.e. a0 ∈ [−1,1] with weight √(1−a0²) e^{α a0},
 * a/|a| uniform on S²). Kennedy–Pendleton (1985) for α ≥ 2, Creutz (1980) below, where
 * Kennedy–Pendleton's acceptance collapses. Both are exact rejection methods.
 */
import type { Rng } from '../lattices/random.ts';

const TWO_PI = 2 * Math.PI;
export const CREUTZ_BELOW = 2;

/** a0 by Kennedy–Pendleton: 1 − a0 = 2λ² with λ² ~ Γ(3/2)/(2α), accepted with prob √(1 − λ²). */
export function a0KennedyPendleton(alpha: number, rng: Rng): number {
  for (;;) {
    const r1 = 1 - rng(), r2 = rng(), r3 = 1 - rng();
    const c = Math.cos(TWO_PI * r2);
    const lam2 = -(Math.log(r1) + c * c * Math.log(r3)) / (2 * alpha);
    const r4 = rng();
    if (r4 * r4 <= 1 - lam2) return 1 - 2 * lam2;
  }
}

/** a0 by Creutz: a0 ∝ e^{α a0} on [−1,1] by inversion, accepted with prob √(1 − a0²). */
export function a0Creutz(alpha: number, rng: Rng): number {
  if (alpha < 1e-12) {
    for (;;) {
      const a0 = 1 - 2 * rng();
      const r = rng();
      if (r * r <= 1 - a0 * a0) return a0;
    }
  }
  const span = -Math.expm1(-2 * alpha); // 1 − e^{−2α}
  for (;;) {
    const a0 = 1 + Math.log1p(-rng() * span) / alpha;
    const r = rng();
    if (r * r <= 1 - a0 * a0) return a0;
  }
}

/** Write a quaternion (a0, a1, a2, a3) with density ∝ e^{α a0} w.r.t. Haar to q[qo..qo+4). */
export function su2HeatbathQuaternion(alpha: number, rng: Rng, q: Float64Array, qo = 0): void {
  if (!(alpha >= 0) || !Number.isFinite(alpha)) throw new Error(`su2 heat bath: alpha must be finite and >= 0 (got ${alpha})`);
  const a0 = alpha < CREUTZ_BELOW ? a0Creutz(alpha, rng) : a0KennedyPendleton(alpha, rng);
  const ra = Math.sqrt(Math.max(0, 1 - a0 * a0));
  const ct = 1 - 2 * rng();
  const st = Math.sqrt(Math.max(0, 1 - ct * ct));
  const phi = TWO_PI * rng();
  q[qo] = a0;
  q[qo + 1] = ra * st * Math.cos(phi);
  q[qo + 2] = ra * st * Math.sin(phi);
  q[qo + 3] = ra * ct;
}
