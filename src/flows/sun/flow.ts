/**
 * An SU(N) gauge flow: the product of Haar measures pushed through SU(N) spectral coupling layers
 * (coupling.ts), the transformed distribution of docs/design.md, "Layers and flows", on SU(N) link
 * fields; and its reverse-KL minibatch loss against the Wilson action (the BatchLoss of
 * src/train/train.ts, so the shared training loop and estimators apply).
 *
 * The training loop works on single tensors, so a batch of fields travels packed as
 * [B, L_{d−1}, …, L_0, d, N, N, 2] (re, im last); layers work on the (re, im) pair of links.ts.
 * log q is with respect to the product of normalised Haar measures: log q(f(U₀)) = log q₀(U₀) −
 * Σ_layers log|det|, q₀ = 1 for Haar links and the 2D plaquette base (plaquette-base.ts) when
 * options.baseBeta is set.
 */
import { ProposalLogq } from '../bijector.ts';
import { tf } from '../../backend/index.ts';
import { makeLattice, type Lattice } from '../../../lattices/geometry.ts';
import { sunPlaquetteBase, type SUNPlaquetteBase } from './plaquette-base.ts';
import { reverseKLLoss, type BatchLoss } from '../../train/train.ts';
import { layerPattern } from '../gauge/masks.ts';
import { planes } from '../gauge/layout.ts';
import { SUNSpectralCoupling, type SUNCouplingOptions } from './coupling.ts';
import { sunLinksToTensors, sunPlaquetteReTrace, type CField } from './links.ts';
import { haarMatrices } from './weyl.ts';

/** (re, im) → one tensor [..., 2] (through rank-2 views: wasm kernels refuse ranks above 6). */
export function packField(f: CField): tf.Tensor {
  return tf.tidy(() => tf.reshape(tf.concat([tf.reshape(f.re, [-1, 1]), tf.reshape(f.im, [-1, 1])], 1), [...f.re.shape, 2]));
}

export function unpackField(t: tf.Tensor): CField {
  const shape = t.shape.slice(0, -1);
  const v = tf.reshape(t, [-1, 2]);
  return { re: tf.reshape(tf.slice(v, [0, 0], [-1, 1]), shape), im: tf.reshape(tf.slice(v, [0, 1], [-1, 1]), shape) };
}

/** −S = (β/N) Σ_{x, μ<ν} Re tr P_μν(x) per field, float32, differentiable (training only). */
export function sunWilsonLogDensity(links: CField, dims: number, N: number, beta: number): tf.Tensor1D {
  return tf.tidy(() => {
    const B = links.re.shape[0]!;
    let s: tf.Tensor = tf.zeros([B]);
    for (const [mu, nu] of planes(dims)) s = tf.add(s, tf.sum(sunPlaquetteReTrace(links, dims, mu, nu), 1));
    return tf.mul(beta / N, s) as tf.Tensor1D;
  });
}

export class SUNGaugeFlow {
  readonly variables: tf.Variable[];
  /** the coupling options it was built with (makeSUNGaugeFlow), needed to serialise it */
  options?: SUNCouplingOptions;

  constructor(readonly dims: number, readonly N: number, readonly layers: SUNSpectralCoupling[]) {
    if (layers.length === 0) throw new Error('SU(N) gauge flow: needs at least one layer');
    for (const l of layers) if (l.dims !== dims || l.N !== N) throw new Error(`SU(N) gauge flow: an SU(${l.N}) ${l.dims}D layer in an SU(${N}) ${dims}D flow`);
    this.variables = layers.flatMap((l) => l.variables);
  }

  get paramCount(): number {
    return this.variables.reduce((s, v) => s + v.size, 0);
  }

  /** The plaquette base on `lattice` when the flow has one (options.baseBeta), else null (Haar). */
  plaquetteBase(lattice: Lattice): SUNPlaquetteBase | null {
    const b = this.options?.baseBeta;
    return b === undefined ? null : sunPlaquetteBase(lattice, this.N, b);
  }

