/**
 * Exact reference values for what the runner measures, where the theory is solved (DESIGN §2):
 * 2D U(1) on the finite periodic lattice (plaquette, Q = 0 by symmetry, Q²), and the 2D SU(N)
 * plaquette on the finite torus (character expansion) with the infinite-volume value alongside
 * (`plaquetteInfiniteVolume`). If the torus sum fails (very large N·β) only the infinite-volume
 * value is compared and the reference says `infiniteVolume: true`.
 */
import { logBesselI, sunExact2D, sunPlaquetteInfinite, u1Exact2D } from '../lattices/exact.ts';
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
    for (const [R, T] of wilsonLoops) values[`W${R}x${T}`] = u1WilsonLoop2D(spec.beta, spec.L, R * T);
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

/**
 * 2D U(1) Wilson loop of area A on the periodic L×L torus. In the character expansion every
 * plaquette carries the same charge n, shifted by one inside the loop:
 * ⟨cos θ_W⟩ = Σ_n I_n^{V−A} I_{n+1}^A / Σ_n I_n^V (A = 1 gives the plaquette; V → ∞: (I₁/I₀)^A).
 */
export function u1WilsonLoop2D(beta: number, L: number, area: number): number {
  const V = L * L;
  if (!(Number.isInteger(area) && area >= 1 && area < V)) throw new Error(`Wilson loop area must be an integer in [1, ${V - 1}], got ${area}`);
  const lg = (n: number) => logBesselI(Math.abs(n), beta);
  const ref = V * lg(0);
  let num = 0;
  let den = 0;
  // Terms fall off like (I_n/I_0)^V: stop once both sums stop changing.
  for (let n = 0; n < 10000; n++) {
    let dNum = 0;
    let dDen = 0;
    for (const m of n === 0 ? [0] : [n, -n]) {
      dDen += Math.exp(V * lg(m) - ref);
      dNum += Math.exp((V - area) * lg(m) + area * lg(m + 1) - ref);
    }
    num += dNum;
    den += dDen;
    if (n > 0 && dNum <= 1e-17 * num && dDen <= 1e-17 * den) break;
  }
  return num / den;
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
