/**
 * Rank fixes for the wasm backend (tfjs-backend-wasm 4.22).
 *
 * The wasm binary kernels (Add, Sub, Multiply, RealDiv, SquaredDifference, …) run through XNNPACK,
 * which handles at most 6 dimensions. Given tensors of rank 7 or 8 its setup fails, the module
 * prints "XNN status for xnn_setup_*_nd_f32 is not successful", and the kernel returns its output
 * buffer unwritten: the result is silently wrong (measured: a + b on [2,3,2,2,2,2,3,3] off by up to
 * 3 for inputs in [−0.5, 1.5]). PadV2 is wrong the same way. SU(N) link fields in d = 3, 4 are
 * [B, L^d, d, N, N] (rank 7, 8): the tape sums their gradients with Add, so training a 3D/4D SU(N)
 * flow on wasm got garbage gradients with nothing but that log line.
 *
 * Elementwise ops do not care about the shape, only the broadcast pattern, and padding only about
 * which axes are padded: both can be rewritten on a collapsed view of at most 6 axes with the same
 * data layout (row-major). This module wraps the affected kernels so that inputs of rank > 6 are
 * viewed that way (the same data buffer, another shape: no copy) and the output is given its full
 * shape back; a broadcast pattern that does not collapse to 6 axes is tiled out first, and a padding
 * that does not is an error, never a wrong number.
 */
import { tf } from './tf.ts';

/** XNN's limit (XNN_MAX_TENSOR_DIMS). */
const MAX_RANK = 6;

/** The wasm binary kernels that go through XNNPACK's n-d setup (createBinaryKernelConfig). */
const BINARY_KERNELS = ['Add', 'Sub', 'Multiply', 'RealDiv', 'SquaredDifference', 'FloorDiv', 'Maximum', 'Minimum', 'Mod', 'Pow', 'Atan2', 'Equal', 'NotEqual', 'Greater', 'GreaterEqual', 'Less', 'LessEqual', 'LogicalAnd', 'LogicalOr', 'LogicalXor', 'BitwiseAnd'];

type Info = tf.TensorInfo;

/**
 * Collapsed shapes of a broadcasting binary op: axes of size 1 in the output are dropped and
 * neighbouring axes merged where each input is either full along both or broadcast along both.
 * Returns null when the pattern needs more than `max` axes.
 */
export function collapseBroadcast(a: number[], b: number[], max = MAX_RANK): { a: number[]; b: number[]; out: number[] } | null {
  const out = tf.backend_util.assertAndGetBroadcastShape(a, b);
  const r = out.length;
  const pa = [...new Array<number>(r - a.length).fill(1), ...a];
  const pb = [...new Array<number>(r - b.length).fill(1), ...b];
  const ca: number[] = [], cb: number[] = [], co: number[] = [];
  let last = '';
  for (let i = 0; i < r; i++) {
    if (out[i] === 1) continue;
    const state = `${pa[i] === out[i] ? 'f' : 'b'}${pb[i] === out[i] ? 'f' : 'b'}`;
    if (state === last) {
      const k = co.length - 1;
      co[k] *= out[i]!;
      ca[k] *= pa[i]!;
      cb[k] *= pb[i]!;
    } else {
      co.push(out[i]!);
      ca.push(pa[i]!);
      cb.push(pb[i]!);
      last = state;
    }
  }
  if (co.length === 0) return { a: [1], b: [1], out: [1] };
  return co.length > max ? null : { a: ca, b: cb, out: co };
}

/**
 * Collapsed view of a padding: each padded axis absorbs the unpadded axes after it (p rows of a
 * padded axis are p·(inner size) elements of the merged one), leading unpadded axes merge into one.
 */
