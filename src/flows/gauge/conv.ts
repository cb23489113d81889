/**
 * Circular (periodic) convolutions on d-dimensional lattices: the conditioners of the gauge layers.
 *
 * Any d (`circularConv`): k periodic rolls per axis concatenated along channels times one
 * [k^d·C_in, C_out] matrix: only roll/concat/matMul, whose gradients every backend has (wasm has no
 * Conv2DBackpropFilter and no conv at all for d = 4). In 2D (`circularConvStack2D`): hand-written
 * periodic padding and native convolutions, whose gradient src/backend/grads.ts registers; the hidden
 * layers' bias, leaky ReLU and padding are one hand-written step (docs/design.md, "The conditioner").
 * Translation equivariance on the torus is exact, so a network trained on L^d runs unchanged on any L′^d.
 */
import { tf } from '../../backend/index.ts';
import { gaussian } from '../../../lattices/random.ts';
import { rollAxis } from './layout.ts';
import { jsKernel } from '../../backend/js-kernel.ts';

export type Activation = 'leakyRelu' | 'tanh';

interface Grid2D {
  B: number;
  H: number;
  W: number;
  C: number;
}

function grid2D(x: tf.Tensor, what: string, p: number): Grid2D {
  if (x.rank !== 4) throw new Error(`${what}: expected [B, H, W, C], got [${x.shape.join(', ')}]`);
  const [B, H, W, C] = x.shape as number[] as [number, number, number, number];
  if (!Number.isInteger(p) || p < 0 || p > H || p > W) throw new Error(`circular padding ${p} must be an integer in [0, ${Math.min(H, W)}] (lattice ${H}×${W})`);
  return { B, H, W, C };
}

/**
 * v [B, H, W, C] → out [B, H + 2p, W + 2p, C] periodically: the lattice row by one set() call, the
 * short halos by index loops (measured on [256,8,8,8]: 0.19 ms, against 0.33 ms with index loops
 * throughout and more with a set() per halo).
 */
function padRows(v: Float32Array, out: Float32Array, { B, H, W, C }: Grid2D, p: number): void {
  const Hp = H + 2 * p;
  const row = W * C;
  const rowP = (W + 2 * p) * C;
  const halo = p * C;
  for (let b = 0; b < B; b++) {
    for (let Y = 0; Y < Hp; Y++) {
      const src = (b * H + ((((Y - p) % H) + H) % H)) * row;
      const dst = (b * Hp + Y) * rowP;
      for (let k = 0; k < halo; k++) out[dst + k] = v[src + row - halo + k]!;
      out.set(v.subarray(src, src + row), dst + halo);
      for (let k = 0; k < halo; k++) out[dst + halo + row + k] = v[src + k]!;
    }
  }
}

/**
 * The transpose of padRows: every padded entry of g added onto the site it copies. The centre of each
 * padded lattice row is copied with one set() (every site has exactly one), before the halos are added.
 */
function foldRows(g: Float32Array, out: Float32Array, { B, H, W, C }: Grid2D, p: number): void {
  const Hp = H + 2 * p;
  const row = W * C;
  const rowP = (W + 2 * p) * C;
  const halo = p * C;
  for (let b = 0; b < B; b++) {
    for (let y = 0; y < H; y++) {
      const dst = (b * H + y) * row;
      const src = (b * Hp + y + p) * rowP;
      out.set(g.subarray(src + halo, src + halo + row), dst);
      // left halo → the row's last p sites, right halo → its first p sites
      for (let k = 0; k < halo; k++) {
        out[dst + row - halo + k] += g[src + k]!;
        out[dst + k] += g[src + halo + row + k]!;
      }
    }
  }
  // the halo rows, whole, onto the lattice rows they copy
  for (let b = 0; b < B; b++) {
    for (let Y = 0; Y < Hp; Y++) {
      if (Y >= p && Y < p + H) continue;
      const dst = (b * H + ((((Y - p) % H) + H) % H)) * row;
      const src = (b * Hp + Y) * rowP;
      for (let k = 0; k < halo; k++) out[dst + row - halo + k] += g[src + k]!;
      for (let k = 0; k < row; k++) out[dst + k] += g[src + halo + k]!;
      for (let k = 0; k < halo; k++) out[dst + k] += g[src + halo + row + k]!;
    }
  }
}

