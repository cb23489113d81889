/**
 * Bound diagnostics of IRCPM potentials over many uniform points (docs/design.md, "Implicit
 * Riemannian Concave Potential Maps (IRCPM)"):
 * max ‖grad ψ‖, max ‖Hess ψ‖ (spectral norm of the Riemannian Hessian) and the paper's sufficient
 * condition for a global diffeomorphism.
 * - Sⁿ: ‖grad ψ‖ < λ/2 and ‖Hess ψ‖ < λ cot λ for some λ ∈ (0, π/2); the best choice is λ just above
 *   2 max‖grad ψ‖, since λ cot λ decreases in λ.
 * - Flat tori: ‖Hess ψ‖ < 1 (the λ → 0 limit) is sufficient; the sharp condition is I + Hess ψ ≻ 0
 *   everywhere (then y ↦ y + ∇ψ(y) is the gradient of a strictly convex function on ℝⁿ commuting
 *   with 2πℤⁿ, hence a diffeomorphism of the torus), reported as minHessEig > −1.
 */
import { tf } from '../../backend/index.ts';
import type { IRCPMFlow } from './stack.ts';

export interface BoundDiagnostics {
  points: number;
  maxGradNorm: number;
  maxHessNorm: number;
  minHessEig: number;
  /** sphere: λ = 2 max‖grad ψ‖ and the bound λ cot λ; torus: λ → 0, bound 1 */
  lambda: number;
  hessBound: number;
  /** the paper's sufficient condition holds at every tested point */
  sufficient: boolean;
  /** torus only: I + Hess ψ ≻ 0 at every tested point */
  cConcave?: boolean;
}

/** Eigenvalues of a small symmetric matrix (cyclic Jacobi, float64). */
export function symmetricEigenvalues(a: number[][]): number[] {
  const n = a.length;
  const A = a.map((r) => r.slice());
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += A[p][q] * A[p][q];
    if (off < 1e-24) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(A[p][q]) < 1e-300) continue;
        const theta = (A[q][q] - A[p][p]) / (2 * A[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k][p];
          const akq = A[k][q];
          A[k][p] = c * akp - s * akq;
          A[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p][k];
          const aqk = A[q][k];
          A[p][k] = c * apk - s * aqk;
          A[q][k] = s * apk + c * aqk;
        }
      }
    }
  }
  return A.map((r, i) => r[i]);
}

export function boundDiagnostics(flow: IRCPMFlow, n = 20000, rng: () => number = Math.random, batch = 2000): BoundDiagnostics[] {
  const M = flow.manifold;
  const onSphere = M.kind === 'sphere';
  const d = M.dim;
  return flow.potentials.map((psi) => {
    const layer = flow.layers.find((l) => l.potential === psi)!;
    let maxG = 0;
    let maxH = 0;
    let minEig = Infinity;
    for (let done = 0; done < n; done += batch) {
      const b = Math.min(batch, n - done);
      const [g, h] = tf.tidy(() => {
        const x = M.sampleUniform(b, rng);
        const geo = layer.geometry as { tangentNorm?: (v: tf.Tensor2D) => tf.Tensor1D };
        const G = onSphere ? M.projTangent(x, psi.evaluateGrad(x).grad) : psi.evaluateGrad(x).grad;
        // on a torus with metric G the Riemannian gradient is G⁻¹∇ψ and |G⁻¹∇ψ|_G = |∇ψ|_{G⁻¹}
        const gn = geo.tangentNorm && !onSphere ? geo.tangentNorm(layer.geometry.explicitPoint(x, psi).xRaw.sub(x) as tf.Tensor2D) : tf.norm(G, 2, 1);
        return [gn.dataSync(), layer.geometry.riemannianHessian(x, psi).dataSync()];
      });
      for (let i = 0; i < b; i++) {
        maxG = Math.max(maxG, g[i]);
        const mat = Array.from({ length: d }, (_, r) => Array.from({ length: d }, (_, c) => 0.5 * (h[i * d * d + r * d + c] + h[i * d * d + c * d + r])));
        const ev = symmetricEigenvalues(mat);
        for (const e of ev) {
          maxH = Math.max(maxH, Math.abs(e));
          minEig = Math.min(minEig, e);
        }
      }
    }
    if (onSphere) {
      const lambda = 2 * maxG;
      const hessBound = lambda > 0 ? lambda / Math.tan(lambda) : 1;
      return { points: n, maxGradNorm: maxG, maxHessNorm: maxH, minHessEig: minEig, lambda, hessBound, sufficient: lambda < Math.PI / 2 && maxH < hessBound };
    }
    return { points: n, maxGradNorm: maxG, maxHessNorm: maxH, minHessEig: minEig, lambda: 0, hessBound: 1, sufficient: maxH < 1, cConcave: minEig > -1 };
  });
}