  /** n base fields as float64 links and their base log-density (0 for Haar). */
  private drawBase(lattice: Lattice, n: number, rng: () => number): { links: Float64Array; logq: Float64Array } {
    const base = this.plaquetteBase(lattice);
    if (!base) return { links: haarMatrices(this.N, n * lattice.volume * lattice.dims, rng), logq: new Float64Array(n) };
    const links = base.sample(n, rng);
    return { links, logq: base.logProb64(links, n) };
  }

  /** n fields (packed), differentiable in the variables; log q in float32. */
  sample(lattice: Lattice, n: number, rng: () => number): { x: tf.Tensor; logq: tf.Tensor1D; ok: tf.Tensor1D } {
    if (lattice.dims !== this.dims) throw new Error(`SU(N) gauge flow is ${this.dims}D, lattice is ${lattice.dims}D`);
    return tf.tidy(() => {
      const b = this.drawBase(lattice, n, rng);
      let x = sunLinksToTensors(lattice, this.N, b.links, n);
      let logq: tf.Tensor1D = tf.tensor1d(Float32Array.from(b.logq));
      let ok: tf.Tensor1D = tf.ones([n]);
      for (const layer of this.layers) {
        const r = layer.forward(x);
        x = r.y;
        logq = tf.sub(logq, r.logdet);
        ok = tf.minimum(ok, r.ok);
      }
      return { x: packField(x), logq, ok };
    });
  }

  /**
   * n fields for MCMC, without gradients: links as interleaved float64 (the SUNField layout,
   * concatenated) and log q accumulated over layers in float64 (+∞ where a layer failed).
   */
  sampleForMCMC(lattice: Lattice, n: number, rng: () => number): { fields: Float64Array; logq: Float64Array; failed: number } {
    const b = this.drawBase(lattice, n, rng);
    const acc = new ProposalLogq(b.logq); // Haar base: log-density 0
    let x = sunLinksToTensors(lattice, this.N, b.links, n);
    for (const layer of this.layers) {
      const r = tf.tidy(() => {
        const f = layer.forward(x);
        return { re: f.y.re, im: f.y.im, logdet: f.logdet, ok: f.ok };
      });
      tf.dispose([x.re, x.im]);
      x = { re: r.re, im: r.im };
      acc.addForward(r.logdet, r.ok);
    }
    const re = x.re.dataSync(), im = x.im.dataSync();
    const fields = new Float64Array(2 * re.length);
    for (let k = 0; k < re.length; k++) {
      fields[2 * k] = re[k];
      fields[2 * k + 1] = im[k];
    }
    tf.dispose([x.re, x.im]);
    const { logq, failed } = acc.finish();
    return { fields, logq, failed };
  }

  /** log q of given (packed) fields by the inverse pass. */
  logProb(links: tf.Tensor): { logq: tf.Tensor1D; ok: tf.Tensor1D } {
    return tf.tidy(() => {
      const n = links.shape[0]!;
      let y = unpackField(links);
      let logq: tf.Tensor1D = tf.zeros([n]);
      let ok: tf.Tensor1D = tf.ones([n]);
      for (let k = this.layers.length - 1; k >= 0; k--) {
        const r = this.layers[k].inverse(y);
        y = r.x;
        logq = tf.add(logq, r.logdet);
        ok = tf.minimum(ok, r.ok);
      }
      // the base's log-density at the preimage (0 for Haar); packed links [B, L_{d−1}, …, L_0, d, N, N, 2]
      const base = this.plaquetteBase(makeLattice(links.shape.slice(1, 1 + this.dims).reverse() as number[]));
      if (base) logq = tf.add(logq, base.logProb(y));
      return { logq, ok };
    });
  }

  dispose(): void {
    for (const l of this.layers) l.dispose();
  }
}

