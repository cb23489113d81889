import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fileURLToPath } from 'node:url';
import { initBackend, tf } from '../../src/backend/index.ts';
import { makeRng } from '../../lattices/random.ts';
import { trainParallel, reduceMicrobatches, type Checkpoint } from '../../src/train/parallel.ts';
import { buildTrainable, reverseKLSpec } from '../../src/train/reverse-kl-trainable.ts';
import { lossGradient, microbatchGradient, microbatchSizes } from '../../src/train/microbatch.ts';
import { targetByName } from '../../src/targets/index.ts';
import { loadCheckpoint, saveCheckpoint } from '../../src/train/checkpoint.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** uvu 0.5 has no assert.rejects */
async function rejects(p: Promise<unknown>, re: RegExp): Promise<void> {
  let err: unknown = null;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof Error, `expected a rejection matching ${re}`);
  assert.match((err as Error).message, re);
}

test.before(async () => {
  await initBackend();
});

const config = { target: 'rezende-unimodal', seed: 'p', flow: { hidden: [8, 8] } };
const spec = reverseKLSpec(config);
const base = { spec, batch: 48, microbatches: 3, seed: 'run', lr: 2e-2 };

/** bitwise equality of two weight lists */
function sameBits(a: Float32Array[], b: Float32Array[]): boolean {
  return a.length === b.length && a.every((w, i) => w.length === b[i].length && new Uint32Array(w.buffer, w.byteOffset, w.length).every((u, j) => u === new Uint32Array(b[i].buffer, b[i].byteOffset, b[i].length)[j]));
}

test('workers 0, 1 and 2 give bit-identical weights, histories and a moving model', async () => {
  const runs = [];
  const tensors = tf.memory().numTensors;
  for (const workers of [0, 1, 2]) runs.push(await trainParallel({ ...base, workers, steps: 4 }));
  // makeIRCPM leaves each variable's initial tensor allocated (potentials.ts): 5 here, not per step
  assert.ok(tf.memory().numTensors - tensors <= 5, `the in-process run left ${tf.memory().numTensors - tensors} tensors behind`);
  assert.equal(runs.map((r) => r.workers), [0, 1, 2]);
  const t0 = buildTrainable(config);
  const init = t0.variables.map((v) => v.dataSync() as Float32Array);
  t0.variables.forEach((v) => v.dispose());
  assert.not.ok(sameBits(runs[0].weights, init), 'training changed the weights');
  for (const r of runs.slice(1)) {
    assert.ok(sameBits(r.weights, runs[0].weights), `workers ${r.workers}: weights differ from in-process`);
    assert.equal(r.history.loss, runs[0].history.loss);
    assert.equal(r.history.gradNorm, runs[0].history.gradNorm);
    assert.is(r.steps, 4);
    assert.is(r.interrupted, false);
  }
  // the optimiser state matches too (a checkpoint from any worker count resumes the same way)
  assert.equal(Array.from(runs[2].optimizerState.v), Array.from(runs[0].optimizerState.v));
});

test('the ok-weighted sum of microbatch gradients is the gradient of the whole batch at once', () => {
  const t = buildTrainable(config);
  const sizes = microbatchSizes(50, 3);
  assert.equal(sizes, [17, 17, 16]);
  const parts = sizes.map((size, m) => microbatchGradient(t, 'g', 7, m, size));
  const n = parts[0].grad.length;
  const { grad, loss } = reduceMicrobatches(parts, sizes, n);
  // the whole batch draws the microbatch streams one after the other (2 uniforms per point on T²)
  const streams = sizes.map((_, m) => makeRng('g', 'train', 7, m));
  let drawn = 0;
  const concatenated = () => {
    let m = 0;
    let k = drawn++;
    while (k >= 2 * sizes[m]) k -= 2 * sizes[m++];
    return streams[m]();
  };
  const whole = lossGradient(t.variables, t.loss, 50, concatenated);
  assert.is(drawn, 100);
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < n; i++) {
    diff = Math.max(diff, Math.abs(grad[i] - whole.grad[i]));
    norm = Math.max(norm, Math.abs(whole.grad[i]));
  }
  assert.ok(norm > 1e-3, `gradient is not trivial (${norm})`);
  assert.ok(diff < 1e-5 * norm, `max |Σ_m w_m g_m − g| = ${diff}, max |g| = ${norm}`);
  assert.ok(Math.abs(loss - whole.loss) < 1e-5 * Math.abs(whole.loss), `loss ${loss} vs ${whole.loss}`);
  // a single microbatch on its own is a different estimate (the comparison is not vacuous)
  const lone = Math.max(...parts[0].grad.map((g, i) => Math.abs(g - whole.grad[i])));
  assert.ok(lone > 1e-2 * norm, `one microbatch vs the batch: ${lone}`);
  t.variables.forEach((v) => v.dispose());
});

test('reverse KL through trainParallel lowers the loss towards −log Z and raises the ESS', async () => {
  const r = await trainParallel({ ...base, workers: 0, steps: 30, batch: 64, microbatches: 2, seed: 'fit' });
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  const first = mean(r.history.loss.slice(0, 5));
  const last = mean(r.history.loss.slice(-5));
  const logZ = targetByName('rezende-unimodal').logZ;
  assert.ok(last < first - 0.15, `loss ${first} → ${last}`);
  assert.ok(last > -logZ - 0.05, `the loss is an upper bound of −log Z = ${-logZ}: ${last}`);
  const ess0 = mean(r.history.ess.slice(0, 5));
  const ess1 = mean(r.history.ess.slice(-5));
  assert.ok(ess1 > ess0 + 0.15, `ESS ${ess0} → ${ess1}`);
  assert.ok(r.history.lr[0] === 2e-2 && r.history.lr[29] < r.history.lr[1], 'cosine decay over the steps');
});

