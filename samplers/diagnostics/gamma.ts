/**
 * Γ-method error analysis of Monte Carlo time series (U. Wolff, "Monte Carlo errors with less
 * errors", Comput. Phys. Commun. 156 (2004) 143, hep-lat/0306017), in the form of his UWerr code
 * and of pyerrors:
 *
 * - several replica (independent chains) of the same observable: Γ(t) is summed over replica
 *   with the normalisation N − R·t, the mean is over all N = Σ N_r measurements;
 * - derived quantities f(⟨A⟩, ⟨B⟩, …) through the projected fluctuations
 *   δ_f = Σ_α ∂f/∂ā_α (a_α − ā_α) (Wolff §3);
 * - automatic windowing: the first W with g(W) = exp(−W/τ(W)) − τ(W)/√(W N) < 0, where
 *   τ(W) = S / ln[(2τ_int(W)+1)/(2τ_int(W)−1)] (Wolff eq. 52), S = 1.5 by default;
 * - bias correction of Γ for the subtracted mean, Γ(t) → Γ(t) + C(W)/N (Wolff eq. 49);
 * - errors of the error and of τ_int from the Madras–Sokal formula as in UWerr:
 *   δσ = σ √((W + ½)/N), δτ_int = 2 τ_int √((W + ½ − τ_int)/N).
 */
import { autocovarianceSums } from './fft.ts';

/** One time series of measurements. */
export type Series = ArrayLike<number>;
/** Several independent replica (chains) of the same observable. */
export type Replicas = readonly Series[];

export interface GammaOptions {
  /** Wolff's S (ratio of the window to the estimated exponential time); 0 = assume no autocorrelation. */
  S?: number;
  /** Analytic gradient of f at the means (derived quantities); numerical central differences otherwise. */
  gradient?: readonly number[];
  /** Return ρ(t) up to at least this lag (capped at N_min/2), e.g. for plotting beyond 2W. */
  rhoLags?: number;
}

export interface GammaResult {
  /** f at the overall means (for a primary observable: its mean). */
  value: number;
  /** Error of `value` including autocorrelations, σ = √(C_F(W)/N). */
  err: number;
  /** Statistical error of `err`. */
  errErr: number;
  /** Integrated autocorrelation time (½ for uncorrelated data), NaN if the data do not fluctuate. */
  tauInt: number;
  /** NaN when the windowing failed (see `warning`). */
  tauIntErr: number;
  /** Summation window W chosen by the automatic windowing. */
  window: number;
  /** Effective sample size N/(2 τ_int); NaN when the data do not fluctuate at all (τ_int undefined). */
  ess: number;
  /** Total number of measurements over all replica. */
  N: number;
  replica: number;
  /** Normalised autocorrelation function ρ(t) = Γ(t)/Γ(0) for t = 0 … min(max(2W, rhoLags), Wmax), bias-corrected. */
  rho: Float64Array;
  /** Set when the windowing condition was never met up to W = N_min/2: the chain is too short. */
  warning?: string;
}

/** Accept a single series or a list of replica. */
export function asReplicas(x: Series | Replicas): Series[] {
  if (x.length === 0) throw new Error('gamma method: no data (empty series or empty list of replica)');
  const first = (x as ArrayLike<unknown>)[0];
  const reps = typeof first === 'number' ? [x as Series] : Array.from(x as Replicas);
  for (const [r, s] of reps.entries()) {
    if (!s || s.length === 0) throw new Error(`gamma method: replica ${r} is empty`);
    for (let i = 0; i < s.length; i++) {
      if (!Number.isFinite(s[i]!)) throw new Error(`gamma method: replica ${r} has a non-finite value at index ${i}`);
    }
  }
  return reps;
}

/** Γ-method analysis of one primary observable (one series or several replica). */
export function gammaMethod(data: Series | Replicas, opts: GammaOptions = {}): GammaResult {
  return gammaMethodDerived([data], (m) => m[0]!, { ...opts, gradient: opts.gradient ?? [1] });
}

/**
 * Γ-method analysis of a derived quantity f(ā_1, …, ā_n) of primary observables measured on the
 * same configurations: `primaries[α]` is observable α (one series, or its replica, with the same
 * lengths for every α).
 */
export function gammaMethodDerived(
  primaries: readonly (Series | Replicas)[],
  f: (means: number[]) => number,
  opts: GammaOptions = {},
): GammaResult {
  const S = opts.S ?? 1.5;
  if (!(S >= 0)) throw new Error(`gamma method: S must be ≥ 0, got ${S}`);
  if (primaries.length === 0) throw new Error('gamma method: no primary observables');
  const obs = primaries.map(asReplicas);
  const lengths = obs[0]!.map((s) => s.length);
  for (const [a, reps] of obs.entries()) {
    if (reps.length !== lengths.length || reps.some((s, r) => s.length !== lengths[r])) {
      throw new Error(`gamma method: primary ${a} does not have the replica lengths of primary 0 (${lengths.join(',')})`);
    }
  }
  const R = lengths.length;
  const N = lengths.reduce((s, n) => s + n, 0);

  // Overall means and Γ_αα(0) (for the step of the numerical derivative).
  const means = obs.map((reps) => {
    let s = 0;
    for (const x of reps) for (let i = 0; i < x.length; i++) s += x[i]!;
    return s / N;
  });
  const gradient = opts.gradient ? [...opts.gradient] : numericalGradient(obs, means, N, f);
  if (gradient.length !== obs.length) {
    throw new Error(`gamma method: gradient has ${gradient.length} components for ${obs.length} primaries`);
  }
  const value = f(means);

  // Projected fluctuations per replica.
  const deltas = lengths.map((n, r) => {
    const d = new Float64Array(n);
    for (let a = 0; a < obs.length; a++) {
      const g = gradient[a]!;
      if (g === 0) continue;
      const x = obs[a]![r]!;
      const m = means[a]!;
      for (let i = 0; i < n; i++) d[i]! += g * (x[i]! - m);
    }
    return d;
  });
  return analyseFluctuations(deltas, value, N, S, opts.rhoLags ?? 0);
}

