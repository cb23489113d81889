/**
 * The sampler interfaces every chain, runner and flow plugs into (docs/design.md, "Targets, proposals and kernels").
 *
 * Kernels are BlackJAX-style `init` + `step` pairs over plain state objects. For speed the
 * baseline kernels in this folder MUTATE the state they are given (the field and the scratch
 * buffers allocated once in `init`) and return that same object: a chain owns its state, and
 * anyone who wants to keep a configuration must `cloneField(state.field)` it.
 */
import type { GaugeField } from '../lattices/field.ts';
import type { Lattice } from '../lattices/geometry.ts';
import type { Group } from '../lattices/group.ts';
import type { Rng } from '../lattices/random.ts';

export interface StepInfo {
  accepted: boolean;
  /** min(1, e^{-ΔH}) for HMC / Metropolis; 1 for heat bath. */
  acceptProb: number;
  /** H(new) − H(old) of the proposal (HMC), float64. */
  deltaH?: number;
}

export interface Kernel<S extends { field: GaugeField } = { field: GaugeField }> {
  init(field: GaugeField): S;
  step(state: S, rng: Rng): [S, StepInfo];
}

/** An unnormalised log density, log p(x) = −S(x) + const, evaluated in float64. */
export interface Target<X> {
  logDensity(x: X): number;
}

/** A batch of independent proposal draws with their exact log densities log q(x). */
export interface ProposalBatch<X> {
  xs: X[];
  logq: Float64Array;
}

/**
 * A density one can sample from and evaluate. `sample` may be synchronous or return a Promise:
 * flows evaluate on TensorFlow.js / worker threads and are naturally asynchronous, while exact
 * proposals (Haar, uniform angles) are cheap and synchronous. Consumers always `await` it.
 * log q must be the density of the draws *with respect to the same base measure as the
 * target* (Haar for group-valued configurations), and must be the density of the map that
 * was actually applied (docs/design.md, "Layers and flows"): a biased log q silently biases the chain.
 */
export interface Proposal<X> {
  sample(n: number, rng: Rng): ProposalBatch<X> | Promise<ProposalBatch<X>>;
}

/**
 * A field proposal named by a module, so that worker threads can load it themselves (a spec is
 * JSON; a proposal object with network weights is not). The module exports
 * `loadFieldProposal(options): Promise<FieldProposal> | FieldProposal`.
 */
export interface FieldProposalSpec {
  /** absolute path or file URL of the module */
  module: string;
  /** passed to the module's loadFieldProposal as is (must be JSON-able) */
  options: Record<string, unknown>;
}

/** n independent draws of whole gauge fields, as flat buffers (see FieldProposal.sample). */
export interface FieldBatch {
  fields: Float64Array;
  logq: Float64Array;
}

/**
 * A proposal of whole gauge-field configurations for independence Metropolis chains run by the
 * multi-chain runner (sampler 'flow').
 */
export interface FieldProposal {
  readonly lattice: Lattice;
  readonly group: Group;
  /**
   * n independent draws: the fields concatenated (U(1): n·V·d angles in (−π, π]; SU(N):
   * n·V·d·2N² doubles, the layouts of lattices/field.ts) and log q of each with respect to the
   * product of normalised Haar measures, float64. log q = +Infinity marks a failed draw (never
   * accepted). The draws must depend on `rng` alone.
   */
  sample(n: number, rng: Rng): Promise<FieldBatch> | FieldBatch;
  dispose?(): void;
}
