/**
 * An SU(N) gauge flow as an MCMC `Proposal<SUNField>` (samplers/types.ts): float64 links and log q
 * accumulated over layers in float64 (SUNGaugeFlow.sampleForMCMC); a draw whose layers were not all
 * ok has log q = +∞, a weight of −∞ that independence Metropolis never accepts (docs/design.md,
 * "Layers and flows").
 */
import type { Lattice } from '../../../lattices/geometry.ts';
import type { SUNField } from '../../../lattices/field.ts';
import { su } from '../../../lattices/group.ts';
import type { Proposal, ProposalBatch } from '../../../samplers/types.ts';
import type { SUNGaugeFlow } from './flow.ts';

export function sunFlowProposal(flow: SUNGaugeFlow, lattice: Lattice): Proposal<SUNField> & { failed: number } {
  const group = su(flow.N);
  const per = lattice.volume * lattice.dims * 2 * flow.N * flow.N;
  const proposal = {
    failed: 0,
    sample(n: number, rng: () => number): ProposalBatch<SUNField> {
      const d = flow.sampleForMCMC(lattice, n, rng);
      proposal.failed += d.failed;
      const xs: SUNField[] = [];
      for (let b = 0; b < n; b++) xs.push({ group, lattice, links: d.fields.slice(b * per, (b + 1) * per) });
      return { xs, logq: d.logq };
    },
  };
  return proposal;
}
