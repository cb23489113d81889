/**
 * Reverse-KL training of a CNF from an energy, by backpropagation through the RK4 steps in the
 * 'divergence' mode, and evaluation of the 'exact'-mode proposal by importance weights.
 *
 * (The generic loop of src/train serves every flow; this one exists so that CNF benchmarks do not
 * depend on it and so that the CNF-specific choices are explicit: training in divergence mode,
 * evaluation of the map actually applied, cosine learning-rate decay, gradient-norm clipping.)
 */
import { tf } from '../backend/index.ts';
import type { CNF } from './cnf.ts';

export type LogDensity = (x: tf.Tensor2D) => tf.Tensor1D;

export interface ReverseKLOptions {
  iterations: number;
  batch: number;
  lr: number;
  rng: () => number;
  lrFloor?: number;
  /** global gradient-norm clip (0 = off) */
  clip?: number;
  every?: number;
  onProgress?: (it: number, loss: number) => void | boolean;
}

/** Minimise E_q[log q − log p] over θ; returns mean losses per `every` iterations. */
export function trainReverseKLCNF(flow: CNF, logp: LogDensity, opts: ReverseKLOptions): number[] {
  const { iterations, batch, lr, rng } = opts;
  if (!(iterations > 0 && batch > 0 && lr > 0)) throw new Error('reverse KL: iterations, batch and lr must be positive');
  const f = flow.with({ mode: 'divergence' });
  const every = opts.every ?? 50;
  const floor = opts.lrFloor ?? 0.05;
  const clip = opts.clip ?? 10;
  const optimizer = tf.train.adam(lr);
  const history: number[] = [];
  let acc = 0;
  let cnt = 0;
  for (let it = 1; it <= iterations; it++) {
    (optimizer as unknown as { learningRate: number }).learningRate = lr * (floor + (1 - floor) * 0.5 * (1 + Math.cos((Math.PI * (it - 1)) / iterations)));
    const x0 = flow.manifold.sampleUniform(batch, rng);
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        const { x, logq } = f.push(x0, 'divergence');
        return tf.mean(tf.sub(logq, logp(x))) as tf.Scalar;
      }, flow.variables);
      const names = Object.keys(grads);
      const gnorm = Math.sqrt(names.reduce((s, k) => s + tf.sum(tf.square(grads[k])).dataSync()[0], 0));
      const scale = clip > 0 && gnorm > clip ? clip / gnorm : 1;
      const scaled: Record<string, tf.Tensor> = {};
      for (const k of names) scaled[k] = scale === 1 ? grads[k] : tf.mul(grads[k], scale);
      if (Number.isFinite(gnorm)) optimizer.applyGradients(scaled as unknown as Record<string, tf.Variable>);
      return value;
    });
    x0.dispose();
    acc += loss.dataSync()[0];
    cnt++;
    loss.dispose();
    if (it % every === 0 || it === iterations) {
      history.push(acc / cnt);
      const stop = opts.onProgress?.(it, acc / cnt);
      acc = 0;
      cnt = 0;
      if (stop === true) break;
    }
  }
  optimizer.dispose();
  return history;
}

/**
 * ESS = (Σw)²/(NΣw²), KL(q‖p) = E_q[log q − log p] + log Z and log Z = log mean w, from N fresh
 * samples of the flow in its own mode, with log-weights accumulated in float64.
 */
export function evaluateProposal(flow: CNF, logp: LogDensity, n: number, rng: () => number): { ess: number; kl: number; logZ: number; okFraction: number } {
  const chunk = 4096;
  const lw: number[] = [];
  let bad = 0;
  for (let s = 0; s < n; s += chunk) {
    const m = Math.min(chunk, n - s);
    const r = tf.tidy(() => flow.sample(m, rng));
    const lq = r.logq.dataSync();
    const ok = r.ok.dataSync();
    const lp = tf.tidy(() => logp(r.x).dataSync());
    for (let i = 0; i < m; i++) {
      if (!ok[i] || !Number.isFinite(lp[i])) {
        bad++;
        continue;
      }
      lw.push(lp[i] - lq[i]);
    }
    r.x.dispose();
    r.logq.dispose();
    r.ok.dispose();
  }
  const mx = Math.max(...lw);
  let s1 = 0;
  let s2 = 0;
  let mlw = 0;
  for (const v of lw) {
    const w = Math.exp(v - mx);
    s1 += w;
    s2 += w * w;
    mlw += v;
  }
  const N = lw.length;
  const logZ = mx + Math.log(s1 / N);
  return { ess: (s1 * s1) / (N * s2), kl: logZ - mlw / N, logZ, okFraction: N / (N + bad) };
}
