/**
 * Heat bath + over-relaxation kernel for U(1) and SU(N). One `step` = one heat-bath sweep over
 * all links followed by `orSteps` over-relaxation sweeps. Every update is an exact Gibbs draw or
 * an action-preserving reflection, so the step always "accepts" (acceptProb 1). The field is
 * updated in place (see types.ts).
 */
import type { GaugeField, SUNField, U1Field } from '../lattices/field.ts';
import type { Rng } from '../lattices/random.ts';
import type { Kernel, StepInfo } from './types.ts';
import { U1Staples } from './heatbath_u1.ts';
import { SunHeatbath } from './heatbath_sun.ts';

export interface HeatbathOptions {
  beta: number;
  /** Over-relaxation sweeps after each heat-bath sweep (0 = pure heat bath). */
  orSteps: number;
}

export interface HeatbathState {
  field: GaugeField;
  u1: U1Staples | null;
  sun: SunHeatbath | null;
}


export function heatbathKernel(opts: HeatbathOptions): Kernel<HeatbathState> {
  const { beta, orSteps } = opts;
  if (!(Number.isFinite(beta) && beta >= 0)) throw new Error(`heatbath: beta must be a finite number >= 0 (got ${beta})`);
  if (!(Number.isInteger(orSteps) && orSteps >= 0)) throw new Error(`heatbath: orSteps must be an integer >= 0 (got ${orSteps})`);
  return {
    init(field: GaugeField): HeatbathState {
      if (field.group.kind === 'u1') return { field, u1: new U1Staples(field as U1Field), sun: null };
      if (field.group.kind === 'sun') return { field, u1: null, sun: new SunHeatbath(field as SUNField) };
      throw new Error(`heatbath: unsupported gauge group ${JSON.stringify((field as GaugeField).group)}`);
    },
    step(state: HeatbathState, rng: Rng): [HeatbathState, StepInfo] {
      if (state.u1) {
        state.u1.heatbathSweep(beta, rng);
        for (let k = 0; k < orSteps; k++) state.u1.overrelaxSweep();
      } else if (state.sun) {
        state.sun.sweep(beta, rng);
        for (let k = 0; k < orSteps; k++) state.sun.sweep(beta, null);
      }
      return [state, { accepted: true, acceptProb: 1 }];
    },
  };
}
