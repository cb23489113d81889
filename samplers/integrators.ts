/**
 * Symplectic, time-reversible molecular-dynamics integrators for HMC, written against a tiny
 * whole-field interface so the same schedule drives U(1) and SU(N) (the per-link work is in the
 * system's loops; the overhead here is a few calls per step).
 *
 * Convention: on entry the system's force must be that of the current configuration; on exit it
 * is the force of the final configuration. HMC caches it across trajectories, so a trajectory of
 * n leapfrog steps costs n force evaluations (not n + 1), and 2n for Omelyan.
 */

export interface MdSystem {
  /** Recompute the force F = ∂S/∂U of the current configuration. */
  computeForce(): void;
  /** Momentum update P ← P − eps·F. */
  kick(eps: number): void;
  /** Link update U ← exp(eps·P)·U (U(1): θ ← θ + eps·p). */
  drift(eps: number): void;
  /**
   * Optional fused computeForce(); kick(kickEps); drift(driftEps) (driftEps = 0: no drift) in
   * one pass over the links, for systems where the per-link loops cost as much as the force.
   */
  forceKickDrift?(kickEps: number, driftEps: number): void;
}

function forceKickDrift(sys: MdSystem, kickEps: number, driftEps: number): void {
  if (sys.forceKickDrift) return sys.forceKickDrift(kickEps, driftEps);
  sys.computeForce();
  sys.kick(kickEps);
  if (driftEps !== 0) sys.drift(driftEps);
}

export type IntegratorName = 'leapfrog' | 'omelyan';

/** Omelyan–Mryglod–Folk 2nd-order minimum-norm parameter (λ ≈ 0.1931833). */
export const OMELYAN_LAMBDA = 0.1931833275037836;

/** Leapfrog (kick-drift-kick): error O(eps²) per unit time, one force per step. */
export function leapfrog(sys: MdSystem, eps: number, nSteps: number): void {
  sys.kick(0.5 * eps);
  sys.drift(eps);
  for (let i = 0; i < nSteps - 1; i++) forceKickDrift(sys, eps, eps);
  forceKickDrift(sys, 0.5 * eps, 0);
}

/**
 * 2nd-order minimum-norm integrator (Omelyan): kick(λε) drift(ε/2) kick((1−2λ)ε) drift(ε/2)
 * kick(λε), consecutive λ-kicks merged. Two forces per step, ~10× smaller error constant than
 * leapfrog at equal ε.
 */
export function omelyan(sys: MdSystem, eps: number, nSteps: number, lambda = OMELYAN_LAMBDA): void {
  sys.kick(lambda * eps);
  sys.drift(0.5 * eps);
  for (let i = 0; i < nSteps; i++) {
    forceKickDrift(sys, (1 - 2 * lambda) * eps, 0.5 * eps);
    const last = i === nSteps - 1;
    forceKickDrift(sys, last ? lambda * eps : 2 * lambda * eps, last ? 0 : 0.5 * eps);
  }
}

export function integrate(sys: MdSystem, integrator: IntegratorName, eps: number, nSteps: number): void {
  if (integrator === 'leapfrog') leapfrog(sys, eps, nSteps);
  else if (integrator === 'omelyan') omelyan(sys, eps, nSteps);
  else throw new Error(`unknown integrator '${String(integrator)}' (expected leapfrog or omelyan)`);
}
