/**
 * Named targets on T² and S² (Rezende et al. 2020, "Normalizing flows on tori and spheres"), as
 * unnormalised log-densities on tfjs tensors plus float64 JS twins for tests, with exact log Z
 * (w.r.t. the manifold's volume measure) where it is known in closed form.
 */
import { tf } from '../backend/index.ts';
import { gaussian } from '../manifolds/random.ts';

export type Energy = (x: tf.Tensor2D) => tf.Tensor1D;

export interface Target {
  readonly name: string;
  readonly manifold: 'torus2' | 'sphere2';
  /** log-density up to a constant */
  logp: Energy;
  /** the same in float64 on one point */
  logp64(x: number[]): number;
  /** exact log ∫ exp(logp) dvol */
  logZ: number;
  /** invariant Fourier frequencies of a continuous symmetry of the target (for --symmetric) */
  symmetry?: number[][];
  /** exact independent samples (ambient coordinates), where an exact sampler is known */
  sampleExact?(n: number, rng: () => number): number[][];
}

const I0_1 = 1.2660658777520082; // modified Bessel I₀(1)
const col = (x: tf.Tensor2D, i: number) => tf.reshape(tf.slice(x, [0, i], [x.shape[0], 1]), [-1]);

const unimodal: Target = {
  name: 'rezende-unimodal',
  manifold: 'torus2',
  logp: (x) => tf.tidy(() => tf.add(tf.cos(tf.sub(col(x, 0), 4.18)), tf.cos(tf.sub(col(x, 1), 5.96))) as tf.Tensor1D),
  logp64: ([a, b]) => Math.cos(a - 4.18) + Math.cos(b - 5.96),
  logZ: 2 * Math.log(2 * Math.PI * I0_1),
};

const modes: [number, number][] = [
  [0.21, 2.85],
  [1.89, 6.18],
  [3.77, 1.56],
];
const multimodal: Target = {
  name: 'rezende-multimodal',
  manifold: 'torus2',
  logp: (x) =>
    tf.tidy(() => {
      const terms = modes.map(([a, b]) => tf.add(tf.cos(tf.sub(col(x, 0), a)), tf.cos(tf.sub(col(x, 1), b))));
      return tf.sub(tf.logSumExp(tf.stack(terms, 1), 1), Math.log(3)) as tf.Tensor1D;
    }),
  logp64: ([t1, t2]) => {
    const e = modes.map(([a, b]) => Math.cos(t1 - a) + Math.cos(t2 - b));
    const m = Math.max(...e);
    return m + Math.log(e.reduce((s, v) => s + Math.exp(v - m), 0) / 3);
  },
  logZ: 2 * Math.log(2 * Math.PI * I0_1),
};

const correlated: Target = {
  name: 'rezende-correlated',
  manifold: 'torus2',
  logp: (x) => tf.tidy(() => tf.cos(tf.sub(tf.add(col(x, 0), col(x, 1)), 1.94)) as tf.Tensor1D),
  logp64: ([a, b]) => Math.cos(a + b - 1.94),
  logZ: Math.log(4 * Math.PI * Math.PI * I0_1),
  // invariant under (θ₁, θ₂) → (θ₁ + t, θ₂ − t): a function of θ₁ + θ₂ only
  symmetry: [[1, 1]],
};

const fourModeAngles: [number, number][] = [
  [1.5, 0.7 + Math.PI / 2],
  [1, -1 + Math.PI / 2],
  [5, 0.6 + Math.PI / 2],
  [4, -0.7 + Math.PI / 2],
];
const mus = fourModeAngles.map(([th, ph]) => [Math.sin(ph) * Math.cos(th), Math.sin(ph) * Math.sin(th), Math.cos(ph)]);
const fourMode: Target = {
  name: 'rezende-4mode',
  manifold: 'sphere2',
  logp: (x) => tf.tidy(() => tf.logSumExp(tf.mul(10, tf.matMul(x, tf.tensor2d(mus).transpose())), 1) as tf.Tensor1D),
  logp64: (x) => {
    const e = mus.map((mu) => 10 * (mu[0] * x[0] + mu[1] * x[1] + mu[2] * x[2]));
    const m = Math.max(...e);
    return m + Math.log(e.reduce((s, v) => s + Math.exp(v - m), 0));
  },
  // ∫_{S²} e^{κ μ·x} dA = 4π sinh(κ)/κ for each of the four terms
  logZ: Math.log(4 * ((4 * Math.PI * Math.sinh(10)) / 10)),
  // equal-weight mixture of von Mises–Fisher(μ_k, κ = 10): all four terms have the same mass
  sampleExact(n, rng) {
    const kappa = 10;
    const out: number[][] = [];
    for (let i = 0; i < n; i++) {
      const mu = mus[Math.min(3, Math.floor(rng() * 4))];
      const u = rng();
      const w = 1 + Math.log(u + (1 - u) * Math.exp(-2 * kappa)) / kappa;
      // a uniform direction orthogonal to μ
      let v: number[];
      for (;;) {
        v = [gaussian(rng), gaussian(rng), gaussian(rng)];
        const d = v[0] * mu[0] + v[1] * mu[1] + v[2] * mu[2];
        v = v.map((a, k) => a - d * mu[k]);
        const nv = Math.hypot(...v);
        if (nv > 1e-8) {
          v = v.map((a) => a / nv);
          break;
        }
      }
      const r = Math.sqrt(Math.max(0, 1 - w * w));
      out.push(mu.map((m, k) => w * m + r * v[k]));
    }
    return out;
  },
};

export const targets: Record<string, Target> = Object.fromEntries([unimodal, multimodal, correlated, fourMode].map((t) => [t.name, t]));

export function targetByName(name: string): Target {
  const t = targets[name];
  if (!t) throw new Error(`unknown target '${name}' (known: ${Object.keys(targets).join(', ')})`);
  return t;
}
