/**
 * A trained gauge flow — U(1) or SU(N) — as a field proposal for the flow chains of the multi-chain
 * runner (samplers/: FieldProposal, loaded once per worker thread from this module). Draws are made
 * in fixed-size chunks (memory bounded, and the same chunks whatever the batch size of the caller).
 * Fields come back in the lattice layout (lattices/field.ts): U(1) angles in (−π, π], SU(N) links
 * as interleaved float64 (SUNGaugeFlow.sampleForMCMC); a failed draw has log q = +∞.
 */
import { fileURLToPath } from 'node:url';
import { initBackend } from '../../backend/index.ts';
import { makeLattice, type Lattice } from '../../../lattices/geometry.ts';
import { wrapAngle } from '../../../lattices/field.ts';
import { linkSize, su, U1, type Group } from '../../../lattices/group.ts';
import { loadGaugeModel, type GaugeFlow } from './model-file.ts';
import { SUNGaugeFlow } from '../sun/flow.ts';

export interface GaugeProposalOptions {
  /** model file path (absolute, so that worker threads find it) */
  model: string;
  /** lattice extent; default: the L the model was trained at */
  L?: number;
  /** target β (re-targets a U(1) energy-informed kernel); default: the model's */
  beta?: number;
  /** draws per flow evaluation (default 256) */
  chunk?: number;
}

export interface GaugeProposal {
  readonly lattice: Lattice;
  readonly group: Group;
  readonly flow: GaugeFlow;
  sample(n: number, rng: () => number): { fields: Float64Array; logq: Float64Array };
  dispose(): void;
}

export function gaugeProposal(flow: GaugeFlow, lattice: Lattice, chunk = 256): GaugeProposal {
  if (!Number.isInteger(chunk) || chunk < 1) throw new Error(`proposal chunk must be a positive integer, got ${chunk}`);
  const sun = flow instanceof SUNGaugeFlow;
  const group: Group = sun ? su(flow.N) : U1;
  const per = lattice.volume * lattice.dims * linkSize(group);
  return {
    lattice,
    group,
    flow,
    sample(n: number, rng: () => number) {
      const fields = new Float64Array(n * per);
      const logq = new Float64Array(n);
      for (let i0 = 0; i0 < n; i0 += chunk) {
        const m = Math.min(chunk, n - i0);
        const r = flow.sampleForMCMC(lattice, m, rng);
        if (sun) fields.set(r.fields, i0 * per);
        // float32 [−π, π) angles → the lattice convention (−π, π]
        else for (let k = 0; k < r.fields.length; k++) fields[i0 * per + k] = wrapAngle(r.fields[k]!);
        logq.set(r.logq, i0);
      }
      return { fields, logq };
    },
    dispose() {
      flow.dispose();
    },
  };
}

/** Module entry for samplers' field-proposal spec: { module: gaugeProposalModule, options }. */
export async function loadFieldProposal(options: GaugeProposalOptions): Promise<GaugeProposal> {
  await initBackend();
  if (!options || typeof options.model !== 'string') throw new Error('gauge proposal: options.model (a model file path) is required');
  const { file, flow } = loadGaugeModel(options.model, options.beta);
  const L = options.L ?? file.trained.L;
  const lattice = makeLattice(new Array<number>(file.dims).fill(L));
  return gaugeProposal(flow, lattice, options.chunk ?? 256);
}

export const gaugeProposalModule = fileURLToPath(import.meta.url);
