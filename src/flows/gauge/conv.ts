/**
 * Circular (periodic) convolutions on d-dimensional lattices, written as shifted slices + one matMul.
 *
 * Why not tf.conv2d: the wasm backend has no Conv2DBackpropFilter, so the weight gradient of a conv
 * cannot be taken there, and there is no conv for d = 4 at all. A k^d stencil as k^d slices of a
 * periodically padded tensor, concatenated along channels, times a [k^d·C_in, C_out] matrix has
 * only slice/concat/matMul in it, whose gradients every backend has. Translation equivariance on
 * the torus is exact, so a network trained on L^d runs unchanged on any L′^d.
 */
import { tf } from '../../backend/index.ts';
import { gaussian } from '../../../lattices/random.ts';
import { rollAxis } from './layout.ts';

export type Activation = 'leakyRelu' | 'tanh';

/**
 * Periodic padding of a 2D batch [B, H, W, C] by p sites on both sides of both spatial axes, as a
 * hand-written kernel: each padded row is three copies of a lattice row (its last p sites, the row,
 * its first p sites), and the gradient folds the halo back onto the sites. The tf-op version (slices
 * and concats) ran at 30–50 ns per element on wasm, where the short inner rows of the second axis
 * defeat the slice kernel's row copies.
 */
export function circularPad2D(x: tf.Tensor, p: number): tf.Tensor4D {
  if (x.rank !== 4) throw new Error(`circularPad2D: expected [B, H, W, C], got [${x.shape.join(', ')}]`);
  const [B, H, W, C] = x.shape as number[] as [number, number, number, number];
  if (!Number.isInteger(p) || p < 0 || p > H || p > W) throw new Error(`circular padding ${p} must be an integer in [0, ${Math.min(H, W)}] (lattice ${H}×${W})`);
  if (p === 0) return x as tf.Tensor4D;
  const Hp = H + 2 * p;
  const Wp = W + 2 * p;
  const row = W * C;
  const rowP = Wp * C;
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const v = (args[0] as tf.Tensor).dataSync() as Float32Array;
    const out = new Float32Array(B * Hp * rowP);
    for (let b = 0; b < B; b++) {
      for (let Y = 0; Y < Hp; Y++) {
        const src = (b * H + ((((Y - p) % H) + H) % H)) * row;
        const dst = (b * Hp + Y) * rowP;
        out.set(v.subarray(src + (W - p) * C, src + row), dst);
        out.set(v.subarray(src, src + row), dst + p * C);
        out.set(v.subarray(src, src + p * C), dst + (p + W) * C);
      }
    }
    return {
      value: tf.tensor4d(out, [B, Hp, Wp, C]),
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
        const g = (dy as tf.Tensor).dataSync();
        const dx = new Float32Array(B * H * row);
        for (let b = 0; b < B; b++) {
          for (let Y = 0; Y < Hp; Y++) {
            const dst = (b * H + ((((Y - p) % H) + H) % H)) * row;
            const src = (b * Hp + Y) * rowP;
            for (let X = 0; X < Wp; X++) {
              const at = dst + ((((X - p) % W) + W) % W) * C;
              const from = src + X * C;
              for (let c = 0; c < C; c++) dx[at + c] += g[from + c]!;
            }
          }
        }
        return [tf.tensor4d(dx, [B, H, W, C])];
      },
    };
  });
  return f(x) as tf.Tensor4D;
}

/**
 * Periodic convolution: x [B, spatial…(d axes), C_in], w [k^d·C_in, C_out], b [C_out] →
 * [B, spatial…, C_out]. Row (o, c) of w multiplies channel c at offset o ∈ {−r..r}^d (first
 * spatial axis slowest), r = (k−1)/2.
 */
