/**
 * Training a CNF from samples by Riemannian flow matching along geodesics (Chen & Lipman 2023).
 *
 * Conditional path: x_t = exp_{x₀}(t log_{x₀} x₁), x₀ ~ base (uniform), x₁ ~ data, t ~ U[0, 1], with
 * conditional velocity u_t = d/dt x_t (flat: log_{x₀} x₁; sphere: −θ sin(tθ) x₀ + cos(tθ) v,
 * v = log_{x₀} x₁, θ = |v|). Loss E |grad Φ(x_t, t) − u_t|² in the manifold metric.
 *
 * Our vector field is a gradient, so it can only match the gradient part of the marginal velocity.
 * That loses nothing: the minimiser over Φ satisfies E_{p_t}[∇ψ·(∇Φ − u)] = 0 for every ψ, i.e.
 * div(p_t (∇Φ − u)) = 0 — the weighted Helmholtz projection — so ∇Φ generates the same probability
 * path p_t as the marginal field. (This is the observation behind the probability-path divergence of
 * Ben-Hamu et al. 2022.) The residual loss does not go to zero, only its gradient-part does.
 */
import { tf } from '../backend/index.ts';
import { everySampleCounts, trainWithLoss } from './train.ts';
import type { CNF } from '../flows/cnf/cnf.ts';
import { field } from '../flows/cnf/rk4.ts';
import { chunkRows, exactLogDensityHere } from './exact-density.ts';
import { runToEnd } from './stepwise.ts';

const TWO_PI = 2 * Math.PI;

/** Points and conditional velocities on the geodesic from x₀ to x₁ at per-sample times t ([B, 1]). */
export function geodesicPath(flow: CNF, x0: tf.Tensor2D, x1: tf.Tensor2D, t: tf.Tensor2D): { xt: tf.Tensor2D; ut: tf.Tensor2D } {
  return tf.tidy(() => {
    if (flow.geometry.kind === 'flat') {
      const d = tf.sub(x1, x0);
      const v = tf.sub(d, tf.mul(TWO_PI, tf.round(tf.div(d, TWO_PI)))) as tf.Tensor2D;
      const xt = tf.add(x0, tf.mul(t, v));
      const wrapped = tf.sub(xt, tf.mul(TWO_PI, tf.floor(tf.div(tf.add(xt, Math.PI), TWO_PI)))) as tf.Tensor2D;
      return { xt: wrapped, ut: v };
    }
    const v = flow.manifold.log(x0, x1);
    const th = tf.sqrt(tf.add(tf.sum(tf.square(v), 1, true), 1e-30));
    const a = tf.mul(t, th);
    // x_t = cos(tθ) x₀ + sin(tθ) v/θ ; u_t = −θ sin(tθ) x₀ + cos(tθ) v
    const xt = tf.add(tf.mul(tf.cos(a), x0), tf.mul(tf.div(tf.sin(a), th), v));
    const xtn = tf.div(xt, tf.norm(xt, 'euclidean', 1, true)) as tf.Tensor2D;
    const ut = tf.add(tf.mul(tf.neg(tf.mul(th, tf.sin(a))), x0), tf.mul(tf.cos(a), v)) as tf.Tensor2D;
    return { xt: xtn, ut };
  });
}

/** Mean squared metric norm of grad Φ(x_t, t) − u_t. */
export function flowMatchingLoss(flow: CNF, xt: tf.Tensor2D, ut: tf.Tensor2D, t: tf.Tensor2D): tf.Scalar {
  const { v } = field(flow.potential, flow.geometry, xt, t, false);
  const r = tf.sub(v, ut) as tf.Tensor2D;
  const geo = flow.geometry;
  if (geo.kind === 'flat' && geo.ginv) {
    // |r|²_G with G = (G⁻¹)⁻¹, computed by solving once on the JS side (constant metric)
    const G = invert(geo.ginv);
    return tf.mean(tf.sum(tf.mul(tf.matMul(r, tf.tensor2d(G)), r), 1)) as tf.Scalar;
  }
  return tf.mean(tf.sum(tf.square(r), 1)) as tf.Scalar;
}

function invert(a: number[][]): number[][] {
  const n = a.length;
  const m = a.map((r, i) => [...r, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(m[i][k]) > Math.abs(m[p][k])) p = i;
    [m[k], m[p]] = [m[p], m[k]];
    const piv = m[k][k];
    if (piv === 0) throw new Error('flow matching: singular metric');
    for (let j = 0; j < 2 * n; j++) m[k][j] /= piv;
    for (let i = 0; i < n; i++)
      if (i !== k) {
        const f = m[i][k];
        for (let j = 0; j < 2 * n; j++) m[i][j] -= f * m[k][j];
      }
  }
  return m.map((r) => r.slice(n));
}

