/**
 * The lattice and gauge group of a field proposal, from the JSON options every proposal module
 * takes: { group: 'u1' | 'su2' | 'su3' | 'suN', N?, dims, L } (the fields of a sampler spec).
 */
import { makeLattice, type Lattice } from '../../lattices/geometry.ts';
import { parseGroup, type Group } from '../../lattices/group.ts';

export function proposalLattice(options: Record<string, unknown>, who: string): { lattice: Lattice; group: Group } {
  if (options === null || typeof options !== 'object') throw new Error(`${who} proposal: options must be an object`);
  const { group, N, dims, L } = options;
  if (typeof group !== 'string') throw new Error(`${who} proposal: options.group must be a string such as 'u1' or 'su2' (got ${String(group)})`);
  if (N !== undefined && typeof N !== 'number') throw new Error(`${who} proposal: options.N must be a number (got ${String(N)})`);
  if (!Number.isInteger(dims) || (dims as number) < 2 || (dims as number) > 4)
    throw new Error(`${who} proposal: options.dims must be 2, 3 or 4 (got ${String(dims)})`);
  if (!Number.isInteger(L) || (L as number) < 2) throw new Error(`${who} proposal: options.L must be an integer >= 2 (got ${String(L)})`);
  return {
    lattice: makeLattice(new Array<number>(dims as number).fill(L as number)),
    group: parseGroup(group, N as number | undefined),
  };
}
