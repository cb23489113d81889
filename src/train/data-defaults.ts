/**
 * The defaults of a density fit to data on S² (`gaugeflow fit --data`, bench/earth.ts), chosen from
 * the size of the training split and the time budget, so that the default run is the good run.
 *
 * CNF (flow matching): the bench-tuned model of bench/cnf.ts (Φ an MLP 128,128 on random Fourier
 * features of x at scales 1, 3, 8, 20 — 16 directions each — and time harmonics up to 2), Adam 3e-3
 * with cosine decay to 5%, batch 256, no clipping; 6000 steps for under 2000 training points, more for
 * larger sets (the budget decides). Validation every ≤ 200 steps on at most 500 validation points by
 * the continuous-time density at 8 RK4 steps (≈ 0.0025 s a point on one core: ≤ 1.3 s an evaluation),
 * early stopping after 10 evaluations without improvement.
 * IRCPM (maximum likelihood): 3 stacked layers 128,128 (as `fit`), Adam 3e-3, clipping 10, 3000 steps.
 */
import type { ValidatedFitSettings } from './validated-fit.ts';

export interface DataCNFModel {
  hidden: number[];
  randomFeatures: { count: number; scales: number[] };
  timeHarmonics: number;
  /** RK4 steps of the map (training, validation and the exact test density all use this map) */
  steps: number;
}

export interface DataFitDefaults {
  training: ValidatedFitSettings;
  /** validation points used for selection (the first ones of the seeded split) */
  valCap: number;
  /** what the choice was made from, for the JSON */
  basis: string;
}

/**
 * Training budget of the CNF. The exact density on the test points and on ≤ 500 validation points
 * (≈ 23–28 ms a point at 32 steps) and the kernel density's selection (`fit --data`'s default mixture,
 * 15–26 s for 10 000 points, beside the exact densities on worker threads) come on top: 2 minutes
 * keep the largest catalogue (fire) under 5 minutes in all (168 s measured).
 * Beside the kernel density the CNF's weight is small (0–0.1 on the Earth data), so the minute
 * saved costs ≤ 0.01 nats there (bench/earth.ts measures with 1 minute).
 */
export const DEFAULT_DATA_MINUTES = 2;

/**
 * 32 RK4 steps: at 16 the discrete map of a fully trained volcano model is no longer invertible by
 * Newton at 27% of the test points (exact test NLL +0.21 against −2.04 continuous-time); at 32 and 64
 * the exact and continuous NLL of a 1-minute model agree within 0.01 (16: 0.23 apart).
 */
export const DATA_CNF_MODEL: DataCNFModel = { hidden: [128, 128], randomFeatures: { count: 16, scales: [1, 3, 8, 20] }, timeHarmonics: 2, steps: 32 };

/** RK4 steps of the continuous-time validation NLL that selects the weights (a cheap stand-in) */
export const VALIDATION_STEPS = 8;

/**
 * Defaults for `nTrain` training points and a budget of `minutes`; `iterations`, when the user chose
 * them, also sets the validation interval (at least 20 validations in a run, at most every 200 steps).
 */
export function dataFitDefaults(flow: 'cnf' | 'ircpm', nTrain: number, o: { minutes?: number; iterations?: number } = {}): DataFitDefaults {
  if (!(nTrain > 0)) throw new Error('data fit: empty training split');
  const minutes = o.minutes ?? DEFAULT_DATA_MINUTES;
  const seconds = minutes * 60;
  const iterations = o.iterations ?? (flow === 'ircpm' ? 3000 : nTrain < 2000 ? 6000 : 12000);
  const evalEvery = Math.max(1, Math.min(200, Math.floor(iterations / 20)));
  const common = { iterations, batch: 256, lr: 3e-3, lrFloor: 0.05, evalEvery, patience: 10, ema: 0, seconds };
  const basis = `${nTrain} training points, ${minutes} min budget${o.iterations !== undefined ? `, ${iterations} steps` : ''}`;
  return { training: { ...common, clipNorm: flow === 'ircpm' ? 10 : Infinity }, valCap: 500, basis };
}
