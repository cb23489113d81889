/**
 * The CNF's exact density on worker threads (src/train/exact-density.ts) gives the values of
 * meanNLLExact in this thread bit for bit, set by set, for any number of workers; an aborted signal
 * (Ctrl-C) stops it in this thread and on workers alike.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import seedrandom from 'seedrandom';
import { tf, initBackend } from '../../src/backend/index.ts';
import { sphere } from '../../src/manifolds/index.ts';
import { CNF } from '../../src/flows/cnf/cnf.ts';
import { meanNLLExact } from '../../src/train/flow-matching.ts';
import { CHUNK, postExactLogDensities } from '../../src/train/exact-density.ts';

test.before(async () => {
  await initBackend();
});

test('exact log-density on 2 worker threads equals meanNLLExact here, bit for bit, in set order', async () => {
  const m = sphere(2);
  const f = new CNF(m, seedrandom('w'), { hidden: [12, 12], steps: 4, frequencies: 2, mode: 'exact' });
  const w = f.variables[f.variables.length - 1]!;
  w.assign(tf.mul(w, 4)); // far from the identity, so that Newton has work to do
  // two sets that end in short chunks: 1.5 and 0.7 chunks
  const a = m.sampleUniform(Math.round(1.5 * CHUNK), seedrandom('a'));
  const b = m.sampleUniform(Math.round(0.7 * CHUNK), seedrandom('b'));
  const here = [meanNLLExact(f, a), meanNLLExact(f, b)];
  for (const workers of [0, 2, 3]) {
    const job = await postExactLogDensities(f, [a, b], workers);
    const got = (await job.results)!; // null only when a signal aborted it
    assert.is(got.length, 2);
    got.forEach((r, k) => {
      assert.is(r.logq.length, here[k]!.logq.length, `workers ${workers}, set ${k}: length`);
      r.logq.forEach((v, i) => assert.ok(Object.is(v, here[k]!.logq[i]), `workers ${workers}, set ${k}, row ${i}: ${v} vs ${here[k]!.logq[i]}`));
      assert.is(r.ok.reduce((s, v) => s + v, 0) / r.ok.length, here[k]!.okFraction);
    });
  }
  // the values are not all alike (a constant would pass the comparison trivially)
  const lq = here[0]!.logq;
  assert.ok(Math.max(...lq) - Math.min(...lq) > 0.5, `spread of log q ${Math.max(...lq) - Math.min(...lq)}`);
  tf.dispose([a, b]);
});

test('an aborted signal stops the work: results resolve to null, here (before the next chunk) and on workers (terminated)', async () => {
  const m = sphere(2);
  const f = new CNF(m, seedrandom('w'), { hidden: [12, 12], steps: 4, frequencies: 2, mode: 'exact' });
  const a = m.sampleUniform(3 * CHUNK, seedrandom('a'));
  for (const workers of [0, 2]) {
    // not aborted: the same call completes (so the rejection below is the abort's doing)
    const tw = performance.now();
    const whole = await (await postExactLogDensities(f, [a], workers, new AbortController().signal)).results;
    const wholeMs = performance.now() - tw;
    assert.is(whole![0]!.logq.length, 3 * CHUNK);
    const stop = new AbortController();
    const job = await postExactLogDensities(f, [a], workers, stop.signal);
    stop.abort();
    const t0 = performance.now();
    assert.is(await job.results, null, `workers ${workers}`);
    // stopped, not finished: in well under the time of the whole set
    const stopMs = performance.now() - t0;
    assert.ok(stopMs < wholeMs / 3, `workers ${workers}: ${stopMs} ms to stop, ${wholeMs} ms for the whole set`);
  }
  tf.dispose(a);
});

test.run();
