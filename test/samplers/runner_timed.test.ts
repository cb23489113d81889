import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runChainsFor } from '../../samplers/runner_timed.ts';
import { runChains } from '../../samplers/runner.ts';
import type { SamplerSpec } from '../../samplers/registry.ts';

const spec: SamplerSpec = { sampler: 'hmc', group: 'u1', dims: 2, L: 4, beta: 1, trajLength: 1, mdSteps: 10 };

test('a wall-clock budget stops the chains (not an interruption); the chains are prefixes of the fixed-length run', async () => {
  const r = await runChainsFor({ spec, seed: 't', chains: 2, workers: 0, therm: 10, seconds: 0.4 });
  assert.is(r.interrupted, false);
  assert.is(r.run.interrupted, false);
  assert.ok(r.samplingSeconds >= 0.39 && r.samplingSeconds < 3, `sampling ${r.samplingSeconds} s`);
  assert.ok(r.setupSeconds < 1, `set-up ${r.setupSeconds} s`);
  const m = Math.min(...r.run.chains.map((c) => c.measured));
  assert.ok(m > 50, `${m} measurements`);
  // chain k depends on (seed, k) only: the timed chain is the start of the same chain run for a fixed n
  const fixed = await runChains({ spec, seed: 't', chains: 2, workers: 0, therm: 10, nPerChain: 50 });
  for (const k of [0, 1]) assert.equal([...r.run.chains[k]!.series[0]!.subarray(0, 50)], [...fixed.chains[k]!.series[0]!]);
});

test('Ctrl-C (the outer signal) stops it early and says so; the measurement cap also ends it', async () => {
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 200);
  const r = await runChainsFor({ spec, seed: 't', chains: 2, workers: 0, therm: 10, seconds: 30, signal: ac.signal });
  assert.is(r.interrupted, true);
  assert.is(r.run.interrupted, true);
  assert.ok(r.samplingSeconds < 5);
  const capped = await runChainsFor({ spec, seed: 't', chains: 1, workers: 0, therm: 0, seconds: 30, maxPerChain: 20 });
  assert.is(capped.run.chains[0]!.measured, 20);
  assert.is(capped.interrupted, false);
  let err: Error | null = null;
  await runChainsFor({ spec, seed: 't', chains: 1, workers: 0, therm: 0, seconds: 0 }).catch((e) => (err = e));
  assert.match(String(err), /positive/);
});

test.run();
