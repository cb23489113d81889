/**
 * A training penalty that keeps IRCPM layers on flat tori global diffeomorphisms (docs/design.md,
 * "Implicit Riemannian Concave Potential Maps (IRCPM)": on a flat torus the sharp condition is
 * J_g = I + G⁻¹∇²ψ ≻ 0 everywhere).
 *
 * Why it matters: where J_g has a negative eigenvalue, g(y) = x has several solutions for some x and
 * the solver returns one of them; the others form a region the flow never samples. The density of
 * what it does return stays exact (so ESS looks fine), but importance estimates of ln Z lose that
 * region's target mass — a bias nothing downstream detects. Reverse KL does not see the hole either,
 * so the condition must be asked for explicitly.
 *
 * Penalty, per layer, on uniform points of the torus: mean(relu(m − det J_g)) plus, in dimension 2,
 * mean(relu(m − tr J_g)) (J_g is similar to a symmetric matrix, so for d ≤ 2 det > 0 and tr > 0 is
 * exactly J_g ≻ 0; for d ≥ 3 only the determinant is constrained). It is added to a BatchLoss of
 * src/train/train.ts, drawing its points from the minibatch's rng, so the shared training loops
 * (in-process and data-parallel) take it unchanged.
 */
import { tf } from '../../backend/index.ts';
import type { BatchLoss } from '../../train/train.ts';
import { det } from '../logdet.ts';
import type { IRCPMLayer } from './layer.ts';

export interface ConvexityPenaltyOptions {
  /** weight of the penalty in the loss */
  weight: number;
  /** margin m: the smallest det / trace of J_g that goes unpenalised [0.05] */
  margin?: number;
  /** uniform points per layer and minibatch [256] */
  points?: number;
}

/** The penalty itself (a scalar on the tape) for layers without context. */
export function convexityPenalty(layers: readonly IRCPMLayer[], rng: () => number, opts: Omit<ConvexityPenaltyOptions, 'weight'> = {}): tf.Scalar {
  const m = opts.margin ?? 0.05;
  const n = opts.points ?? 256;
  return tf.tidy(() => {
    let total: tf.Tensor = tf.scalar(0);
    for (const layer of new Set(layers)) {
      if (layer.manifold.kind !== 'flat-torus') throw new Error('convexity penalty: flat tori only');
      const y = layer.manifold.sampleUniform(n, rng);
      const M = layer.geometry.explicit(y, layer.potential).M;
      total = tf.add(total, tf.mean(tf.relu(tf.sub(m, det(M)))));
      if (layer.manifold.dim === 2) {
        const tr = tf.sum(tf.mul(M, tf.eye(2)), [1, 2]);
        total = tf.add(total, tf.mean(tf.relu(tf.sub(m, tr))));
      }
    }
    return total as tf.Scalar;
  });
}

/** `loss` plus weight × the convexity penalty of `layers`; the reported value stays that of `loss`. */
export function withConvexityPenalty(loss: BatchLoss, layers: readonly IRCPMLayer[], opts: ConvexityPenaltyOptions): BatchLoss {
  if (!(opts.weight >= 0)) throw new Error(`convexity penalty: weight must be ≥ 0, got ${opts.weight}`);
  return (batch, rng) => {
    const r = loss(batch, rng);
    if (opts.weight === 0) return r;
    const report = r.report ?? tf.tidy(() => r.loss.dataSync()[0]);
    const total = tf.tidy(() => tf.add(r.loss, tf.mul(opts.weight, convexityPenalty(layers, rng, opts))) as tf.Scalar);
    r.loss.dispose();
    return { ...r, loss: total, report };
  };
}