function paddedShape({ B, H, W, C }: Grid2D, p: number): number[] {
  return [B, H + 2 * p, W + 2 * p, C];
}

/**
 * Periodic padding of a 2D batch [B, H, W, C] by p sites on both sides of both spatial axes, as a
 * hand-written kernel (row copies; the gradient folds the halo back onto the sites). The tf-op
 * version (slices and concats) ran at 30–50 ns per element on wasm, where the short inner rows of the
 * second axis defeat the slice kernel's row copies.
 */
export function circularPad2D(x: tf.Tensor, p: number): tf.Tensor4D {
  const g = grid2D(x, 'circularPad2D', p);
  if (p === 0) return x as tf.Tensor4D;
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: jsKernel(paddedShape(g, p), [args[0] as tf.Tensor], (out, [v]) => padRows(v!, out, g, p)),
    gradFunc: (dy: tf.Tensor | tf.Tensor[]) => [jsKernel([g.B, g.H, g.W, g.C], [dy as tf.Tensor], (out, [gv]) => foldRows(gv!, out, g, p))],
  }));
  return f(x) as tf.Tensor4D;
}

const LEAKY_SLOPE = 0.01;
const LEAKY_EVEN = (1 + LEAKY_SLOPE) / 2;
const LEAKY_ODD = (1 - LEAKY_SLOPE) / 2;

/** out (padded) = leaky ReLU(z + bias) on the lattice sites, then the halo copied periodically. */
function biasLeakyRows(z: Float32Array, bias: Float32Array, out: Float32Array, { B, H, W, C }: Grid2D, p: number): void {
  const Hp = H + 2 * p;
  const row = W * C;
  const rowP = (W + 2 * p) * C;
  const halo = p * C;
  for (let b = 0; b < B; b++) {
    for (let y = 0; y < H; y++) {
      const src = (b * H + y) * row;
      const dst = (b * Hp + y + p) * rowP + halo;
      for (let k = 0, c = 0; k < row; k++) {
        const a = z[src + k]! + bias[c]!;
        // leaky ReLU as ((1 + s)a + (1 − s)|a|)/2: no branch, no comparison (measured 2–3× faster
        // than a·(s + (1 − s)[a > 0]) in a nested channel loop, and Math.max is slower still)
        out[dst + k] = LEAKY_EVEN * a + LEAKY_ODD * Math.abs(a);
        if (++c === C) c = 0;
      }
      for (let k = 0; k < halo; k++) {
        out[dst - halo + k] = out[dst + row - halo + k]!;
        out[dst + row + k] = out[dst + k]!;
      }
    }
    // halo rows: copies of whole padded lattice rows
    const base = b * Hp * rowP;
    for (let Y = 0; Y < p; Y++) {
      const top = base + (Y + H) * rowP; // padded row Y copies lattice row H − p + Y
      const bottom = base + (p + Y) * rowP; // padded row p + H + Y copies lattice row Y
      const dTop = base + Y * rowP;
      const dBottom = base + (p + H + Y) * rowP;
      for (let k = 0; k < rowP; k++) {
        out[dTop + k] = out[top + k]!;
        out[dBottom + k] = out[bottom + k]!;
      }
    }
  }
}

/** dz (folded cotangent, in place) times the leaky ReLU's slope at z + bias; returns the bias gradient. */
function leakyBackward(dz: Float32Array, z: Float32Array, bias: Float32Array, C: number): Float32Array {
  const db = new Float64Array(C);
  for (let k = 0, c = 0; k < dz.length; k++) {
    // slope 0.01 at a = 0 exactly, as tf's leakyRelu gradient
    const d = dz[k]! * (LEAKY_SLOPE + (1 - LEAKY_SLOPE) * +(z[k]! + bias[c]! > 0));
    dz[k] = d;
    db[c] += d;
    if (++c === C) c = 0;
  }
  return Float32Array.from(db);
}

/**
 * The hidden-layer step of the 2D conditioner after a convolution, as one hand-written kernel:
 * a = z + b, h = leaky ReLU(a) (slope 0.01 below zero), periodically padded by p for the next
 * convolution. Gradient: fold the halo, times the leaky ReLU's slope (recomputed from z and b, so a
 * pass without gradients keeps nothing), and the bias gradient as the sum. Branch-free loops (the
 * signs of a are random: a branch mispredicts half the time, and measured 2.4× slower on
 * [256,8,8,8]). In place of the stock add, leaky ReLU, its gradient (comparison, select, product)
 * and the padding op: one training microbatch of the tutorial NCP flow 110 → 87 ms, of the default
 * flow 416 → 390 ms (batch 32, one thread), before the heap access of src/backend/js-kernel.ts.
 */