export function circularConv(x: tf.Tensor, w: tf.Tensor2D, b: tf.Tensor1D, k: number): tf.Tensor {
  return tf.tidy(() => {
    const dims = x.rank - 2;
    const r = (k - 1) / 2;
    const channel = x.rank - 1;
    // The k^d windows by k rolls per axis (k·d rolls, not k^d slices): stage a turns every channel
    // block into k blocks, one per offset along axis a. Axes are taken last to first, so the first
    // spatial axis ends up outermost (slowest) in the channel order, as the weight rows expect.
    let h = x;
    for (let axis = dims; axis >= 1; axis--) {
      const rolled: tf.Tensor[] = [];
      for (let o = 0; o < k; o++) rolled.push(rollAxis(h, axis, o - r));
      h = tf.concat(rolled, channel);
    }
    const cin = x.shape[channel]!;
    const rows = x.size / cin;
    const y = tf.add(tf.matMul(tf.reshape(h, [rows, k ** dims * cin]), w), b);
    return tf.reshape(y, [...x.shape.slice(0, -1), w.shape[1]]);
  });
}

/**
 * Leaky ReLU (slope 0.01 below zero) as a hand-written kernel with its first derivative: on wasm the
 * stock op and its gradient (a comparison, a select and a product) cost ≈ 0.9 ms on [32,8,8,16],
 * a plain loop a tenth of that.
 */
export function leakyRelu(x: tf.Tensor): tf.Tensor {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const t = args[0] as tf.Tensor;
    const v = t.dataSync() as Float32Array;
    const out = new Float32Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = v[i]! > 0 ? v[i]! : LEAKY_SLOPE * v[i]!;
    return {
      value: tf.tensor(out, t.shape),
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
        const g = (dy as tf.Tensor).dataSync();
        const dx = new Float32Array(v.length);
        for (let i = 0; i < v.length; i++) dx[i] = v[i]! > 0 ? g[i]! : LEAKY_SLOPE * g[i]!;
        return [tf.tensor(dx, t.shape)];
      },
    };
  });
  return f(x);
}

const LEAKY_SLOPE = 0.01;

/** Whether a gradient tape is recording ops now (tfjs internals: Engine.isTapeOn). */
function tapeOn(): boolean {
  return (tf.engine() as unknown as { isTapeOn(): boolean }).isTapeOn();
}

/**
 * 2D valid convolution plus bias on the native (XNNPACK) kernels. Under a gradient tape it is a
 * plain conv2d (whose gradient src/backend/grads.ts registers for wasm, which lacks the filter
 * gradient) and an add; without one the bias is fused into the convolution (tfjs' fused op has no
 * usable gradient on wasm, so it must not be recorded).
 */
export function conv2dValid(x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D): tf.Tensor4D {
  if (tapeOn()) return tf.add(tf.conv2d(x, w, 1, 'valid'), b);
  return tf.fused.conv2d({ x, filter: w, bias: b, strides: 1, pad: 'valid' });
}

/**
 * A stack of 2D periodic convolutions: each layer pads its input by the kernel's radius
 * (circularPad2D) and runs a valid convolution, so no site is computed twice. Same result as
 * circularConv layer by layer.
 */
export function circularConvStack2D(x: tf.Tensor, layers: { w: tf.Tensor2D; b: tf.Tensor1D }[], k: number, act: (h: tf.Tensor, last: boolean) => tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const r = (k - 1) / 2;
    let h = x;
    layers.forEach(({ w, b }, l) => {
      const cin = w.shape[0] / (k * k);
      const filt = tf.reshape(w, [k, k, cin, w.shape[1]]) as tf.Tensor4D;
      h = act(conv2dValid(circularPad2D(h, r), filt, b), l + 1 === layers.length);
    });
    return h;
  });
}

export interface ConvNetJSON {
  inChannels: number;
  hidden: number[];
  outChannels: number;
  kernelSize: number;
  dims: number;
  activation: Activation;
  finalTanh: boolean;
  /** flat weights, layer by layer: w (row-major) then b */
  weights: number[][];
}

let netCounter = 0;

/** A small circular CNN: conv → activation → … → conv (→ tanh). The conditioner of a coupling layer. */
export class CircularConvNet {
  readonly variables: tf.Variable[] = [];
  readonly layers: { w: tf.Variable; b: tf.Variable }[] = [];

