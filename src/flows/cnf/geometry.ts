/**
 * Which RK4 geometry and which default potential features a CNF uses on each manifold.
 *
 * Symmetries (an invariant Φ gives an equivariant flow when the group acts by isometries):
 * - 'sum' on T²: Φ depends on x₁ + x₂ only, invariant under the shifts (a, −a);
 * - 'difference' on T²: Φ depends on x₁ − x₂ only, invariant under the diagonal shift (a, a);
 * - 'permutation' on the SU(N) maximal torus: Φ is a function of the power sums
 *   p_k = Σ_j e^{ikθ_j} (θ_N = −Σ_{j<N} θ_j), invariant under permutations of the eigen-phases.
 */
import type { Manifold } from '../../manifolds/types.ts';
import type { FeatureSpec } from './potential.ts';
import type { Geometry } from './rk4.ts';
import { fourierFrequencies } from '../potentials.ts';
import { inverseMetric, isIdentityMetric } from '../../manifolds/metric.ts';

export type Symmetry = 'none' | 'sum' | 'difference' | 'permutation';

/** N for an SU(N) maximal-torus manifold, or null. */
export function maxTorusN(m: Manifold): number | null {
  return m.suN ?? null;
}

export function geometryOf(m: Manifold): Geometry {
  if (m.kind === 'sphere') {
    if (m.ambientDim !== m.dim + 1) throw new Error(`CNF: sphere '${m.name}' should have ambientDim = dim + 1`);
    return { kind: 'sphere', dim: m.ambientDim };
  }
  if (m.kind === 'flat-torus') {
    if (!m.metric) throw new Error(`CNF: flat torus '${m.name}' has no metric`);
    // The velocity is the Riemannian gradient G⁻¹∂Φ in the metric the manifold carries (on the SU(N)
    // maximal torus G = I + 11ᵀ, under which permutations of the N phases are isometries, so an
    // invariant Φ gives a permutation-equivariant flow). Densities stay relative to the coordinate
    // measure: for a constant metric the coordinate Jacobian determinant is the same number.
    if (isIdentityMetric(m.metric)) return { kind: 'flat', dim: m.ambientDim };
    return { kind: 'flat', dim: m.ambientDim, ginv: inverseMetric(m.metric) };
  }
  throw new Error(`CNF: no geometry for manifold '${m.name}' of kind '${(m as { kind?: string }).kind}' (flat tori and spheres are supported)`);
}

export function defaultFeatures(m: Manifold, K: number, symmetry: Symmetry = 'none'): FeatureSpec {
  const geo = geometryOf(m);
  if (geo.kind === 'sphere') {
    if (symmetry !== 'none') throw new Error(`CNF: symmetry '${symmetry}' is not available on ${m.name}`);
    return { kind: 'ambient', dim: geo.dim };
  }
  const D = geo.dim;
  const ks = Array.from({ length: K }, (_, i) => i + 1);
  const N = maxTorusN(m);
  if (symmetry === 'permutation') {
    if (N === null) throw new Error(`CNF: symmetry 'permutation' needs a maximal torus, not ${m.name}`);
    // phases kθ_j: θ_j = φ_j (j < N), θ_N = −Σφ
    const dirs = Array.from({ length: N }, (_, j) => Array.from({ length: D }, (_, i) => (j === N - 1 ? -1 : i === j ? 1 : 0)));
    return { kind: 'fourier', dim: D, groups: ks.map((k) => dirs.map((a) => a.map((v) => k * v))) };
  }
  if (symmetry === 'sum' || symmetry === 'difference') {
    if (D !== 2) throw new Error(`CNF: symmetry '${symmetry}' is defined on T² only, not ${m.name}`);
    const dir = symmetry === 'sum' ? [1, 1] : [1, -1];
    return { kind: 'fourier', dim: D, groups: ks.map((k) => [dir.map((v) => k * v)]) };
  }
  if (N !== null) {
    // no symmetry: all Fourier modes of the N−1 free angles
    return { kind: 'fourier', dim: D, groups: fourierFrequencies(D, K).map((w) => [w]) };
  }
  return { kind: 'fourier', dim: D, groups: fourierFrequencies(D, K).map((w) => [w]) };
}

/**
 * Random Fourier features for ambient coordinates (sphere): `count` Gaussian-random directions per
 * scale, ω = scale · unit direction, each its own group. Higher scales resolve sharper densities.
 */
export function randomFourierFeatures(dim: number, count: number, scales: number[], rng: () => number): FeatureSpec {
  if (!(count > 0) || scales.length === 0) throw new Error('random features: need count > 0 and at least one scale');
  const groups: number[][][] = [];
  for (const sc of scales)
    for (let i = 0; i < count; i++) {
      const g = Array.from({ length: dim }, () => {
        const u = Math.max(rng(), 1e-12);
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
      });
      const n = Math.sqrt(g.reduce((s, v) => s + v * v, 0));
      groups.push([g.map((v) => (sc * v) / n)]);
    }
  return { kind: 'fourier', dim, groups };
}

/** Fourier features of given integer combinations r·x only (Φ invariant under the shifts orthogonal to all rows). */
export function invariantFeatures(m: Manifold, rows: number[][], K: number): FeatureSpec {
  const geo = geometryOf(m);
  if (geo.kind !== 'flat') throw new Error(`CNF: invariant directions need a flat torus, not ${m.name}`);
  for (const r of rows)
    if (r.length !== geo.dim || !r.every(Number.isInteger)) throw new Error(`CNF: invariant direction ${JSON.stringify(r)} must have ${geo.dim} integer entries`);
  const groups: number[][][] = [];
  for (const r of rows) for (let k = 1; k <= K; k++) groups.push([r.map((v) => k * v)]);
  return { kind: 'fourier', dim: geo.dim, groups };
}
