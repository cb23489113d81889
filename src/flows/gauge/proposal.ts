/**
 * A trained gauge flow as a field proposal for the flow chains of the multi-chain runner
 * (samplers/: FieldProposal, loaded once per worker thread from this module). Draws are made in
 * fixed-size chunks (memory bounded, and the same chunks whatever the batch size of the caller).
 */
import { fileURLToPath } from 'node:url';
import { initBackend } from '../../backend/index.ts';
import { makeLattice, type Lattice } from '../../../lattices/geometry.ts';
import { wrapAngle } from '../../../lattices/field.ts';
import { loadGaugeModel } from './model-file.ts';
import type { U1GaugeFlow } from './flow.ts';

export interface GaugeProposalOptions {
  /** model file path (absolute, so that worker threads find it) */
  model: string;
  /** lattice extent; default: the L the model was trained at */
  L?: number;
  /** target β (re-targets an energy-informed kernel); default: the model's */
  beta?: number;
  /** draws per flow evaluation (default 256) */
  chunk?: number;
}

export interface GaugeProposal {
  readonly lattice: Lattice;
  readonly group: { kind: 'u1' };
  readonly flow: U1GaugeFlow;
  sample(n: number, rng: () => number): { fields: Float64Array; logq: Float64Array };
  dispose(): void;
}

export function gaugeProposal(flow: U1GaugeFlow, lattice: Lattice, chunk = 256): GaugeProposal {
  if (!Number.isInteger(chunk) || chunk < 1) throw new Error(`proposal chunk must be a positive integer, got ${chunk}`);
  const per = lattice.volume * lattice.dims;
  return {
    lattice,
    group: { kind: 'u1' },
    flow,
    sample(n: number, rng: () => number) {
      const fields = new Float64Array(n * per);
      const logq = new Float64Array(n);
      for (let i0 = 0; i0 < n; i0 += chunk) {
        const m = Math.min(chunk, n - i0);
        const r = flow.sampleForMCMC(lattice, m, rng);
        // float32 [−π, π) angles → the lattice convention (−π, π]
        for (let k = 0; k < r.fields.length; k++) fields[i0 * per + k] = wrapAngle(r.fields[k]!);
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
