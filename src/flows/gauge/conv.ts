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

/** Periodic padding by p sites on both sides of every spatial axis (axes 1 … rank−2). */
export function circularPad(t: tf.Tensor, p: number): tf.Tensor {
  if (p === 0) return t;
  let out = t;
  for (let axis = 1; axis < t.rank - 1; axis++) {
    const L = out.shape[axis]!;
    if (p > L) throw new Error(`circular padding ${p} exceeds lattice extent ${L}`);
    // slices and concat on the rank-3 view [before, L, after]: the wasm slice kernel is several times
    // faster there than on rank-4+ tensors
    const pre = out.shape.slice(0, axis).reduce((a, b) => a * b, 1);
    const post = out.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const v = tf.reshape(out, [pre, L, post]);
    const head = tf.slice(v, [0, 0, 0], [pre, p, post]);
    const tail = tf.slice(v, [0, L - p, 0], [pre, p, post]);
    const shape = out.shape.slice();
    shape[axis] = L + 2 * p;
    out = tf.reshape(tf.concat([tail, v, head], 1), shape);
  }
  return out;
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
 * 2D valid convolution on the native (XNNPACK) kernel with a hand-written filter gradient: wasm has
 * Conv2D and Conv2DBackpropInput but no Conv2DBackpropFilter. The filter gradient
 * dW[i,j,c,o] = Σ_{b,y,x} x[b,y+i,x+j,c] dy[b,y,x,o] is itself a valid convolution with the roles of
 * batch and channels exchanged (x as [C, H, W, B], dy as the filter [h, w, B, O]).
 */
export const conv2dValid = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, w, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
  save([x, w]);
  return {
    value: tf.conv2d(x, w, 1, 'valid'),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
      const dy4 = dy as tf.Tensor4D;
      // dx = full convolution of dy with the flipped filter (in/out channels exchanged), on the native
      // Conv2D kernel: wasm's Conv2DBackpropInput is a slow reference loop (≈10× Conv2D here).
      const k = ws.shape[0];
      const flipped = tf.transpose(tf.reverse(ws, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
      const dx = tf.conv2d(tf.pad(dy4, [[0, 0], [k - 1, k - 1], [k - 1, k - 1], [0, 0]]) as tf.Tensor4D, flipped, 1, 'valid');
      const dw = tf.transpose(tf.conv2d(tf.transpose(xs, [3, 1, 2, 0]) as tf.Tensor4D, tf.transpose(dy4, [1, 2, 0, 3]) as tf.Tensor4D, 1, 'valid'), [1, 2, 0, 3]);
      return [dx, dw];
    },
  };
}) as never) as unknown as (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D;

/**
 * A stack of 2D periodic convolutions: pad the input once by the stack's total reach and run valid
 * convolutions (the border rows are computed redundantly, which the native kernel does far faster
 * than re-padding every hidden layer with slices). Same result as circularConv layer by layer.
 */
export function circularConvStack2D(x: tf.Tensor, layers: { w: tf.Tensor2D; b: tf.Tensor1D }[], k: number, act: (h: tf.Tensor, last: boolean) => tf.Tensor, prepadded = false): tf.Tensor {
  return tf.tidy(() => {
    const r = (k - 1) / 2;
    const reach = r * layers.length;
    const L = Math.min(x.shape[1]!, x.shape[2]!);
    const once = prepadded || reach <= L;
    let h = once && !prepadded ? circularPad(x, reach) : x;
    layers.forEach(({ w, b }, l) => {
      const cin = w.shape[0] / (k * k);
      const filt = tf.reshape(w, [k, k, cin, w.shape[1]]) as tf.Tensor4D;
      const input = (once ? h : circularPad(h, r)) as tf.Tensor4D;
      h = act(tf.add(conv2dValid(input, filt), b), l + 1 === layers.length);
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

  /** How far the stack sees: sites of periodic padding a pre-padded 2D input needs. */
  get reach(): number {
    return ((this.kernelSize - 1) / 2) * this.layers.length;
  }

  private act = (h: tf.Tensor, last: boolean): tf.Tensor => {
    if (!last) return this.activation === 'tanh' ? tf.tanh(h) : tf.leakyRelu(h, 0.01);
    return this.finalTanh ? tf.tanh(h) : h;
  };

  /** 2D only: the input already carries `reach` sites of periodic padding on each side; valid convolutions. */
  applyPadded(x: tf.Tensor): tf.Tensor {
    if (this.dims !== 2) throw new Error('applyPadded is for 2D conditioners');
    return circularConvStack2D(x, this.layers.map(({ w, b }) => ({ w: w as tf.Tensor2D, b: b as tf.Tensor1D })), this.kernelSize, this.act, true);
  }

  apply(x: tf.Tensor): tf.Tensor {
    const act = this.act;
    if (this.dims === 2) {
      return circularConvStack2D(x, this.layers.map(({ w, b }) => ({ w: w as tf.Tensor2D, b: b as tf.Tensor1D })), this.kernelSize, act);
    }
    return tf.tidy(() => {
      let h = x;
      this.layers.forEach(({ w, b }, l) => {
        h = circularConv(h, w as tf.Tensor2D, b as tf.Tensor1D, this.kernelSize);
        const last = l + 1 === this.layers.length;
        if (!last) h = this.activation === 'tanh' ? tf.tanh(h) : tf.leakyRelu(h, 0.01);
        else if (this.finalTanh) h = tf.tanh(h);
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
