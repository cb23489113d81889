/**
 * Two-component mixtures of normalised densities, w q_A + (1 − w) q_B, with w chosen on validation
 * points. The mixture of two normalised densities is normalised, so its test NLL is as honest as
 * either's (the CNF beside the kernel density of sphere-kernel.ts: `fit --data`, bench/earth.ts).
 * Float64 throughout.
 */

/** −mean of per-point log-densities: the NLL in nats. */
export const meanNegLog = (a: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return -s / a.length;
};

/** log(w e^a + (1 − w) e^b) per point. */
export function mixtureLogDensity(logA: ArrayLike<number>, logB: ArrayLike<number>, w: number): Float64Array {
  if (logA.length !== logB.length) throw new Error(`mixture: ${logA.length} vs ${logB.length} log-densities`);
  if (!(w >= 0 && w <= 1)) throw new Error(`mixture weight must be in [0, 1], got ${w}`);
  const out = new Float64Array(logA.length);
  for (let i = 0; i < out.length; i++) {
    const la = w > 0 ? Math.log(w) + logA[i]! : -Infinity;
    const lb = w < 1 ? Math.log1p(-w) + logB[i]! : -Infinity;
    const m = Math.max(la, lb);
    out[i] = m === -Infinity ? -Infinity : m + Math.log(Math.exp(la - m) + Math.exp(lb - m));
  }
  return out;
}

/** Candidate weights: 0, 0.01, 0.02, then steps of 0.05 (a flow's share beside a kernel density is often small). */
export const MIXTURE_WEIGHTS = [0, 0.01, 0.02, ...Array.from({ length: 20 }, (_, k) => (k + 1) / 20)];

/** The weight w of density A (from MIXTURE_WEIGHTS) minimising the validation NLL of the mixture. */
export function selectWeight(logA: ArrayLike<number>, logB: ArrayLike<number>): { weight: number; valNLL: number } {
  let best = { weight: NaN, valNLL: Infinity };
  for (const w of MIXTURE_WEIGHTS) {
    const nll = meanNegLog(mixtureLogDensity(logA, logB, w));
    if (nll < best.valNLL) best = { weight: w, valNLL: nll };
  }
  return best;
}
