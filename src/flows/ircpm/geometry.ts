/**
 * The manifold-specific half of an IRCPM layer: the explicit inverse g(y) = exp_y(grad ψ(y)), its
 * Jacobian between orthonormal tangent frames, Newton residuals and steps.
 *
 * Flat tori (incl. the SU(N) maximal torus): g(y) = y + ∇ψ(y) (wrapped), J_g = I + Hess ψ.
 * Spheres: ψ is evaluated on ambient coordinates, v = P_y ∇ψ, g(y) = cos|v| y + sinc|v| v and
 * M = E_{g(y)} Dg E_yᵀ with the ambient Jacobian Dg written out in closed form from ∇ψ, ∇²ψ.
 */
import { tf } from '../../backend/index.ts';
import type { Manifold } from '../../manifolds/types.ts';
import { wrapAngle } from '../../manifolds/torus.ts';
import { inverseMetric, isIdentityMetric, orthonormalFrame } from '../../manifolds/metric.ts';
import type { Potential } from '../potentials.ts';

export interface ExplicitMap {
  /** g(y), on the manifold */
  x: tf.Tensor2D;
  /** g(y) before wrapping (tori) — the same point; its derivative is the one used for the IFT */
  xRaw: tf.Tensor2D;
  /** tangent-frame Jacobian E_{g(y)} Dg E_yᵀ, [B, d, d] */
  M: tf.Tensor3D;
  Ey: tf.Tensor3D;
  Ex: tf.Tensor3D;
  /** Riemannian gradient of ψ at y (ambient) */
  gradPsi: tf.Tensor2D;
}

export interface IRCPMGeometry {
  /** context: the per-sample context of ψ(·; c) (see potentials.ts), [B, contextDim] */
  explicit(y: tf.Tensor2D, psi: Potential, context?: tf.Tensor2D): ExplicitMap;
  /** g(y) only (first derivatives of ψ): [wrapped, raw] */
  explicitPoint(y: tf.Tensor2D, psi: Potential, context?: tf.Tensor2D): { x: tf.Tensor2D; xRaw: tf.Tensor2D };
  /** tangent coordinates (in the frame Ex) of log_{g(y)}(x) */
  residual(x: tf.Tensor2D, ex: ExplicitMap): tf.Tensor2D;
  /** y ← exp_y(E_yᵀ c) */
  step(y: tf.Tensor2D, Ey: tf.Tensor3D, c: tf.Tensor2D): tf.Tensor2D;
  /** ambient vector from tangent coordinates: Eᵀ c */
  fromFrame(E: tf.Tensor3D, c: tf.Tensor2D): tf.Tensor2D;
  /** tangent coordinates of an ambient vector: E v */
  toFrame(E: tf.Tensor3D, v: tf.Tensor2D): tf.Tensor2D;
  /** Riemannian Hessian of ψ in the frame E_y, [B, d, d] (diagnostics) */
  riemannianHessian(y: tf.Tensor2D, psi: Potential, context?: tf.Tensor2D): tf.Tensor3D;
}

function frameApply(E: tf.Tensor3D, v: tf.Tensor2D): tf.Tensor2D {
  return tf.sum(tf.mul(E, tf.expandDims(v, 1)), 2) as tf.Tensor2D; // [B, d]
}
function frameTranspose(E: tf.Tensor3D, c: tf.Tensor2D): tf.Tensor2D {
  return tf.sum(tf.mul(E, tf.expandDims(c, 2)), 1) as tf.Tensor2D; // [B, m]
}

/**
 * Flat tori in angle coordinates with the constant metric G the manifold carries (`metric`):
 * g(y) = y + G⁻¹∇ψ(y), J_g = I + G⁻¹∇²ψ (a coordinate Jacobian, so densities are w.r.t. dθ, which is
 * the Riemannian volume up to √det G). G = I on Tⁿ; on the SU(N) maximal torus G = I + 11ᵀ, under
 * which every permutation of the N eigen-phases is an isometry, so a permutation-invariant ψ gives a
 * permutation-equivariant map (Lemma 1).
 */
