import { test } from 'uvu';
import * as assert from 'uvu/assert';
import seedrandom from 'seedrandom';
import { tf, initBackend } from '../../src/backend/index.ts';
import { fitWithValidation, type ValidatedFitSettings } from '../../src/train/validated-fit.ts';

test.before(async () => {
  await initBackend();
});

const base: ValidatedFitSettings = { iterations: 100, batch: 1, lr: 0.01, lrFloor: 1, clipNorm: Infinity, evalEvery: 10, patience: Infinity, ema: 0, seconds: Infinity };

/** A one-parameter "model" whose loss is (w − 3)²; the validation NLL is scripted per evaluation. */
function model() {
  const w = tf.variable(tf.tensor1d([0]));
  const loss = () => ({ loss: tf.square(tf.sub(w, 3)).sum() as tf.Scalar, okFraction: 1 });
  return { flow: { variables: [w] }, w, loss };
}

test('best-validation selection restores the weights of the best evaluation; early stopping after `patience` misses', async () => {
  const { flow, w, loss } = model();
  const script = [5, 4, 2, 3, 3.5, 2.5, 9, 9, 9, 9];
  let k = 0;
  const seen: number[] = [];
  const r = await fitWithValidation(flow, loss, () => script[k++]!, { ...base, patience: 3 }, { rng: seedrandom('a'), onEval: () => seen.push(w.dataSync()[0]!) });
  // evaluations at 10, 20, 30 (best, 2), then 3 misses: 40, 50, 60 → stop
  assert.is(r.stopped, 'early-stop');
  assert.is(r.steps, 60);
  assert.is(r.selectedIteration, 30);
  assert.is(r.bestValNLL, 2);
  assert.is(r.log.length, 6);
  assert.is(w.dataSync()[0], seen[2]);
  assert.ok(seen[5]! > seen[2]!, 'training moved on after the selected point');
  w.dispose();
});

test('EMA: the selected weights are the moving average, the optimiser keeps its own', async () => {
  const { flow, w, loss } = model();
  const seen: number[] = [];
  // validation = the value of w seen by it (lower w = "better"): the first evaluation wins
  const r = await fitWithValidation(flow, loss, () => (seen.push(w.dataSync()[0]!), w.dataSync()[0]!), { ...base, iterations: 40, ema: 0.9 }, { rng: seedrandom('a') });
  assert.is(r.selectedIteration, 10);
  assert.is(w.dataSync()[0], seen[0]);
  // Adam with lr 0.01 moves w by ≈ 0.01 a step towards 3: the average lags behind the weights
  assert.ok(seen[3]! < 0.4 - 0.02 && seen[3]! > 0.2, `EMA at step 40: ${seen[3]}`);
  w.dispose();
});

test('a wall-clock budget re-plans the number of steps and stops within it', async () => {
  const { flow, w, loss } = model();
  const slow = (b: number, r: () => number) => {
    const t = performance.now();
    while (performance.now() - t < 5);
    return loss();
  };
  const r = await fitWithValidation(flow, slow, () => 1, { ...base, iterations: 1_000_000, seconds: 0.5 }, { rng: seedrandom('a') });
  assert.is(r.stopped, 'budget');
  assert.ok(r.steps > 20 && r.steps < 200, `steps ${r.steps}`);
  assert.ok(r.seconds < 0.8, `seconds ${r.seconds}`);
  w.dispose();
});

test.run();
