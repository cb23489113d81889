/**
 * Normalised effective sample size of importance weights, ESS/N = (Σw)² / (N Σw²) ∈ [1/N, 1],
 * computed from log-weights: log w − max log w keeps every exponent ≤ 0, so log-weights of ±1000
 * (typical of −S + log q differences on a lattice) neither overflow nor underflow to 0/0.
 */
export function importanceEss(logWeights: ArrayLike<number>): number {
  const n = logWeights.length;
  if (n === 0) throw new Error('importanceEss: no log-weights');
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const lw = logWeights[i]!;
    if (Number.isNaN(lw) || lw === Infinity) throw new Error(`importanceEss: log-weight ${i} is ${lw}`);
    if (lw > max) max = lw;
  }
  if (max === -Infinity) throw new Error('importanceEss: every weight is zero (all log-weights −∞)');
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const w = Math.exp(logWeights[i]! - max);
    s1 += w;
    s2 += w * w;
  }
  return (s1 * s1) / (n * s2);
}

/** log((1/N) Σ exp(x_i)) without overflow, e.g. the log of the mean importance weight (log Z estimate). */
export function logMeanExp(x: ArrayLike<number>): number {
  const n = x.length;
  if (n === 0) throw new Error('logMeanExp: no values');
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (x[i]! > max) max = x[i]!;
  if (max === -Infinity || !Number.isFinite(max)) return max;
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.exp(x[i]! - max);
  return max + Math.log(s / n);
}