class TorusGeometry implements IRCPMGeometry {
  /** G⁻¹ and an orthonormal frame L⁻¹ (G = LLᵀ), or null for G = I */
  private readonly Ginv: number[][] | null = null;
  private readonly frame: number[][] | null = null;
  private readonly G: number[][] | null = null;
  constructor(readonly M: Manifold) {
    const G = M.metric!;
    if (!isIdentityMetric(G)) {
      this.G = G.map((r) => r.slice());
      this.Ginv = inverseMetric(G);
      this.frame = orthonormalFrame(G);
    }
  }
  private raise(grad: tf.Tensor2D): tf.Tensor2D {
    return this.Ginv ? (tf.matMul(grad, tf.tensor2d(this.Ginv)) as tf.Tensor2D) : grad; // G⁻¹ symmetric
  }
  explicit(y: tf.Tensor2D, psi: Potential, context?: tf.Tensor2D): ExplicitMap {
    return tf.tidy(() => {
      const d = psi.evaluate(y, context);
      const v = this.raise(d.grad);
      const xRaw = tf.add(y, v) as tf.Tensor2D;
      const I = tf.eye(this.M.dim);
      const H = this.Ginv ? tf.matMul(tf.tile(tf.expandDims(tf.tensor2d(this.Ginv), 0), [y.shape[0], 1, 1]), d.hess) : d.hess;
      const Ey = tf.tile(tf.expandDims(I, 0), [y.shape[0], 1, 1]) as tf.Tensor3D;
      return { x: wrapAngle(xRaw), xRaw, M: tf.add(I, H) as tf.Tensor3D, Ey, Ex: Ey, gradPsi: v };
    });
  }
  explicitPoint(y: tf.Tensor2D, psi: Potential, context?: tf.Tensor2D): { x: tf.Tensor2D; xRaw: tf.Tensor2D } {
    return tf.tidy(() => {
      const xRaw = tf.add(y, this.raise(psi.evaluateGrad(y, context).grad)) as tf.Tensor2D;
      return { x: wrapAngle(xRaw), xRaw };
    });
  }
  residual(x: tf.Tensor2D, ex: ExplicitMap): tf.Tensor2D {
    return tf.tidy(() => wrapAngle(tf.sub(x, ex.x)));
  }
  step(y: tf.Tensor2D, _Ey: tf.Tensor3D, c: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => wrapAngle(tf.add(y, c)));
  }
  fromFrame(_E: tf.Tensor3D, c: tf.Tensor2D): tf.Tensor2D {
    return tf.clone(c);
  }
  toFrame(_E: tf.Tensor3D, v: tf.Tensor2D): tf.Tensor2D {
    return tf.clone(v);
  }
  riemannianHessian(y: tf.Tensor2D, psi: Potential, context?: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => {
      const H = psi.evaluate(y, context).hess;
      if (!this.frame) return H;
      const E = tf.tile(tf.expandDims(tf.tensor2d(this.frame), 0), [y.shape[0], 1, 1]);
      return tf.matMul(tf.matMul(E, H), tf.transpose(E, [0, 2, 1])) as tf.Tensor3D;
    });
  }
  /** Riemannian norm of a coordinate tangent vector (diagnostics): |v|_G = √(vᵀGv) */
  tangentNorm(v: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      if (!this.G) return tf.norm(v, 2, 1) as tf.Tensor1D;
      return tf.sqrt(tf.sum(tf.mul(tf.matMul(v, tf.tensor2d(this.G)), v), 1)) as tf.Tensor1D;
    });
  }
}

const SMALL = 0.05; // |v|² below which the series for cos, sinc and their u-derivatives are used

