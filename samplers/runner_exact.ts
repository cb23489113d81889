/**
 * Exact reference values for what the runner measures, where the theory is solved (docs/design.md,
 * "Exact reference results"):
 * 2D U(1) on the finite periodic lattice (plaquette, Q = 0 by symmetry, Q²), and the 2D SU(N)
 * plaquette on the finite torus (character expansion) with the infinite-volume value alongside
 * (`plaquetteInfiniteVolume`). If the torus sum fails or exceeds its time budget (very large N·β,
 * tiny volumes of large N) only the infinite-volume value is compared and the reference says
 * `infiniteVolume: true`.
 *
 * Exact values annotate a run; they never cost it: `exactAnnotation` bounds the time spent
 * (EXACT_BUDGET_MS by default) and turns any failure into `null` with a warning, so that the
 * measurements are always reported.
 */
import { sunExact2D, sunPlaquetteInfinite, u1Exact2D, u1WilsonLoop2D, type ExactBudget } from '../lattices/exact.ts';
import type { SamplerSpec } from './registry.ts';

export interface ExactReference {
  values: Record<string, number>;
  infiniteVolume: boolean;
  source: string;
}

/** Wall-clock bound on the exact reference of one run. */
export const EXACT_BUDGET_MS = 5000;

export function exactReference(spec: SamplerSpec, wilsonLoops: readonly (readonly [number, number])[] = [], budget?: ExactBudget): ExactReference | null {
  if (spec.dims !== 2) return null;
  if (spec.group === 'u1') {
    const e = u1Exact2D(spec.beta, spec.L);
    const values: Record<string, number> = { plaquette: e.plaquette, Q: 0, Q2: e.Q2, chi: e.chi };
    for (const [R, T] of wilsonLoops) values[`W${R}x${T}`] = u1WilsonLoop2D(spec.beta, spec.L, R, T);
    return {
      values,
      infiniteVolume: false,
      source: `u1Exact2D(beta=${spec.beta}, L=${spec.L})`,
    };
  }
  const N = spec.group === 'su2' ? 2 : spec.group === 'su3' ? 3 : spec.N!;
  const inf = sunPlaquetteInfinite(N, spec.beta);
  if (!Number.isFinite(inf)) throw new Error(`the infinite-volume SU(${N}) plaquette at β = ${spec.beta} is not finite`);
  try {
    const fin = sunExact2D(N, spec.beta, spec.L, budget);
    if (!Number.isFinite(fin.plaquette)) throw new Error('non-finite torus sum');
    return {
      values: { plaquette: fin.plaquette, plaquetteInfiniteVolume: inf },
      infiniteVolume: false,
      source: `sunExact2D(N=${N}, beta=${spec.beta}, L=${spec.L}); plaquetteInfiniteVolume = sunPlaquetteInfinite`,
    };
  } catch {
    return { values: { plaquette: inf }, infiniteVolume: true, source: `sunPlaquetteInfinite(N=${N}, beta=${spec.beta})` };
  }
}

/**
 * The exact reference as an annotation: at most `budgetMs` of wall time, and never an exception.
 * `warning` says why the reference is null or only infinite-volume.
 */
export function exactAnnotation(
  spec: SamplerSpec,
  wilsonLoops: readonly (readonly [number, number])[] = [],
  budgetMs = EXACT_BUDGET_MS,
): { exact: ExactReference | null; warning: string | null } {
  const t0 = performance.now();
  try {
    const exact = exactReference(spec, wilsonLoops, { deadline: t0 + budgetMs });
    const warning = exact?.infiniteVolume
      ? `the finite-volume exact sum failed or exceeded ${budgetMs / 1000} s; the exact value is the infinite-volume one`
      : null;
    return { exact, warning };
  } catch (e) {
    return { exact: null, warning: `no exact value: ${(e as Error).message}` };
  }
}

/** (mean − exact)/err per observable with an exact value; null where err = 0 or undefined. */
export function deviationSigma(
  observables: Record<string, { mean: number; err: number }>,
  exact: ExactReference | null,
): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  if (!exact) return out;
  for (const [name, o] of Object.entries(observables)) {
    const x = exact.values[name];
    if (x === undefined) continue;
    out[name] = o.err > 0 ? (o.mean - x) / o.err : null;
  }
  return out;
}
