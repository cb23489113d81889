/**
 * Named, reproducible random streams (docs/design.md, "Independence Metropolis and random streams"):
 * every stream is derived from (seed, path...), so chain k or proposal batch b gets
 * `makeRng(seed, 'chain', k)` and results never depend on scheduling.
 */
import seedrandom from 'seedrandom';

/** Uniform in [0, 1). */
export type Rng = () => number;

/** Alea generator seeded from the string `${seed}/${path.join('/')}`. */
export function makeRng(seed: string | number, ...path: (string | number)[]): Rng {
  const key = `${seed}/${path.join('/')}`;
  const g = seedrandom.alea(key);
  return () => g();
}

const TWO_PI = 2 * Math.PI;

/**
 * Standard normal by Box–Muller. The second variate of the pair is discarded on purpose: caching it would
 * be hidden state shared across calls and make streams depend on call interleaving. Use fillGaussian
 * when many variates are needed (it uses both halves of every pair).
 */
export function gaussian(rng: Rng): number {
  const u1 = 1 - rng(); // (0, 1]: log never sees 0
  const u2 = rng();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(TWO_PI * u2);
}

/** Fill out[offset .. offset+n) with independent standard normals (both Box–Muller outputs used). */
export function fillGaussian(rng: Rng, out: Float64Array, offset = 0, n = out.length - offset): void {
  let i = offset;
  const end = offset + n;
  while (i + 1 < end) {
    const r = Math.sqrt(-2 * Math.log(1 - rng()));
    const phi = TWO_PI * rng();
    out[i] = r * Math.cos(phi);
    out[i + 1] = r * Math.sin(phi);
    i += 2;
  }
  if (i < end) out[i] = gaussian(rng);
}
