import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { batchOf, resolveShard, shardFileName, shardRange } from '../../src/shards/layout.ts';

test('shard ranges tile 0..T−1 in order, sizes differ by at most one, for M dividing T or not (M > T included)', () => {
  for (const T of [0, 1, 7, 12, 13, 100]) {
    for (const M of [1, 2, 3, 4, 5, 7, 13, 20]) {
      let next = 0;
      const sizes: number[] = [];
      for (let i = 0; i < M; i++) {
        const r = shardRange(T, { index: i, count: M });
        assert.is(r.first, next, `T ${T} M ${M} shard ${i}`);
        assert.ok(r.end >= r.first);
        sizes.push(r.end - r.first);
        next = r.end;
      }
      assert.is(next, T);
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `T ${T} M ${M}: ${sizes}`);
    }
  }
  assert.equal(shardRange(12, { index: 1, count: 5 }), { first: 2, end: 4 });
  assert.throws(() => shardRange(12, { index: 5, count: 5 }), /bad shard/);
});

test('global batch g = b·K + k: the order the single-machine runner issues batches', () => {
  assert.equal(batchOf(0, 3), { chain: 0, batch: 0 });
  assert.equal(batchOf(4, 3), { chain: 1, batch: 1 });
  assert.equal(batchOf(11, 3), { chain: 2, batch: 3 });
  assert.is(shardFileName({ index: 3, count: 4 }), 'shard-0003-of-0004.gfshard');
  assert.is(shardFileName({ index: 7, count: 12345 }), 'shard-00007-of-12345.gfshard');
});

test('--shard i/M, and auto from a SLURM array (any start and step) or a Kubernetes Indexed Job', () => {
  assert.equal(resolveShard('2/5', undefined, {}), { index: 2, count: 5, source: 'flag' });
  assert.equal(resolveShard('auto', undefined, { SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '0' }).index, 3);
  // --array=1-4 and --array=10-16:2
  assert.equal(resolveShard('auto', 4, { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '1' }), { index: 0, count: 4, source: 'SLURM array task 1' });
  assert.equal(resolveShard('auto', undefined, { SLURM_ARRAY_TASK_ID: '14', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '10', SLURM_ARRAY_TASK_STEP: '2' }).index, 2);
  assert.equal(resolveShard('auto', 6, { JOB_COMPLETION_INDEX: '5' }), { index: 5, count: 6, source: 'Kubernetes completion index 5' });
  const bad: [string, number | undefined, NodeJS.ProcessEnv, RegExp][] = [
    ['3/3', undefined, {}, /0 ≤ i < M/],
    ['1-4', undefined, {}, /expects i\/M/],
    ['1/4', 3, {}, /--shards 3 disagrees/],
    ['auto', undefined, {}, /neither SLURM_ARRAY_TASK_ID .* nor JOB_COMPLETION_INDEX/],
    ['auto', undefined, { SLURM_ARRAY_TASK_ID: '2' }, /SLURM_ARRAY_TASK_COUNT is not/],
    ['auto', undefined, { SLURM_ARRAY_TASK_ID: '5', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '0' }, /--array=0-3/],
    ['auto', undefined, { SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_STEP: '2' }, /evenly spaced/],
    ['auto', 8, { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '4' }, /disagrees with SLURM_ARRAY_TASK_COUNT=4/],
    ['auto', undefined, { JOB_COMPLETION_INDEX: '1' }, /needs --shards M/],
    ['auto', 2, { JOB_COMPLETION_INDEX: '2' }, /not below --shards 2/],
    ['auto', undefined, { SLURM_ARRAY_TASK_ID: 'x', SLURM_ARRAY_TASK_COUNT: '4' }, /SLURM_ARRAY_TASK_ID="x"/],
  ];
  for (const [flag, shards, env, re] of bad) {
    try {
      resolveShard(flag, shards, env);
      assert.unreachable(`${flag} ${JSON.stringify(env)} should fail`);
    } catch (e) {
      assert.is((e as Error).name, 'UsageError');
      assert.match((e as Error).message, re);
    }
  }
});

test.run();
