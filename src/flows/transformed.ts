/**
 * A flow as a distribution: a base distribution pushed through a sequence of `Bijector` layers
 * (distrax's `Transformed`). This is the one implementation of the `Flow` contract (types.ts) that the
 * layer families share: IRCPM stacks and the CNF are TransformedFlows of their layers.
 *
 * - sample: x₀ ~ base, x_k = f_k(x_{k−1}), log q(x_K) = log π(x₀) − Σ_k log|det ∂f_k| (forward
 *   log-dets), ok = every layer's ok. The value of log q is accumulated in float64 over the layers
 *   (`accumulateLogdets`) and rounded to float32 once; its gradient is that of the float32 sum, so the
 *   result stays differentiable for reverse-KL training.
 * - logProb: x = g_1(…g_K(y)), log q(y) = log π(x) + Σ_k log|det ∂g_k| (inverse log-dets); NaN where a
 *   layer's inverse is not ok (a density that must not be used).
 * Layers that take a context get none here: a TransformedFlow is an unconditional distribution.
 */
import { tf } from '../backend/index.ts';
import type { Manifold } from '../manifolds/types.ts';
import type { Flow } from './types.ts';
import { accumulateLogdets, type BaseDistribution, type Bijector } from './bijector.ts';

/** The uniform distribution on a compact manifold, log-density −log|M| w.r.t. its volume measure. */
export class UniformBase implements BaseDistribution<tf.Tensor2D> {
  constructor(readonly manifold: Manifold) {}
  sample(n: number, rng: () => number): tf.Tensor2D {
    return this.manifold.sampleUniform(n, rng);
  }
  logProb(x: tf.Tensor2D): tf.Tensor1D {
    return tf.fill([x.shape[0]], -this.manifold.logVolume) as tf.Tensor1D;
  }
}

export class TransformedFlow implements Flow {
  readonly variables: tf.Variable[];
  /** fraction of ok samples in the last sample() call */
  lastOkFraction = 1;

  constructor(
    readonly manifold: Manifold,
    readonly layers: readonly Bijector<tf.Tensor2D>[],
    readonly base: BaseDistribution<tf.Tensor2D> = new UniformBase(manifold),
  ) {
    if (layers.length === 0) throw new Error('TransformedFlow: needs at least one layer');
    // layers may share parameters (one potential for a whole stack): each variable once
    this.variables = [...new Set(layers.flatMap((l) => l.variables))];
  }

  sample(n: number, rng: () => number): { x: tf.Tensor2D; logq: tf.Tensor1D; ok: tf.Tensor1D } {
    const x0 = this.base.sample(n, rng);
    const logBase = this.base.logProb(x0);
    let x = x0;
    const logdets: tf.Tensor1D[] = [];
    const ok = new Float32Array(n).fill(1);
    for (const layer of this.layers) {
      const r = layer.forward(x);
      if (x !== x0) x.dispose();
      x = r.y;
      logdets.push(r.logdet);
      const okv = r.ok.dataSync();
      for (let i = 0; i < n; i++) if (!(okv[i] > 0.5)) ok[i] = 0;
      r.ok.dispose();
    }
    x0.dispose();
    const sum = tf.sub(logBase, logdets.length === 1 ? logdets[0] : tf.addN(logdets)) as tf.Tensor1D;
    const exact = accumulateLogdets(
      logBase.dataSync() as Float32Array,
      logdets.map((l) => (l.dataSync() as Float32Array).map((v) => -v)),
    );
    const s32 = sum.dataSync();
    // a constant (off the tape) correction: value = the float64 sum, gradient = that of the float32 sum
    const logq = tf.add(sum, tf.tensor1d(Float32Array.from(exact, (v, i) => (Number.isFinite(v) ? v - s32[i] : 0)))) as tf.Tensor1D;
    tf.dispose([sum, logBase, ...logdets]);
    let okCount = 0;
    for (let i = 0; i < n; i++) okCount += ok[i];
    this.lastOkFraction = okCount / n;
    return { x, logq, ok: tf.tensor1d(ok) };
  }

  logProb(y: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      let x = y;
      let acc: tf.Tensor = tf.zeros([y.shape[0]]);
      let ok: tf.Tensor = tf.ones([y.shape[0]]);
      for (let k = this.layers.length - 1; k >= 0; k--) {
        const r = this.layers[k].inverse(x);
        acc = tf.add(acc, r.logdet);
        ok = tf.mul(ok, r.ok);
        x = r.x;
      }
      const lp = tf.add(this.base.logProb(x), acc);
      return tf.where(tf.greater(ok, 0.5), lp, tf.fill(lp.shape, NaN)) as tf.Tensor1D;
    });
  }

  toJSON(): object {
    throw new Error('TransformedFlow: a flow of custom layers has no model-file format (IRCPMFlow and CNF have one)');
  }
}