export function biasLeakyPad(z: tf.Tensor, b: tf.Tensor1D, p: number): tf.Tensor4D {
  const g = grid2D(z, 'biasLeakyPad', p);
  if (b.rank !== 1 || b.shape[0] !== g.C) throw new Error(`biasLeakyPad: bias must have shape [${g.C}], got [${b.shape.join(', ')}]`);
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [zt, bt, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([zt, bt]);
    return {
      value: jsKernel(paddedShape(g, p), [zt, bt], (out, [zv, bv]) => biasLeakyRows(zv!, bv!, out, g, p)),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        let db: Float32Array = new Float32Array(g.C);
        const dz = jsKernel([g.B, g.H, g.W, g.C], [dy as tf.Tensor, saved[0]!, saved[1]!], (out, [gv, zv, bv]) => {
          if (p > 0) foldRows(gv!, out, g, p);
          else out.set(gv!);
          db = leakyBackward(out, zv!, bv!, g.C);
        });
        return [dz, tf.tensor1d(db)];
      },
    };
  });
  return f(z, b) as tf.Tensor4D;
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

/** The conditioner's output on one stripe: which sites (stripeSites2D order) and whether tanh follows the bias. */
export interface StripeHead {
  sites: Int32Array;
  tanh: boolean;
}

/** out[(b·ns + i)·C + c] = act(z[b, site i, c] + bias[c]) for the sites of head; act = tanh or identity. */
function headRows(z: Float32Array, bias: Float32Array, out: Float32Array, sites: Int32Array, V: number, C: number, tanh: boolean): void {
  const ns = sites.length;
  const B = z.length / (V * C);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < ns; i++) {
      const src = (b * V + sites[i]!) * C;
      const dst = (b * ns + i) * C;
      for (let c = 0; c < C; c++) {
        const a = z[src + c]! + bias[c]!;
        out[dst + c] = tanh ? Math.tanh(a) : a;
      }
    }
  }
}

/**
 * The last layer's bias and activation on one stripe only, as one hand-written op: z [B, H, W, C] →
 * [B·ns, C] rows in site order. A coupling layer reads its parameters on a quarter of the sites; the
 * stock add, tanh (≈ 17 ns per element on wasm) and stripe slice ran on all of them. Gradient: the
 * rows' cotangent times tanh′ placed back at the stripe sites (zero elsewhere), and its sum for the bias.
 */
export function stripeBiasAct(z: tf.Tensor, b: tf.Tensor1D, head: StripeHead): tf.Tensor2D {
  if (z.rank !== 4) throw new Error(`stripeBiasAct: expected [B, H, W, C], got [${z.shape.join(', ')}]`);
  const [B, H, W, C] = z.shape as number[] as [number, number, number, number];
  if (b.rank !== 1 || b.shape[0] !== C) throw new Error(`stripeBiasAct: bias must have shape [${C}], got [${b.shape.join(', ')}]`);
  const V = H * W;
  const { sites, tanh } = head;
  for (const st of sites) if (!(st >= 0 && st < V)) throw new Error(`stripeBiasAct: site ${st} outside the ${H}×${W} lattice`);
  const ns = sites.length;
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [zt, bt, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const value = jsKernel([B * ns, C], [zt, bt], (out, [zv, bv]) => headRows(zv!, bv!, out, sites, V, C, tanh));
    save([value]);
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const db = new Float64Array(C);
        const dz = jsKernel(z.shape, [dy as tf.Tensor, saved[0]!], (out, [g, y]) => {
          for (let bb = 0; bb < B; bb++) {
            for (let i = 0; i < ns; i++) {
              const dst = (bb * V + sites[i]!) * C;
              const src = (bb * ns + i) * C;
              for (let c = 0; c < C; c++) {
                const t = y![src + c]!;
                const d = g![src + c]! * (tanh ? 1 - t * t : 1);
                out[dst + c] = d;
                db[c] += d;
              }
            }
          }
        });
        return [dz, tf.tensor1d(Float32Array.from(db))];
      },
    };
  });
  return f(z, b) as tf.Tensor2D;
}

