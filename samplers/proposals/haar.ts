/**
 * Field proposal module 'haar': every link independently Haar-distributed (uniform angle for
 * U(1)), so log q = 0 with respect to the product of normalised Haar measures. Exact and
 * network-free: independence Metropolis with it samples the Wilson action exactly at any β (with
 * an acceptance that falls fast with β·volume), which makes it the reference proposal in tests.
 * Options: { group, N?, dims, L } (samplers/proposals/lattice_options.ts).
 */
import { hotStart, isU1 } from '../../lattices/field.ts';
import { linkSize } from '../../lattices/group.ts';
import type { Rng } from '../../lattices/random.ts';
import type { FieldProposal } from '../types.ts';
import { proposalLattice } from './lattice_options.ts';

export function loadFieldProposal(options: Record<string, unknown>): FieldProposal {
  const { lattice, group } = proposalLattice(options, 'haar');
  const size = lattice.volume * lattice.dims * linkSize(group);
  return {
    lattice,
    group,
    sample(n: number, rng: Rng) {
      const fields = new Float64Array(n * size);
      for (let i = 0; i < n; i++) {
        // hot start = the Haar draw of lattices/field.ts, one link after the other from rng
        const f = hotStart(lattice, group, rng);
        fields.set(isU1(f) ? f.theta : f.links, i * size);
      }
      return { fields, logq: new Float64Array(n) };
    },
  };
}