export function collapsePadding(shape: number[], paddings: [number, number][], max = MAX_RANK): { shape: number[]; paddings: [number, number][] } | null {
  const s: number[] = [];
  const p: [number, number][] = [];
  shape.forEach((n, i) => {
    const [before, after] = paddings[i]!;
    if (s.length === 0 || before !== 0 || after !== 0) {
      s.push(n);
      p.push([before, after]);
    } else {
      const k = s.length - 1;
      s[k] *= n;
      p[k] = [p[k]![0] * n, p[k]![1] * n];
    }
  });
  return s.length > max ? null : { shape: s, paddings: p };
}

const view = (t: Info, shape: number[]): Info => ({ dataId: t.dataId, shape, dtype: t.dtype });

function tooMany(name: string, shapes: number[][]): Error {
  return new Error(`wasm backend: ${name} on shapes ${shapes.map((s) => `[${s}]`).join(', ')} needs more than ${MAX_RANK} axes after collapsing; XNNPACK would return wrong values. Reshape to rank ≤ ${MAX_RANK} first.`);
}

function wrapBinary(config: tf.KernelConfig): tf.KernelConfig {
  const inner = config.kernelFunc;
  return {
    ...config,
    kernelFunc: (args) => {
      const { a, b } = args.inputs as { a: Info; b: Info };
      if (a.shape.length <= MAX_RANK && b.shape.length <= MAX_RANK) return inner(args);
      const out = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      const c = collapseBroadcast(a.shape, b.shape);
      if (c) return view(inner({ ...args, inputs: { a: view(a, c.a), b: view(b, c.b) } }) as Info, out);
      // A broadcast pattern that alternates too often: tile the broadcast inputs to the full
      // shape (wasm's Tile is right at any rank), then the op is flat.
      const backend = args.backend as { disposeData(id: tf.DataId): void };
      const temporary: Info[] = [];
      const full = (t: Info): Info => {
        if (tf.util.arraysEqual(t.shape, out)) return t;
        const padded = [...new Array<number>(out.length - t.shape.length).fill(1), ...t.shape];
        const tile = tf.getKernel('Tile', 'wasm');
        if (!tile) throw tooMany(config.kernelName, [a.shape, b.shape]);
        const r = tile.kernelFunc({ inputs: { x: view(t, padded) }, attrs: { reps: out.map((n, i) => n / padded[i]!) }, backend: args.backend }) as Info;
        temporary.push(r);
        return r;
      };
      const size = out.reduce((x, y) => x * y, 1);
      try {
        const r = inner({ ...args, inputs: { a: view(full(a), [size]), b: view(full(b), [size]) } }) as Info;
        return view(r, out);
      } finally {
        for (const t of temporary) backend.disposeData(t.dataId);
      }
    },
  };
}

function wrapPad(config: tf.KernelConfig): tf.KernelConfig {
  const inner = config.kernelFunc;
  return {
    ...config,
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: Info };
      const attrs = args.attrs as unknown as { paddings: [number, number][]; constantValue: number };
      if (x.shape.length <= MAX_RANK) return inner(args);
      const c = collapsePadding(x.shape, attrs.paddings);
      if (!c) throw tooMany('PadV2', [x.shape]);
      const out = x.shape.map((n, i) => attrs.paddings[i]![0] + n + attrs.paddings[i]![1]);
      const r = inner({ ...args, inputs: { x: view(x, c.shape) }, attrs: { ...attrs, paddings: c.paddings } as unknown as tf.NamedAttrMap }) as Info;
      return view(r, out);
    },
  };
}

let installed = false;

/** Replace the affected wasm kernels by their rank-collapsing wrappers (idempotent; no-op without wasm). */
export function installWasmRankFixes(): void {
  if (installed) return;
  const wrap = (name: string, how: (c: tf.KernelConfig) => tf.KernelConfig) => {
    const config = tf.getKernel(name, 'wasm');
    if (!config) return;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(how(config));
  };
  for (const name of BINARY_KERNELS) wrap(name, wrapBinary);
  wrap('PadV2', wrapPad);
  installed = true;
}