/** UWerr's step h_α = σ_α/(2√N) and central differences. */
function numericalGradient(obs: Series[][], means: number[], N: number, f: (m: number[]) => number): number[] {
  return means.map((m, a) => {
    let ss = 0;
    for (const x of obs[a]!) for (let i = 0; i < x.length; i++) ss += (x[i]! - m) ** 2;
    const h = Math.sqrt(ss / N) / Math.sqrt(N) / 2;
    if (h === 0) return 0; // a constant observable contributes no fluctuation
    const up = [...means];
    const dn = [...means];
    up[a] = m + h;
    dn[a] = m - h;
    return (f(up) - f(dn)) / (2 * h);
  });
}

function analyseFluctuations(deltas: Float64Array[], value: number, N: number, S: number, rhoLags: number): GammaResult {
  const R = deltas.length;
  const nMin = Math.min(...deltas.map((d) => d.length));
  const wMax = Math.floor(nMin / 2);
  const sums = autocovarianceSums(deltas, wMax);
  const gamma = new Float64Array(wMax + 1);
  for (let t = 0; t <= wMax; t++) gamma[t] = sums[t]! / (N - R * t);
  const g0 = gamma[0]!;

  if (!(g0 > 0)) {
    // No fluctuations at all (e.g. a topological charge frozen in the same sector in every
    // chain): the data cannot tell an error, τ_int or an ESS — report them as undefined rather
    // than as a perfect sampler.
    return {
      value,
      err: 0,
      errErr: 0,
      tauInt: NaN,
      tauIntErr: NaN,
      window: 0,
      ess: NaN,
      N,
      replica: R,
      rho: Float64Array.of(1),
      warning: 'the data do not fluctuate: error, τ_int and ESS are undefined',
    };
  }

  let W = 0;
  let warning: string | undefined;
  if (S > 0) {
    let c = g0;
    let found = false;
    for (let w = 1; w <= wMax; w++) {
      c += 2 * gamma[w]!;
      const tauW = c / (2 * g0);
      // τ(W) → 0 as in UWerr (eps, not MIN_VALUE: τ/√(WN) must stay > 0 so g(W) < 0 stops here)
      const tau = tauW <= 0.5 ? Number.EPSILON : S / Math.log((2 * tauW + 1) / (2 * tauW - 1));
      const g = Math.exp(-w / tau) - tau / Math.sqrt(w * N);
      if (g < 0) {
        W = w;
        found = true;
        break;
      }
    }
    if (!found) {
      W = wMax;
      warning = `automatic windowing failed up to W = ${wMax}: the series is too short for its autocorrelation time (τ_int and the error are lower bounds)`;
    }
  }

  // Bias correction for the subtracted mean.
  let c = gamma[0]!;
  for (let t = 1; t <= W; t++) c += 2 * gamma[t]!;
  const shift = c / N;
  for (let t = 0; t <= wMax; t++) gamma[t]! += shift;
  c = gamma[0]!;
  for (let t = 1; t <= W; t++) c += 2 * gamma[t]!;

  const cPos = Math.max(c, 0);
  const err = Math.sqrt(cPos / N);
  const tauInt = cPos / (2 * gamma[0]!);
  // A healthy window spans several τ_int (W/τ_int ≳ 3 once N ≳ 100 τ). W < 2τ_int means ρ(t) has not
  // decayed inside the window — a series that has not decorrelated (e.g. a frozen topological
  // charge), where g(W) can still turn negative. Madras–Sokal then says nothing useful.
  if (!warning && tauInt > 1 && W < 2 * tauInt) {
    warning = `window W = ${W} < 2 τ_int: the series has not decorrelated (τ_int and the error are lower bounds)`;
  }
  const tauIntErr = warning ? NaN : 2 * tauInt * Math.sqrt(Math.max(W + 0.5 - tauInt, 0) / N);
  const tRho = Math.min(Math.max(2 * W, rhoLags), wMax);
  const rho = new Float64Array(tRho + 1);
  for (let t = 0; t <= tRho; t++) rho[t] = gamma[t]! / gamma[0]!;
  const result: GammaResult = {
    value,
    err,
    errErr: err * Math.sqrt((W + 0.5) / N),
    tauInt,
    tauIntErr,
    window: W,
    ess: tauInt > 0 ? N / (2 * tauInt) : NaN,
    N,
    replica: R,
    rho,
  };
  if (warning) result.warning = warning;
  return result;
}