export interface FlowMatchingOptions {
  iterations: number;
  batch: number;
  lr: number;
  rng: () => number;
  /** cosine decay of the learning rate to lr·lrFloor */
  lrFloor?: number;
  /** called every `every` iterations with the running mean loss */
  onProgress?: (it: number, loss: number) => void;
  every?: number;
  /** global gradient-norm clip (default: none) */
  clipNorm?: number;
  /** progress bar on a TTY */
  progress?: boolean;
  json?: boolean;
}

/**
 * Run the shared training loop (src/train/train.ts) on a per-batch loss, reporting the running mean
 * loss every `every` iterations as the older flow-matching API did. Returns those means.
 */
export function trainWindowed(flow: CNF, opts: FlowMatchingOptions, label: string, batchLoss: (batch: number, rng: () => number) => tf.Scalar): number[] {
  const { iterations, batch, lr, rng } = opts;
  if (!(iterations > 0 && batch > 0 && lr > 0)) throw new Error(`${label}: iterations, batch and lr must be positive`);
  const every = opts.every ?? 50;
  const history: number[] = [];
  let acc = 0;
  let cnt = 0;
  trainWithLoss(flow, { steps: iterations, batch, lr, lrFinal: opts.lrFloor ?? 0.05, rng, clipNorm: opts.clipNorm ?? Infinity, progress: opts.progress, json: opts.json, onStep: (step, loss) => {
    acc += loss;
    cnt++;
    if ((step + 1) % every !== 0 && step + 1 !== iterations) return;
    history.push(acc / cnt);
    opts.onProgress?.(step + 1, acc / cnt);
    acc = 0;
    cnt = 0;
  } }, label, everySampleCounts(batchLoss));
  return history;
}

/** Adam on the flow-matching loss; data points in the manifold's coordinates. Returns the loss history (means per `every`). */
export function trainFlowMatching(flow: CNF, data: tf.Tensor2D, opts: FlowMatchingOptions): number[] {
  return trainWindowed(flow, opts, 'flow matching', flowMatchingBatchLoss(flow, data));
}

/** One minibatch of the geodesic flow-matching loss: data drawn with replacement, t ~ U(0, 1). */
export function flowMatchingBatchLoss(flow: CNF, data: tf.Tensor2D): (batch: number, rng: () => number) => tf.Scalar {
  const n = data.shape[0];
  if (n === 0) throw new Error('flow matching: empty data set');
  return (batch, rng) => {
    const idx = Int32Array.from({ length: batch }, () => Math.floor(rng() * n));
    const tArr = Float32Array.from({ length: batch }, () => rng());
    const x0 = flow.manifold.sampleUniform(batch, rng);
    const x1 = tf.gather(data, tf.tensor1d(idx, 'int32')) as tf.Tensor2D;
    const t = tf.tensor2d(tArr, [batch, 1]);
    const { xt, ut } = geodesicPath(flow, x0, x1, t);
    return flowMatchingLoss(flow, xt, ut, t);
  };
}

/**
 * Mean negative log-likelihood (nats, w.r.t. the manifold's volume measure) of data under the
 * continuous-time density: backward RK4 integration with the divergence, `steps` steps. This is
 * the quantity the manifold-CNF literature reports; it is not the density of the forward discrete
 * map (use the 'exact' mode for that).
 */
export function meanNLL(flow: CNF, data: tf.Tensor2D, steps = 32, chunk = 256): number {
  return -mean(logProbContinuous(flow, data, steps, chunk));
}

/** Per-point continuous-time log-density (see meanNLL), in float64. */
export function logProbContinuous(flow: CNF, data: tf.Tensor2D, steps = 32, chunk = 256): Float64Array {
  return runToEnd(logProbContinuousSteps(flow, data, steps, chunk));
}

/** logProbContinuous pausing after each chunk (src/train/stepwise.ts: fit --data runs it so that Ctrl-C is seen). */
export function* logProbContinuousSteps(flow: CNF, data: tf.Tensor2D, steps = 32, chunk = 256): Generator<void, Float64Array> {
  const f = flow.with({ mode: 'divergence', steps });
  const n = data.shape[0];
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += chunk) {
    const lq = tf.tidy(() => f.logProbDivergence(tf.slice(data, [i, 0], [Math.min(chunk, n - i), -1]) as tf.Tensor2D).dataSync());
    out.set(lq, i);
    yield;
  }
  return out;
}

const mean = (a: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s / a.length;
};

/**
 * Mean negative log-likelihood (nats) of data under the exact density of the forward discrete map
 * with the flow's own step count — the map a sampler applies (CNF.logProbExact: every RK4 step
 * inverted by Newton's method, log-determinants in float64), in chunks of 256 rows (exact-density.ts,
 * which also spreads it over worker threads). `okFraction`: share of points whose inversions all
 * converged; the NLL is over all points.
 */
export function meanNLLExact(flow: CNF, data: tf.Tensor2D): { nll: number; okFraction: number; logq: Float64Array } {
  const A = data.shape[1];
  const { logq, ok } = exactLogDensityHere(flow, chunkRows(data.dataSync() as Float32Array, A), A);
  return { nll: -mean(logq), okFraction: mean(ok), logq };
}
