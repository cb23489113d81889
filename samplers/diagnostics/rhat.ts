/**
 * Potential scale reduction R̂ across chains.
 *
 * `splitRhat`: Gelman et al. (BDA3 §11.4): every chain is split in two halves (the middle draw of
 * an odd-length chain is dropped) and R̂ = √(var⁺/W) with var⁺ = (n−1)/n W + B/n.
 * `rankRhat`: Vehtari, Gelman, Simpson, Carpenter, Bürkner (2021): split R̂ of the rank-normalised
 * draws (bulk) and of the rank-normalised |x − median| (tail); R̂ = max(bulk, tail). Robust to
 * heavy tails and to discrete observables like the topological charge.
 *
 * Chains of unequal length (an interrupted run) are truncated to the shortest one.
 * Constant data give NaN (undefined); chains each constant at different values give +∞.
 */
import { median, probit } from 'simple-statistics';
import type { Series } from './gamma.ts';

function splitChains(chains: readonly Series[]): Float64Array[] {
  if (chains.length === 0) throw new Error('R-hat: no chains');
  const n = Math.min(...chains.map((c) => c.length));
  const half = Math.floor(n / 2);
  if (half < 2) throw new Error(`R-hat: chains need at least 4 draws, the shortest has ${n}`);
  const out: Float64Array[] = [];
  for (const c of chains) {
    const a = Float64Array.from({ length: half }, (_, i) => c[i]!);
    const b = Float64Array.from({ length: half }, (_, i) => c[n - half + i]!);
    out.push(a, b);
  }
  return out;
}

/** Classic R̂ of already-split chains of equal length. */
function rhatOfSplit(split: readonly Float64Array[]): number {
  const m = split.length;
  const n = split[0]!.length;
  const means = split.map((c) => c.reduce((s, x) => s + x, 0) / n);
  const grand = means.reduce((s, x) => s + x, 0) / m;
  let B = 0;
  for (const mu of means) B += (mu - grand) ** 2;
  B *= n / (m - 1);
  let W = 0;
  for (const [j, c] of split.entries()) {
    // A constant chain has exactly zero variance (its rounded mean need not equal its values).
    if (c.every((x) => x === c[0])) continue;
    let s = 0;
    for (let i = 0; i < n; i++) s += (c[i]! - means[j]!) ** 2;
    W += s / (n - 1);
  }
  W /= m;
  const varPlus = ((n - 1) / n) * W + B / n;
  if (W === 0) return B === 0 ? NaN : Infinity;
  return Math.sqrt(varPlus / W);
}

export function splitRhat(chains: readonly Series[]): number {
  return rhatOfSplit(splitChains(chains));
}

/** Ranks 1…S of the pooled draws, ties given their average rank. */
function pooledRanks(split: readonly Float64Array[]): Float64Array[] {
  const n = split[0]!.length;
  const total = split.length * n;
  const all = new Float64Array(total);
  split.forEach((c, j) => all.set(c, j * n));
  const order = Array.from({ length: total }, (_, i) => i).sort((a, b) => all[a]! - all[b]!);
  const ranks = new Float64Array(total);
  for (let i = 0; i < total; ) {
    let j = i;
    while (j + 1 < total && all[order[j + 1]!] === all[order[i]!]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]!] = r;
    i = j + 1;
  }
  return split.map((_, j) => ranks.subarray(j * n, (j + 1) * n));
}

/** Blom's normal scores Φ⁻¹((r − 3/8)/(S + 1/4)). */
function rankNormalise(split: readonly Float64Array[]): Float64Array[] {
  const S = split.length * split[0]!.length;
  return pooledRanks(split).map((r) => r.map((x) => probit((x - 0.375) / (S + 0.25))));
}

export interface RankRhat {
  bulk: number;
  tail: number;
  /** max(bulk, tail), the number to compare with 1.01 (Vehtari et al.) */
  rhat: number;
}

export function rankRhat(chains: readonly Series[]): RankRhat {
  const split = splitChains(chains);
  const bulk = rhatOfSplit(rankNormalise(split));
  const pooled: number[] = [];
  for (const c of split) for (const x of c) pooled.push(x);
  const med = median(pooled);
  const tail = rhatOfSplit(rankNormalise(split.map((c) => c.map((x) => Math.abs(x - med)))));
  const rhat = Number.isNaN(bulk) || Number.isNaN(tail) ? (Number.isNaN(bulk) ? tail : bulk) : Math.max(bulk, tail);
  return { bulk, tail, rhat };
}
