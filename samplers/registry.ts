/**
 * Build a baseline kernel from a plain, JSON-able spec (what the CLI and the multi-chain runner
 * pass around). Validation happens here so every front end gets the same error messages.
 * Sampler 'flow' (independence Metropolis with a field proposal loaded from a module) has no
 * kernel: its chains are run by the runner from proposal batches (samplers/runner_flow.ts).
 */
import { isAbsolute } from 'node:path';
import { makeLattice, type Lattice } from '../lattices/geometry.ts';
import { parseGroup, type Group } from '../lattices/group.ts';
import type { FieldProposalSpec, Kernel } from './types.ts';
import { hmcKernel } from './hmc.ts';
import { heatbathKernel } from './heatbath.ts';

export interface SamplerSpec {
  sampler: 'hmc' | 'heatbath' | 'flow';
  group: 'u1' | 'su2' | 'su3' | 'suN';
  /** Only for group 'suN' (ignored otherwise unless it contradicts su2/su3). */
  N?: number;
  dims: number;
  L: number;
  beta: number;
  /** HMC trajectory length τ (default 1). */
  trajLength?: number;
  /** HMC molecular-dynamics steps per trajectory (default 10). */
  mdSteps?: number;
  /** HMC integrator (default 'leapfrog'). */
  integrator?: 'leapfrog' | 'omelyan';
  /** Heat bath: over-relaxation sweeps per heat-bath sweep (default 1). */
  orSteps?: number;
  /** Flow: the proposal (required; the HMC / heat-bath fields above are ignored). */
  proposal?: FieldProposalSpec;
  /** Flow: draws per proposal batch (default FLOW_DEFAULT_BATCH); the chain depends on it. */
  batch?: number;
}

/** Draws per proposal batch of a flow chain when the spec does not say. */
export const FLOW_DEFAULT_BATCH = 256;

const SAMPLERS = ['hmc', 'heatbath', 'flow'] as const;
const GROUPS = ['u1', 'su2', 'su3', 'suN'] as const;
const INTEGRATORS = ['leapfrog', 'omelyan'] as const;

function isInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x);
}

/** Throws an Error naming the first problem with the spec. */
export function validateSpec(spec: SamplerSpec): void {
  if (spec === null || typeof spec !== 'object') throw new Error('sampler spec must be an object');
  if (!(SAMPLERS as readonly string[]).includes(spec.sampler))
    throw new Error(`unknown sampler '${String(spec.sampler)}' (expected one of ${SAMPLERS.join(', ')})`);
  if (!(GROUPS as readonly string[]).includes(spec.group))
    throw new Error(`unknown group '${String(spec.group)}' (expected one of ${GROUPS.join(', ')})`);
  if (spec.group === 'suN' && (!isInt(spec.N) || spec.N < 2))
    throw new Error(`group 'suN' needs an integer N >= 2 (got ${String(spec.N)})`);
  if (spec.N !== undefined && spec.group === 'su2' && spec.N !== 2) throw new Error(`group 'su2' contradicts N = ${spec.N}`);
  if (spec.N !== undefined && spec.group === 'su3' && spec.N !== 3) throw new Error(`group 'su3' contradicts N = ${spec.N}`);
  if (!isInt(spec.dims) || spec.dims < 2 || spec.dims > 4)
    throw new Error(`dims must be 2, 3 or 4 (got ${String(spec.dims)})`);
  if (!isInt(spec.L) || spec.L < 2) throw new Error(`lattice extent L must be an integer >= 2 (got ${String(spec.L)})`);
  if (typeof spec.beta !== 'number' || !Number.isFinite(spec.beta) || spec.beta < 0)
    throw new Error(`beta must be a finite number >= 0 (got ${String(spec.beta)})`);
  if (spec.trajLength !== undefined && !(Number.isFinite(spec.trajLength) && spec.trajLength > 0))
    throw new Error(`trajLength must be a positive number (got ${String(spec.trajLength)})`);
  if (spec.mdSteps !== undefined && !(isInt(spec.mdSteps) && spec.mdSteps >= 1))
    throw new Error(`mdSteps must be an integer >= 1 (got ${String(spec.mdSteps)})`);
  if (spec.integrator !== undefined && !(INTEGRATORS as readonly string[]).includes(spec.integrator))
    throw new Error(`unknown integrator '${String(spec.integrator)}' (expected one of ${INTEGRATORS.join(', ')})`);
  if (spec.orSteps !== undefined && !(isInt(spec.orSteps) && spec.orSteps >= 0))
    throw new Error(`orSteps must be an integer >= 0 (got ${String(spec.orSteps)})`);
  if (spec.sampler === 'flow') validateFlowFields(spec);
  else if (spec.proposal !== undefined || spec.batch !== undefined)
    throw new Error(`proposal and batch apply to sampler 'flow' only (sampler is '${spec.sampler}')`);
}

function validateFlowFields(spec: SamplerSpec): void {
  const p = spec.proposal;
  if (p === undefined) throw new Error("sampler 'flow' needs a proposal { module, options }");
  if (p === null || typeof p !== 'object') throw new Error('flow proposal must be an object { module, options }');
  if (typeof p.module !== 'string' || p.module === '')
    throw new Error(`flow proposal module must be an absolute path or file URL (got ${String(p.module)})`);
  if (!p.module.startsWith('file:') && !isAbsolute(p.module))
    throw new Error(`flow proposal module must be an absolute path or file URL (got '${p.module}')`);
  if (p.options === null || typeof p.options !== 'object' || Array.isArray(p.options))
    throw new Error('flow proposal options must be an object');
  try {
    JSON.stringify(p.options);
  } catch (e) {
    throw new Error(`flow proposal options must be JSON-able (${(e as Error).message})`);
  }
  if (spec.batch !== undefined && !(isInt(spec.batch) && spec.batch >= 1))
    throw new Error(`flow batch must be an integer >= 1 (got ${String(spec.batch)})`);
}

export function buildKernel(spec: SamplerSpec): { kernel: Kernel; lattice: Lattice; group: Group } {
  validateSpec(spec);
  if (spec.sampler === 'flow')
    throw new Error("sampler 'flow' has no kernel: run it with runChains (independence Metropolis over proposal batches)");
  const group = parseGroup(spec.group, spec.group === 'suN' ? spec.N : undefined);
  const lattice = makeLattice(new Array<number>(spec.dims).fill(spec.L));
  const kernel: Kernel =
    spec.sampler === 'hmc'
      ? hmcKernel({
          beta: spec.beta,
          trajLength: spec.trajLength ?? 1,
          mdSteps: spec.mdSteps ?? 10,
          integrator: spec.integrator ?? 'leapfrog',
        })
      : heatbathKernel({ beta: spec.beta, orSteps: spec.orSteps ?? 1 });
  return { kernel, lattice, group };
}