/** Whether tf is recording a gradient tape (tf.grads and friends): tfjs' own test for fusing ops. */
function recordingGradients(): boolean {
  return (tf.engine().state as unknown as { gradientDepth: number }).gradientDepth > 0;
}

/**
 * A stack of 2D periodic convolutions: each layer pads its input by the kernel's radius and runs a
 * native valid convolution, so no site is computed twice. Same result as circularConv layer by layer.
 *
 * Under a gradient tape: tf.conv2d (its gradient is registered in src/backend/grads.ts: wasm lacks the
 * filter gradient) and, for hidden layers with the leaky ReLU, bias, activation and the next layer's
 * padding in one hand-written step (`biasLeakyPad`); other activations (`act`) are tf ops. Without
 * a tape (drawing proposals): the bias fused into the convolution (free in XNNPACK) and the leaky
 * ReLU as XNNPACK's prelu (0.05 ms on [256,8,8,8], against 0.5 ms for the hand-written loop and
 * 0.6 ms for wasm's LeakyRelu), then the padding.
 *
 * With `head`, the last layer's bias and activation are applied on the head's sites only
 * (`stripeBiasAct`, [B·ns, C_out] rows); otherwise the output is [B, H, W, C_out].
 */
export function circularConvStack2D(
  x: tf.Tensor,
  layers: { w: tf.Tensor2D; b: tf.Tensor1D }[],
  k: number,
  act: (h: tf.Tensor, last: boolean) => tf.Tensor,
  leaky = false,
  head?: StripeHead,
): tf.Tensor {
  return tf.tidy(() => {
    const r = (k - 1) / 2;
    const taped = recordingGradients();
    let h: tf.Tensor = circularPad2D(x, r);
    layers.forEach(({ w, b }, l) => {
      const cin = w.shape[0] / (k * k);
      const filter = tf.reshape(w, [k, k, cin, w.shape[1]]) as tf.Tensor4D;
      const last = l + 1 === layers.length;
      if (last) {
        const z = tf.conv2d(h as tf.Tensor4D, filter, 1, 'valid');
        h = head ? stripeBiasAct(z, b, head) : act(tf.add(z, b), true);
      } else if (!taped) {
        const z = tf.fused.conv2d({ x: h as tf.Tensor4D, filter, strides: 1, pad: 'valid', bias: b });
        h = circularPad2D(leaky ? tf.prelu(z as tf.Tensor, tf.fill([w.shape[1]], LEAKY_SLOPE)) : act(z, false), r);
      } else {
        const z = tf.conv2d(h as tf.Tensor4D, filter, 1, 'valid');
        h = leaky ? biasLeakyPad(z, b, r) : circularPad2D(act(tf.add(z, b), false), r);
      }
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
      // tf.variable copies its initial value: the temporary tensors are disposed at once. Names are
      // the engine's own (unique in the process): a counter of ours would restart in a second module
      // instance of this file (a CJS require and an ESM import of it), and names collided in the test run
      const w = tf.tidy(() => tf.variable(tf.tensor2d(wv, [fanIn, fanOut]), true));
      const b = tf.tidy(() => tf.variable(tf.tensor1d(bv), true));
      this.layers.push({ w, b });
      this.variables.push(w, b);
    }
  }

  private act = (h: tf.Tensor, last: boolean): tf.Tensor => {
    if (!last) return this.activation === 'tanh' ? tf.tanh(h) : tf.leakyRelu(h, LEAKY_SLOPE);
    return this.finalTanh ? tf.tanh(h) : h;
  };

  /**
   * The net on x [B, spatial…, C_in] → [B, spatial…, C_out]; in 2D with `sites` (stripeSites2D), the
   * output on those sites only, [B·ns, C_out] (circularConvStack2D).
   */
  apply(x: tf.Tensor, sites?: Int32Array): tf.Tensor {
    const layers = this.layers.map(({ w, b }) => ({ w: w as tf.Tensor2D, b: b as tf.Tensor1D }));
    const head = sites ? { sites, tanh: this.finalTanh } : undefined;
    if (this.dims === 2) return circularConvStack2D(x, layers, this.kernelSize, this.act, this.activation === 'leakyRelu', head);
    if (sites) throw new Error(`conv net: output on given sites is 2D only (this net is ${this.dims}D)`);
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
