/** Float64 draws from a seeded uniform JS rng (e.g. seedrandom), shared by the manifolds and flows. */
export function gaussian(rng: () => number): number {
  // Box–Muller; 1 − u keeps the logarithm finite when rng() returns 0.
  const u = 1 - rng();
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export function uniformAngles(n: number, dim: number, rng: () => number): Float32Array {
  const out = new Float32Array(n * dim);
  for (let i = 0; i < out.length; i++) out[i] = (rng() * 2 - 1) * Math.PI;
  return out;
}
