/**
 * Small float64 helpers for a constant metric (Gram matrix) G on a flat torus in its angle
 * coordinates: identity test, inverse G⁻¹ (raising indices: the Riemannian gradient is G⁻¹∇ψ) and an
 * orthonormal frame L⁻¹ (rows e_i with e_i G e_jᵀ = δ_ij, from the Cholesky factor G = LLᵀ).
 */
export type Metric = readonly (readonly number[])[];

export function identityMetric(n: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
}

export function isIdentityMetric(G: Metric): boolean {
  return G.every((row, i) => row.every((v, j) => v === (i === j ? 1 : 0)));
}

/** Cholesky factor L (lower triangular, G = LLᵀ); throws unless G is symmetric positive definite. */
function cholesky(G: Metric): number[][] {
  const n = G.length;
  const L = G.map(() => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    if (G[i].length !== n) throw new Error(`metric: row ${i} has ${G[i].length} entries, expected ${n}`);
    for (let j = 0; j <= i; j++) {
      if (Math.abs(G[i][j] - G[j][i]) > 1e-12 * (1 + Math.abs(G[i][j]))) throw new Error('metric: the Gram matrix must be symmetric');
      let s = G[i][j];
      for (let k = 0; k < j; k++) s -= L[i][k] * L[j][k];
      if (i === j && !(s > 0)) throw new Error('metric: the Gram matrix must be positive definite');
      L[i][j] = i === j ? Math.sqrt(s) : s / L[j][j];
    }
  }
  return L;
}

/** L⁻¹ for G = LLᵀ: its rows are a G-orthonormal basis of the tangent space. */
export function orthonormalFrame(G: Metric): number[][] {
  const L = cholesky(G);
  const n = L.length;
  const Li = L.map(() => new Array<number>(n).fill(0));
  for (let c = 0; c < n; c++) {
    for (let i = 0; i < n; i++) {
      let s = i === c ? 1 : 0;
      for (let k = 0; k < i; k++) s -= L[i][k] * Li[k][c];
      Li[i][c] = s / L[i][i];
    }
  }
  return Li;
}

/** G⁻¹ = L⁻ᵀ L⁻¹. */
export function inverseMetric(G: Metric): number[][] {
  const Li = orthonormalFrame(G);
  const n = Li.length;
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => Li.reduce((s, row) => s + row[i] * row[j], 0)));
}