class SphereGeometry implements IRCPMGeometry {
  constructor(readonly S: Manifold) {}
  explicit(y: tf.Tensor2D, psi: Potential, context?: tf.Tensor2D): ExplicitMap {
    return tf.tidy(() => {
      const m = this.S.ambientDim;
      const d = psi.evaluate(y, context);
      const G = d.grad;
      const H = d.hess;
      const yG = tf.sum(tf.mul(y, G), 1, true); // [B,1]
      const v = tf.sub(G, tf.mul(yG, y)) as tf.Tensor2D;
      const Hy = tf.sum(tf.mul(H, tf.expandDims(y, 1)), 2); // [B,m]
      const outer = (a: tf.Tensor, b: tf.Tensor) => tf.mul(tf.expandDims(a, 2), tf.expandDims(b, 1));
      const I = tf.eye(m);
      // Dv = H − y (G + H y)ᵀ − (y·G) I
      const Dv = tf.sub(tf.sub(H, outer(y, tf.add(G, Hy))), tf.mul(tf.expandDims(yG, 2), I));
      const u = tf.sum(tf.square(v), 1, true); // |v|², [B,1]
      const small = tf.less(u, SMALL);
      const uSafe = tf.where(small, tf.onesLike(u), u);
      const n = tf.sqrt(uSafe);
      const series = (c: number[]) => c.reduceRight<tf.Tensor>((acc, ci) => tf.add(ci, tf.mul(u, acc)), tf.zerosLike(u));
      const cosN = tf.where(small, series([1, -1 / 2, 1 / 24, -1 / 720, 1 / 40320]), tf.cos(n));
      const sinc = tf.where(small, series([1, -1 / 6, 1 / 120, -1 / 5040, 1 / 362880]), tf.div(tf.sin(n), n));
      // d sinc / du = (cos n − sinc n) / (2u); d cos n / du = −sinc / 2
      const dSinc = tf.where(small, series([-1 / 6, 2 / 120, -3 / 5040, 4 / 362880]), tf.div(tf.sub(tf.cos(n), tf.div(tf.sin(n), n)), tf.mul(2, uSafe)));
      const dCos = tf.mul(-0.5, sinc);
      const gAmb = tf.add(tf.mul(cosN, y), tf.mul(sinc, v));
      const x = tf.div(gAmb, tf.norm(gAmb, 2, 1, true)) as tf.Tensor2D;
      const du = tf.mul(2, tf.sum(tf.mul(Dv, tf.expandDims(v, 2)), 1)); // ∂|v|²/∂y = 2 Dvᵀ v, [B,m]
      const Dg = tf.add(
        tf.add(tf.mul(tf.expandDims(cosN, 2), I), outer(tf.add(tf.mul(dCos, y), tf.mul(dSinc, v)), du)),
        tf.mul(tf.expandDims(sinc, 2), Dv),
      ) as tf.Tensor3D;
      const Ey = this.S.tangentBasis(y);
      const Ex = this.S.tangentBasis(x);
      const M = tf.matMul(tf.matMul(Ex, Dg), tf.transpose(Ey, [0, 2, 1])) as tf.Tensor3D;
      return { x, xRaw: x, M, Ey, Ex, gradPsi: v };
    });
  }
  explicitPoint(y: tf.Tensor2D, psi: Potential, context?: tf.Tensor2D): { x: tf.Tensor2D; xRaw: tf.Tensor2D } {
    return tf.tidy(() => {
      const v = this.S.projTangent(y, psi.evaluateGrad(y, context).grad);
      const x = this.S.exp(y, v);
      return { x, xRaw: tf.clone(x) };
    });
  }
  residual(x: tf.Tensor2D, ex: ExplicitMap): tf.Tensor2D {
    return tf.tidy(() => frameApply(ex.Ex, this.S.log(ex.x, x)));
  }
  step(y: tf.Tensor2D, Ey: tf.Tensor3D, c: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.S.exp(y, frameTranspose(Ey, c)));
  }
  fromFrame(E: tf.Tensor3D, c: tf.Tensor2D): tf.Tensor2D {
    return frameTranspose(E, c);
  }
  toFrame(E: tf.Tensor3D, v: tf.Tensor2D): tf.Tensor2D {
    return frameApply(E, v);
  }
  riemannianHessian(y: tf.Tensor2D, psi: Potential, context?: tf.Tensor2D): tf.Tensor3D {
    // Hess_S ψ = P ∇²ψ P − (y·∇ψ) P on T_y, in the frame E_y
    return tf.tidy(() => {
      const d = psi.evaluate(y, context);
      const E = this.S.tangentBasis(y);
      const yG = tf.sum(tf.mul(y, d.grad), 1);
      const EH = tf.matMul(tf.matMul(E, d.hess), tf.transpose(E, [0, 2, 1]));
      return tf.sub(EH, tf.mul(tf.reshape(yG, [-1, 1, 1]), tf.eye(this.S.dim))) as tf.Tensor3D;
    });
  }
}

export function ircpmGeometry(M: Manifold): IRCPMGeometry {
  if (M.kind === 'flat-torus') {
    if (!M.metric) throw new Error(`IRCPM: flat torus '${M.name}' has no metric`);
    return new TorusGeometry(M);
  }
  if (M.kind === 'sphere') return new SphereGeometry(M);
  throw new Error(`IRCPM: no geometry for manifold '${M.name}' of kind '${(M as { kind?: string }).kind}' (flat tori and spheres are supported)`);
}
