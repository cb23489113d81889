/**
 * A U(1) gauge flow = the product of Haar measures (uniform link angles) pushed through a stack of
 * gauge-equivariant coupling layers: the transformed distribution of docs/design.md, "Layers and
 * flows". The flow is lattice-size independent (convolutional layers); the lattice is an argument of
 * sampling.
 *
 * log q(U) is with respect to the product of normalised Haar measures, the reference measure of the
 * Wilson target p(U) ∝ e^{−S(U)}: log q(f(U₀)) = log q₀(U₀) − Σ_layers log|det|, with q₀ = 1 for the
 * Haar base and the plaquette base of plaquette-base.ts (2D, config.base = 'plaquette') otherwise.
 */
import { tf } from '../../backend/index.ts';
import { makeLattice, type Lattice } from '../../../lattices/geometry.ts';
import { ProposalLogq, type BaseDistribution } from '../bijector.ts';
import type { U1GaugeCoupling } from './coupling.ts';
import { linkShape } from './layout.ts';
import type { U1GaugeFlowConfig } from './build.ts';
import { u1PlaquetteBase, type U1PlaquetteBase } from './plaquette-base.ts';

/** Uniform (Haar) U(1) links on a lattice: angles in [−π, π), log density 0 w.r.t. normalised Haar. */
export function u1Haar(lattice: Lattice): BaseDistribution<tf.Tensor> {
  const per = lattice.volume * lattice.dims;
  return {
    sample(n: number, rng: () => number): tf.Tensor {
      const a = new Float32Array(n * per);
      for (let i = 0; i < a.length; i++) a[i] = Math.PI * (2 * rng() - 1);
      return tf.tensor(a, linkShape(lattice, n));
    },
    logProb(x: tf.Tensor): tf.Tensor1D {
      return tf.zeros([x.shape[0]!]) as tf.Tensor1D;
    },
  };
}

export interface GaugeSample {
  /** links [B, L…, d] */
  x: tf.Tensor;
  /** log q per sample (float32; differentiable in the variables) */
  logq: tf.Tensor1D;
  /** 1 where every layer's result can be trusted */
  ok: tf.Tensor1D;
}

export class U1GaugeFlow {
  readonly variables: tf.Variable[];

  constructor(readonly dims: number, readonly layers: U1GaugeCoupling[], readonly config?: U1GaugeFlowConfig) {
    if (layers.length === 0) throw new Error('gauge flow: needs at least one layer');
    for (const l of layers) if (l.dims !== dims) throw new Error(`gauge flow: a ${l.dims}D layer in a ${dims}D flow`);
    this.variables = layers.flatMap((l) => l.variables);
  }

  /** The base distribution on `lattice`: Haar, or the plaquette base at the config's β. */
  base(lattice: Lattice): BaseDistribution<tf.Tensor> & { logProb64?: U1PlaquetteBase['logProb64'] } {
    return this.config?.base === 'plaquette' ? u1PlaquetteBase(lattice, this.config.beta) : u1Haar(lattice);
  }

  get paramCount(): number {
    return this.variables.reduce((s, v) => s + v.size, 0);
  }

  /** Draw n fields (differentiable in the variables; log q in float32). */
  sample(lattice: Lattice, n: number, rng: () => number): GaugeSample {
    if (lattice.dims !== this.dims) throw new Error(`gauge flow is ${this.dims}D, lattice is ${lattice.dims}D`);
    return tf.tidy(() => {
      const base = this.base(lattice);
      let x = base.sample(n, rng);
      let logq: tf.Tensor1D = base.logProb(x);
      let ok: tf.Tensor1D = tf.ones([n]);
      for (const layer of this.layers) {
        const r = layer.forward(x);
        x = r.y;
        logq = tf.sub(logq, r.logdet);
        ok = tf.minimum(ok, r.ok);
      }
      return { x, logq, ok };
    });
  }

  /**
   * Draw n fields for MCMC, without gradients: the link angles as float64 and log q accumulated over
   * layers in float64 (+∞ where any layer failed, so the draw can never be accepted).
   */
  sampleForMCMC(lattice: Lattice, n: number, rng: () => number): { fields: Float64Array; logq: Float64Array; failed: number } {
    if (lattice.dims !== this.dims) throw new Error(`gauge flow is ${this.dims}D, lattice is ${lattice.dims}D`);
    const base = this.base(lattice);
    let x = base.sample(n, rng);
    // Haar: log-density 0 in the angles; the plaquette base in float64 from the drawn angles
    const acc = new ProposalLogq(base.logProb64 ? base.logProb64(x.dataSync() as Float32Array, n) : n);
    for (const layer of this.layers) {
      const r = layer.forward(x);
      x.dispose();
      x = r.y;
      acc.addForward(r.logdet, r.ok);
    }
    const fields = Float64Array.from(x.dataSync());
    x.dispose();
    const { logq, failed } = acc.finish();
    return { fields, logq, failed };
  }

  /** log q(U) of given fields by the inverse pass (differentiable in the links and the variables). */
  logProb(links: tf.Tensor): { logq: tf.Tensor1D; ok: tf.Tensor1D } {
    return tf.tidy(() => {
      const n = links.shape[0]!;
      let y = links;
      let logq: tf.Tensor1D = tf.zeros([n]);
      let ok: tf.Tensor1D = tf.ones([n]);
      for (let k = this.layers.length - 1; k >= 0; k--) {
        const r = this.layers[k]!.inverse(y);
        y = r.x;
        logq = tf.add(logq, r.logdet);
        ok = tf.minimum(ok, r.ok);
      }
      // the base's log-density at the preimage (0 for Haar)
      if (this.config?.base === 'plaquette') logq = tf.add(logq, this.base(makeLattice(links.shape.slice(1, -1).reverse() as number[])).logProb(y));
      return { logq, ok };
    });
  }

  /** Inverse pass to the base: the Haar-uniform links a sample came from. */
  toBase(links: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let y = links;
      for (let k = this.layers.length - 1; k >= 0; k--) y = this.layers[k]!.inverse(y).x;
      return y;
    });
  }

  dispose(): void {
    for (const l of this.layers) l.dispose();
  }
}
