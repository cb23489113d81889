/**
 * Streaming form of importanceEss (weights.ts): the normalised ESS (Σw)² / (N Σw²) of importance
 * weights w = e^{log p − log q}, in float64, without keeping the weights. They are unnormalised
 * (log Z unknown) and can be large, so the sums are kept relative to the running maximum log w
 * and rescaled when it grows; failed draws (log w = −∞) count in N with w = 0. Sums of different
 * chains of one run merge exactly (their weights share the unknown constant).
 */
export interface ImportanceSums {
  /** draws seen */
  n: number;
  /** max log w so far (−∞ before the first finite weight) */
  maxLogw: number;
  /** Σ e^{log w − maxLogw} */
  sumW: number;
  /** Σ e^{2(log w − maxLogw)} */
  sumW2: number;
}

export function emptyImportance(): ImportanceSums {
  return { n: 0, maxLogw: -Infinity, sumW: 0, sumW2: 0 };
}

/** Add one log-weight in place. */
export function addLogWeight(s: ImportanceSums, logw: number): void {
  s.n++;
  if (logw === -Infinity) return;
  if (logw > s.maxLogw) {
    const r = Math.exp(s.maxLogw - logw); // 0 when there was no finite weight yet
    s.sumW = s.sumW * r + 1;
    s.sumW2 = s.sumW2 * r * r + 1;
    s.maxLogw = logw;
  } else {
    const w = Math.exp(logw - s.maxLogw);
    s.sumW += w;
    s.sumW2 += w * w;
  }
}

/** The sums of the union of two sets of draws. */
export function mergeImportance(a: ImportanceSums, b: ImportanceSums): ImportanceSums {
  const m = Math.max(a.maxLogw, b.maxLogw);
  if (m === -Infinity) return { n: a.n + b.n, maxLogw: m, sumW: 0, sumW2: 0 };
  const ra = a.maxLogw === -Infinity ? 0 : Math.exp(a.maxLogw - m);
  const rb = b.maxLogw === -Infinity ? 0 : Math.exp(b.maxLogw - m);
  return { n: a.n + b.n, maxLogw: m, sumW: a.sumW * ra + b.sumW * rb, sumW2: a.sumW2 * ra * ra + b.sumW2 * rb * rb };
}

/** (Σw)² / (N Σw²) ∈ (0, 1]; NaN when there is no finite weight. */
export function importanceEssOfSums(s: ImportanceSums): number {
  return s.sumW2 > 0 ? (s.sumW * s.sumW) / (s.n * s.sumW2) : NaN;
}