/** A flow of `layers` spectral couplings cycling through the U(1) mask patterns (masks.ts `layerPattern`, in `opts.stripeOrder`). */
export function makeSUNGaugeFlow(dims: number, N: number, layers: number, rng: () => number, opts: SUNCouplingOptions = {}): SUNGaugeFlow {
  if (!Number.isInteger(dims) || dims < 2 || dims > 4) throw new Error(`SU(N) gauge flow: dims must be 2, 3 or 4, got ${dims}`);
  if (!Number.isInteger(N) || N < 2) throw new Error(`SU(N) gauge flow: N must be an integer ≥ 2, got ${N}`);
  if (!Number.isInteger(layers) || layers < 1) throw new Error(`SU(N) gauge flow: layers must be a positive integer, got ${layers}`);
  if (opts.baseBeta !== undefined && !(dims === 2 && opts.baseBeta >= 0 && Number.isFinite(opts.baseBeta))) {
    throw new Error(`SU(N) gauge flow: the plaquette base (baseBeta) needs dims 2 and a finite β ≥ 0, got dims ${dims}, baseBeta ${opts.baseBeta}`);
  }
  const flow = new SUNGaugeFlow(dims, N, Array.from({ length: layers }, (_, i) => new SUNSpectralCoupling(dims, N, layerPattern(dims, i, opts.stripeOrder), rng, opts)));
  flow.options = { ...opts };
  return flow;
}

export interface SUNGaugeFlowJSON {
  type: 'sun-gauge';
  dims: number;
  N: number;
  layers: number;
  options: SUNCouplingOptions;
  /** every variable's values, in `variables` order */
  weights: number[][];
}

export function sunGaugeFlowToJSON(flow: SUNGaugeFlow): SUNGaugeFlowJSON {
  if (!flow.options) throw new Error('SU(N) gauge flow: a flow assembled by hand cannot be serialised; build it with makeSUNGaugeFlow');
  return { type: 'sun-gauge', dims: flow.dims, N: flow.N, layers: flow.layers.length, options: flow.options, weights: flow.variables.map((v) => Array.from(v.dataSync())) };
}

/** Rebuild a flow from its JSON (same shapes, weights assigned); a wrong payload is a clear error. */
export function sunGaugeFlowFromJSON(json: SUNGaugeFlowJSON): SUNGaugeFlow {
  if (!json || json.type !== 'sun-gauge') throw new Error(`SU(N) gauge flow: payload type is '${(json as { type?: string })?.type}', expected 'sun-gauge'`);
  const flow = makeSUNGaugeFlow(json.dims, json.N, json.layers, () => 0.5, json.options ?? {});
  if (!Array.isArray(json.weights) || json.weights.length !== flow.variables.length) {
    throw new Error(`SU(N) gauge flow: ${flow.variables.length} weight arrays expected, got ${Array.isArray(json.weights) ? json.weights.length : 'none'}`);
  }
  flow.variables.forEach((v, i) => {
    const w = json.weights[i];
    if (!Array.isArray(w) || w.length !== v.size || !w.every(Number.isFinite)) throw new Error(`SU(N) gauge flow: weight array ${i} must hold ${v.size} finite numbers`);
    v.assign(tf.tensor(w, v.shape));
  });
  return flow;
}

/** Reverse KL of an SU(N) gauge flow on `lattice` against the Wilson action at β, one minibatch. */
export function sunGaugeReverseKL(flow: SUNGaugeFlow, lattice: Lattice, beta: number, estimator: 'total' | 'path' = 'total'): BatchLoss {
  const model = {
    sample: (n: number, rng: () => number) => flow.sample(lattice, n, rng),
    logProb: (x: tf.Tensor) => tf.tidy(() => flow.logProb(x).logq),
  };
  return reverseKLLoss(model, (x) => tf.tidy(() => sunWilsonLogDensity(unpackField(x), flow.dims, flow.N, beta)), estimator);
}
