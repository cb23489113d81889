import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Decimator } from '../../src/report/decimate.ts';

test('keeps every row while short, then evenly spaced rows with bounded memory', () => {
  const d = new Decimator(10, 2);
  for (let i = 0; i < 15; i++) d.push(i, 2 * i);
  let r = d.result();
  assert.is(r.stride, 1);
  assert.equal(r.index, [...Array(15).keys()]);
  for (let i = 15; i < 100_000; i++) d.push(i, 2 * i);
  r = d.result();
  assert.is(r.seen, 100_000);
  assert.ok(r.index.length < 20 && r.index.length >= 10, `${r.index.length} rows kept`);
  // every stride-th row from row 0, and the values belong to their rows
  r.index.forEach((i, j) => {
    assert.is(i, j * r.stride);
    assert.is(r.columns[0]![j], i);
    assert.is(r.columns[1]![j], 2 * i);
  });
  // the kept rows cover the stream: the last kept row is within one stride of the end
  assert.ok(r.index.at(-1)! > 100_000 - 1 - r.stride);
});

test('argument errors', () => {
  assert.throws(() => new Decimator(0, 1), /maxPoints/);
  assert.throws(() => new Decimator(5, 2).push(1), /expected 2 values/);
});

test.run();