test('resuming from a checkpoint (with another worker count) gives the uninterrupted run bit for bit', async () => {
  const seen: Checkpoint[] = [];
  const full = await trainParallel({ ...base, workers: 0, steps: 6, checkpointEvery: 3, onCheckpoint: (c) => void seen.push(c) });
  assert.equal(seen.map((c) => c.step), [3, 6]);
  assert.ok(sameBits(seen[1].weights, full.weights));
  // through a checkpoint file: bit-exact round trip
  const dir = mkdtempSync(join(tmpdir(), 'gaugeflow-ckpt-'));
  const file = join(dir, 'run.ckpt.json');
  saveCheckpoint(file, seen[0], { note: 'test' });
  const c = loadCheckpoint(file);
  assert.equal(c.meta, { note: 'test' });
  assert.ok(sameBits(c.weights, seen[0].weights));
  assert.equal(Array.from(c.optimizer.v), Array.from(seen[0].optimizer.v));
  writeFileSync(file, JSON.stringify({ format: 'gaugeflow-checkpoint', version: 1, step: 3, weights: ['AAA'], optimizer: {} }));
  assert.throws(() => loadCheckpoint(file), /checkpoint .* is damaged/);
  assert.throws(() => loadCheckpoint(join(dir, 'missing.json')), /cannot read checkpoint/);
  rmSync(dir, { recursive: true });
  const resumed = await trainParallel({ ...base, workers: 1, steps: 6, initWeights: c.weights, optimizerState: c.optimizer });
  assert.equal(resumed.history.step, [3, 4, 5]);
  assert.ok(sameBits(resumed.weights, full.weights), 'resumed weights differ');
  assert.equal(resumed.history.loss, full.history.loss.slice(3));
  // without the optimizer state the continuation differs (the test can fail)
  const fresh = await trainParallel({ ...base, workers: 0, steps: 6, initWeights: c.weights, optimizerState: { ...c.optimizer, updates: 0, m: new Float64Array(c.optimizer.m.length), v: new Float64Array(c.optimizer.v.length) } });
  assert.not.ok(sameBits(fresh.weights, full.weights));
});

test('an abort stops after the current step, with interrupted: true and a last checkpoint', async () => {
  const ac = new AbortController();
  const seen: number[] = [];
  const r = await trainParallel({ ...base, workers: 1, steps: 50, checkpointEvery: 100, onCheckpoint: (c) => void seen.push(c.step), signal: ac.signal, onStep: (i) => i.step === 1 && ac.abort() });
  assert.is(r.interrupted, true);
  assert.is(r.stopReason, 'signal');
  assert.is(r.steps, 2);
  assert.equal(seen, [2]);
});

test('a time budget stops the run and decays the learning rate over the elapsed time', async () => {
  const r = await trainParallel({ ...base, workers: 0, minutes: 0.6 / 60, lrFinal: 0 });
  assert.is(r.stopReason, 'time');
  assert.is(r.interrupted, false);
  assert.ok(r.steps >= 2, `${r.steps} steps`);
  const last = r.history.seconds.at(-1)!;
  assert.ok(last >= 0.6 - 1e-9 && r.seconds < 0.6 + 1, `stopped at ${r.seconds} s`);
  const lr = r.history.lr;
  assert.ok(lr.every((v, i) => i === 0 || v < lr[i - 1]), 'lr decreases step by step');
  // cosine in the elapsed fraction: lr at the start of step k is lr·½(1 + cos(π t_k / T)) with t_k the end of step k − 1
  for (let k = 1; k < lr.length; k++) {
    const f = r.history.seconds[k - 1] / 0.6;
    assert.ok(lr[k] <= 2e-2 * 0.5 * (1 + Math.cos(Math.PI * f)) + 1e-12, `step ${k}`);
  }
});

test('bad input is a clear error; an exception in a worker reaches the caller', async () => {
  const t = buildTrainable(config);
  const good = t.variables.map((v) => v.dataSync() as Float32Array);
  t.variables.forEach((v) => v.dispose());
  const bad = good.map((w, i) => (i === 1 ? w.slice(1) : w));
  await rejects(trainParallel({ ...base, workers: 0, steps: 1, initWeights: bad }), /initWeights\[1\] has \d+ values; variable 1 of the model has shape \[1,8\]/);
  await rejects(trainParallel({ ...base, workers: 0, steps: 1, initWeights: good.slice(1) }), /initWeights: expected 5 arrays/);
  await rejects(trainParallel({ ...base, workers: 0 }), /steps, minutes or both/);
  await rejects(trainParallel({ ...base, workers: 0, steps: 1, microbatches: 49 }), /cannot exceed the batch/);
  await rejects(trainParallel({ ...base, workers: 0, steps: 1, spec: { module: 'relative.ts', config } }), /absolute path/);
  const failing = { module: fileURLToPath(new URL('./fixtures/failing-trainable.ts', import.meta.url)), config: { ...config, failAtCall: 1 } };
  await rejects(trainParallel({ ...base, workers: 1, steps: 3, spec: failing }), /parallel training: step 0, microbatch 1: loss exploded on purpose/);
  await rejects(trainParallel({ ...base, workers: 0, steps: 3, spec: failing }), /step 0, microbatch 1: loss exploded on purpose/);
  await rejects(trainParallel({ ...base, workers: 1, steps: 1, spec: reverseKLSpec({ ...config, target: 'nope' }) }), /building the model in a worker failed: .*unknown target/);
  assert.ok(tf.memory().numTensors < 1e5);
});

test.run();
