/**
 * Blocked jackknife and block bootstrap errors of derived quantities f(ā_1, …, ā_n), e.g.
 * χ_t = ⟨Q²⟩/V or a ratio of Wilson loops. Blocks (of `blockSize` consecutive measurements,
 * never straddling two replica; the incomplete last block of a replica is dropped) should be
 * longer than a few τ_int so that block means are nearly independent.
 */
import seedrandom from 'seedrandom';
import { quantileSorted } from 'simple-statistics';
import { asReplicas, type Replicas, type Series } from './gamma.ts';

export interface ResampleOptions {
  /** measurements per block (default 1) */
  blockSize?: number;
}

export interface JackknifeResult {
  /** f at the means of the data used (all complete blocks) */
  value: number;
  err: number;
  /** n f(ā) − (n−1) mean_b f(ā_(b)): removes the O(1/N) bias of a nonlinear f */
  biasCorrected: number;
  blocks: number;
}

export interface BootstrapResult {
  value: number;
  err: number;
  /** 16th and 84th percentiles of the bootstrap distribution */
  interval68: [number, number];
  samples: Float64Array;
  blocks: number;
}

/** Per-block sums of every primary: sums[α][b], with the common block size. */
function blockSums(primaries: readonly (Series | Replicas)[], blockSize: number): { sums: Float64Array[]; size: number } {
  if (!Number.isInteger(blockSize) || blockSize < 1) throw new Error(`blockSize must be a positive integer, got ${blockSize}`);
  if (primaries.length === 0) throw new Error('resampling: no primary observables');
  const obs = primaries.map(asReplicas);
  const lengths = obs[0]!.map((s) => s.length);
  for (const [a, reps] of obs.entries()) {
    if (reps.length !== lengths.length || reps.some((s, r) => s.length !== lengths[r])) {
      throw new Error(`resampling: primary ${a} does not have the replica lengths of primary 0 (${lengths.join(',')})`);
    }
  }
  const nBlocks = lengths.reduce((s, n) => s + Math.floor(n / blockSize), 0);
  if (nBlocks < 2) throw new Error(`resampling: need at least 2 blocks of ${blockSize}, have ${nBlocks}`);
  const sums = obs.map((reps) => {
    const out = new Float64Array(nBlocks);
    let b = 0;
    for (const x of reps) {
      const nb = Math.floor(x.length / blockSize);
      for (let k = 0; k < nb; k++, b++) {
        let s = 0;
        for (let i = k * blockSize; i < (k + 1) * blockSize; i++) s += x[i]!;
        out[b] = s;
      }
    }
    return out;
  });
  return { sums, size: blockSize };
}

export function jackknife(
  primaries: readonly (Series | Replicas)[],
  f: (means: number[]) => number,
  opts: ResampleOptions = {},
): JackknifeResult {
  const { sums, size } = blockSums(primaries, opts.blockSize ?? 1);
  const n = sums[0]!.length;
  const totals = sums.map((s) => s.reduce((a, x) => a + x, 0));
  const value = f(totals.map((t) => t / (n * size)));
  const fb = new Float64Array(n);
  for (let b = 0; b < n; b++) fb[b] = f(totals.map((t, a) => (t - sums[a]![b]!) / ((n - 1) * size)));
  let mean = 0;
  for (const x of fb) mean += x;
  mean /= n;
  let ss = 0;
  for (const x of fb) ss += (x - mean) ** 2;
  return { value, err: Math.sqrt(((n - 1) / n) * ss), biasCorrected: n * value - (n - 1) * mean, blocks: n };
}

export interface BootstrapOptions extends ResampleOptions {
  /** number of bootstrap resamples (default 1000) */
  samples?: number;
  /** seed of the resampling stream (default 1); the same seed gives the same answer */
  seed?: string | number;
}

export function bootstrap(
  primaries: readonly (Series | Replicas)[],
  f: (means: number[]) => number,
  opts: BootstrapOptions = {},
): BootstrapResult {
  const { sums, size } = blockSums(primaries, opts.blockSize ?? 1);
  const nBoot = opts.samples ?? 1000;
  if (!Number.isInteger(nBoot) || nBoot < 2) throw new Error(`bootstrap: samples must be an integer ≥ 2, got ${nBoot}`);
  const rng = seedrandom.alea(`${opts.seed ?? 1}/bootstrap`);
  const n = sums[0]!.length;
  const value = f(sums.map((s) => s.reduce((a, x) => a + x, 0) / (n * size)));
  const samples = new Float64Array(nBoot);
  const acc = new Float64Array(sums.length);
  for (let k = 0; k < nBoot; k++) {
    acc.fill(0);
    for (let j = 0; j < n; j++) {
      const b = Math.floor(rng() * n);
      for (let a = 0; a < sums.length; a++) acc[a]! += sums[a]![b]!;
    }
    samples[k] = f(Array.from(acc, (s) => s / (n * size)));
  }
  let mean = 0;
  for (const x of samples) mean += x;
  mean /= nBoot;
  let ss = 0;
  for (const x of samples) ss += (x - mean) ** 2;
  const sorted = Array.from(samples).sort((a, b) => a - b);
  const interval68: [number, number] = [quantileSorted(sorted, 0.16), quantileSorted(sorted, 0.84)];
  return { value, err: Math.sqrt(ss / (nBoot - 1)), interval68, samples, blocks: n };
}
