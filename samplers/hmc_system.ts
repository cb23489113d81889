/** What the HMC driver needs from a group-specific molecular-dynamics system (U(1), SU(N)). */
import type { Rng } from '../lattices/random.ts';
import type { MdSystem } from './integrators.ts';

export interface HmcSystem extends MdSystem {
  /** Wilson action of the current configuration, float64. */
  action(): number;
  /** ½⟨P,P⟩ summed over links, float64. */
  kinetic(): number;
  /** Draw Gaussian momenta in the Lie algebra (unit variance per generator coefficient). */
  refreshMomenta(rng: Rng): void;
  /** P → −P (for reversibility checks). */
  flipMomenta(): void;
  /** Remember links and force of the current configuration (before a trajectory). */
  save(): void;
  /** Return to the saved links and force (rejected trajectory). */
  restore(): void;
  /** Housekeeping on an accepted configuration: wrap angles / reunitarise. */
  afterAccept(): void;
}