  constructor(
    readonly dims: number,
    readonly inChannels: number,
    readonly hidden: number[],
    readonly outChannels: number,
    readonly kernelSize: number,
    readonly activation: Activation,
    readonly finalTanh: boolean,
    init: { rng: () => number; outScale?: number } | { weights: number[][] },
  ) {
    if (!Number.isInteger(kernelSize) || kernelSize < 1 || kernelSize % 2 === 0) throw new Error(`conv kernel size must be an odd positive integer, got ${kernelSize}`);
    for (const h of hidden) if (!Number.isInteger(h) || h < 1) throw new Error(`conv hidden sizes must be positive integers, got ${hidden.join(',')}`);
    const sizes = [inChannels, ...hidden, outChannels];
    const id = netCounter++;
    const taps = kernelSize ** dims;
    for (let l = 0; l + 1 < sizes.length; l++) {
      const fanIn = taps * sizes[l]!;
      const fanOut = sizes[l + 1]!;
      let wv: Float32Array;
      let bv: Float32Array;
      if ('weights' in init) {
        const w = init.weights[2 * l];
        const b = init.weights[2 * l + 1];
        if (!w || !b || w.length !== fanIn * fanOut || b.length !== fanOut) {
          throw new Error(`conv net weights: layer ${l} expects ${fanIn}×${fanOut} weights and ${fanOut} biases`);
        }
        wv = Float32Array.from(w);
        bv = Float32Array.from(b);
      } else {
        // He/Glorot-like scale; the last layer starts small so a fresh flow is close to the identity.
        const last = l + 2 === sizes.length;
        const scale = (last ? (init.outScale ?? 0.01) : 1) * Math.sqrt(2 / (fanIn + fanOut));
        wv = new Float32Array(fanIn * fanOut);
        for (let i = 0; i < wv.length; i++) wv[i] = scale * gaussian(init.rng);
        bv = new Float32Array(fanOut);
      }
      // tf.variable copies its initial value: the temporary tensors are disposed at once
      const w = tf.tidy(() => tf.variable(tf.tensor2d(wv, [fanIn, fanOut]), true, `gaugeconv${id}_w${l}`));
      const b = tf.tidy(() => tf.variable(tf.tensor1d(bv), true, `gaugeconv${id}_b${l}`));
      this.layers.push({ w, b });
      this.variables.push(w, b);
    }
  }

  private act = (h: tf.Tensor, last: boolean): tf.Tensor => {
    if (!last) return this.activation === 'tanh' ? tf.tanh(h) : leakyRelu(h);
    return this.finalTanh ? tf.tanh(h) : h;
  };

  apply(x: tf.Tensor): tf.Tensor {
    const layers = this.layers.map(({ w, b }) => ({ w: w as tf.Tensor2D, b: b as tf.Tensor1D }));
    if (this.dims === 2) return circularConvStack2D(x, layers, this.kernelSize, this.act);
    return tf.tidy(() => {
      let h = x;
      layers.forEach(({ w, b }, l) => {
        h = this.act(circularConv(h, w, b, this.kernelSize), l + 1 === layers.length);
      });
      return h;
    });
  }

  get paramCount(): number {
    return this.variables.reduce((s, v) => s + v.size, 0);
  }

  toJSON(): ConvNetJSON {
    return {
      inChannels: this.inChannels,
      hidden: this.hidden,
      outChannels: this.outChannels,
      kernelSize: this.kernelSize,
      dims: this.dims,
      activation: this.activation,
      finalTanh: this.finalTanh,
      weights: this.variables.map((v) => Array.from(v.dataSync())),
    };
  }

  static fromJSON(j: ConvNetJSON): CircularConvNet {
    return new CircularConvNet(j.dims, j.inChannels, j.hidden, j.outChannels, j.kernelSize, j.activation, j.finalTanh, { weights: j.weights });
  }

  dispose(): void {
    tf.dispose(this.variables);
  }
}
