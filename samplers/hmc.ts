/**
 * Hybrid Monte Carlo for U(1) and SU(N) Wilson gauge theory in any dimension.
 *
 * One step = refresh momenta, integrate a trajectory of length τ with `mdSteps` steps of the
 * chosen integrator, Metropolis accept/reject on ΔH (float64) with the chain's rng (one uniform
 * consumed per trajectory, accepted or not). The state is mutated in place (see types.ts); the
 * force of the current configuration is cached across trajectories.
 */
import type { GaugeField } from '../lattices/field.ts';
import type { Rng } from '../lattices/random.ts';
import type { Kernel, StepInfo } from './types.ts';
import { integrate, type IntegratorName } from './integrators.ts';
import type { HmcSystem } from './hmc_system.ts';
import { U1Md } from './hmc_u1.ts';
import { SunMd } from './hmc_sun.ts';

export interface HmcOptions {
  beta: number;
  trajLength: number;
  mdSteps: number;
  integrator: IntegratorName;
}

export interface HmcState {
  field: GaugeField;
  sys: HmcSystem;
  /** S of the current configuration (cached). */
  action: number;
}

export function checkHmcOptions(o: HmcOptions): void {
  if (!(Number.isFinite(o.beta) && o.beta >= 0)) throw new Error(`hmc: beta must be a finite number >= 0 (got ${o.beta})`);
  if (!(Number.isFinite(o.trajLength) && o.trajLength > 0)) throw new Error(`hmc: trajLength must be > 0 (got ${o.trajLength})`);
  if (!(Number.isInteger(o.mdSteps) && o.mdSteps >= 1)) throw new Error(`hmc: mdSteps must be an integer >= 1 (got ${o.mdSteps})`);
  if (o.integrator !== 'leapfrog' && o.integrator !== 'omelyan')
    throw new Error(`hmc: unknown integrator '${String(o.integrator)}' (expected leapfrog or omelyan)`);
}

/** The molecular-dynamics system of a field (the field's link array is updated in place). */
export function mdSystem(field: GaugeField, beta: number): HmcSystem {
  if (field.group.kind === 'u1') return new U1Md(field as Extract<GaugeField, { group: { kind: 'u1' } }>, beta);
  if (field.group.kind === 'sun') return new SunMd(field as Extract<GaugeField, { group: { kind: 'sun' } }>, beta);
  throw new Error(`hmc: unsupported gauge group ${JSON.stringify((field as GaugeField).group)}`);
}

export function hmcKernel(opts: HmcOptions): Kernel<HmcState> {
  checkHmcOptions(opts);
  const { beta, trajLength, mdSteps, integrator } = opts;
  const eps = trajLength / mdSteps;
  return {
    init(field: GaugeField): HmcState {
      const sys = mdSystem(field, beta);
      sys.computeForce();
      return { field, sys, action: sys.action() };
    },
    step(state: HmcState, rng: Rng): [HmcState, StepInfo] {
      const sys = state.sys;
      sys.refreshMomenta(rng);
      const k0 = sys.kinetic();
      const s0 = state.action;
      sys.save();
      integrate(sys, integrator, eps, mdSteps);
      const s1 = sys.action();
      const deltaH = sys.kinetic() - k0 + (s1 - s0);
      const acceptProb = deltaH <= 0 ? 1 : Math.exp(-deltaH);
      const u = rng();
      // NaN ΔH (blown-up trajectory) fails the comparison and is rejected.
      const accepted = u < acceptProb;
      if (accepted) {
        // Wrapping / reunitarising changes S only at round-off level, so s1 stays the cache.
        sys.afterAccept();
        state.action = s1;
      } else {
        sys.restore();
      }
      return [state, { accepted, acceptProb: Number.isNaN(acceptProb) ? 0 : acceptProb, deltaH }];
    },
  };
}
