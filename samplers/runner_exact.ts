/**
 * Exact reference values for what the runner measures, where the theory is solved (docs/design.md,
 * "Exact reference results"):
 * 2D U(1) on the finite periodic lattice (plaquette, Q = 0 by symmetry, Q²), and the 2D SU(N)
 * plaquette on the finite torus (character expansion) with the infinite-volume value alongside
 * (`plaquetteInfiniteVolume`). If the torus sum fails (very large N·β) only the infinite-volume
 * value is compared and the reference says `infiniteVolume: true`.
 */
import { sunExact2D, sunPlaquetteInfinite, u1Exact2D, u1WilsonLoop2D } from '../lattices/exact.ts';
import type { SamplerSpec } from './registry.ts';

export interface ExactReference {
  values: Record<string, number>;
  infiniteVolume: boolean;
  source: string;
}

export function exactReference(spec: SamplerSpec, wilsonLoops: readonly (readonly [number, number])[] = []): ExactReference | null {
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
  try {
    const fin = sunExact2D(N, spec.beta, spec.L);
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
