/**
 * The von Mises–Fisher kernel density estimate on S² and its mixture with a fitted flow, both
 * chosen on the validation split (bench/earth.ts). q_KDE(x) = (1/N) Σᵢ C(κ) exp(κ x·cᵢ) over the
 * training points cᵢ, C(κ) = κ / (4π sinh κ); the mixture w q_flow + (1 − w) q_KDE of two normalised
 * densities is a normalised density, so its test NLL is as honest as either's. Float64 throughout.
 */
import { logVmfNorm } from './flow-matching-cnfm.ts';

/** log q_KDE at each point of x (rows, unit vectors). */
export function vmfKdeLogDensity(centers: readonly number[][], x: readonly number[][], kappa: number): Float64Array {
  const N = centers.length;
  if (N === 0) throw new Error('vMF KDE: no centres');
  const cx = Float64Array.from(centers, (c) => c[0]!);
  const cy = Float64Array.from(centers, (c) => c[1]!);
  const cz = Float64Array.from(centers, (c) => c[2]!);
  const out = new Float64Array(x.length);
  const dots = new Float64Array(N);
  const base = logVmfNorm(kappa) - Math.log(N);
  x.forEach((p, j) => {
    let mx = -Infinity;
    for (let i = 0; i < N; i++) {
      const d = p[0]! * cx[i]! + p[1]! * cy[i]! + p[2]! * cz[i]!;
      dots[i] = d;
      if (d > mx) mx = d;
    }
    let s = 0;
    for (let i = 0; i < N; i++) s += Math.exp(kappa * (dots[i]! - mx));
    out[j] = base + kappa * mx + Math.log(s);
  });
  return out;
}

/** −mean of per-point log-densities: the NLL in nats. */
export const meanNegLog = (a: Float64Array): number => -a.reduce((s, v) => s + v, 0) / a.length;

/**
 * κ grid: 5 … 5000, six per decade. The top is a kernel of ≈ 0.8° (1/√κ rad, ≈ 90 km). Sharper
 * kernels are left out on purpose: 82% of volcano test points repeat a training location exactly
 * (eruptions of the same volcano), and a kernel of κ = 5·10⁶ "wins" the test NLL by memorising them
 * (−6.2 nats in a mixture with the CNF), which says nothing about the density of volcanoes.
 */
export const KAPPA_GRID = Array.from({ length: 19 }, (_, k) => 5 * 10 ** (k / 6));

/**
 * The mixture w q_A + (1 − w) q_KDE(κ) with κ and w chosen jointly on the validation points (the
 * flow covers the smooth part, so the kernel in the mixture is sharper than the KDE's alone), and
 * the KDE's own κ.
 */
export function selectMixture(centers: readonly number[][], val: readonly number[][], valLogA: Float64Array): { kappa: number; weight: number; valNLL: number; kdeKappa: number } {
  let best = { kappa: NaN, weight: NaN, valNLL: Infinity };
  let kde = { kappa: NaN, valNLL: Infinity };
  for (const kappa of KAPPA_GRID) {
    const lk = vmfKdeLogDensity(centers, val, kappa);
    const nll = meanNegLog(lk);
    if (nll < kde.valNLL) kde = { kappa, valNLL: nll };
    const w = selectWeight(valLogA, lk);
    if (w.valNLL < best.valNLL) best = { kappa, ...w };
  }
  return { ...best, kdeKappa: kde.kappa };
}

/** log(w e^a + (1 − w) e^b) per point. */
export function mixtureLogDensity(logA: Float64Array, logB: Float64Array, w: number): Float64Array {
  return logA.map((a, i) => {
    const b = logB[i]!;
    const la = w > 0 ? Math.log(w) + a : -Infinity;
    const lb = w < 1 ? Math.log(1 - w) + b : -Infinity;
    const m = Math.max(la, lb);
    return m + Math.log(Math.exp(la - m) + Math.exp(lb - m));
  });
}

/** Mixture weight w ∈ {0, 0.05, …, 1} of density A minimising the validation NLL. */
export function selectWeight(logA: Float64Array, logB: Float64Array): { weight: number; valNLL: number } {
  let best = { weight: NaN, valNLL: Infinity };
  for (let k = 0; k <= 20; k++) {
    const nll = meanNegLog(mixtureLogDensity(logA, logB, k / 20));
    if (nll < best.valNLL) best = { weight: k / 20, valNLL: nll };
  }
  return best;
}
