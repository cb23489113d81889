/** Float64 draws from a seeded uniform JS rng (e.g. seedrandom), shared by the manifolds and flows. */
// One Box–Muller draw per call, the same stream the lattice code uses.
export { gaussian } from '../../lattices/random.ts';

export function uniformAngles(n: number, dim: number, rng: () => number): Float32Array {
  const out = new Float32Array(n * dim);
  for (let i = 0; i < out.length; i++) out[i] = (rng() * 2 - 1) * Math.PI;
  return out;
}
