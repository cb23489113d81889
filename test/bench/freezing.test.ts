/** bench/freezing.ts: which point's flow a point is fine-tuned from (--transfer L | beta | none). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { transferSource } from '../../bench/freezing.ts';

const Ls = [16, 8];
const betas = [6, 2, 4];

test('--transfer L: the next smaller L at the same β; none for the smallest L', () => {
  assert.equal(transferSource('L', 16, 4, Ls, betas), { L: 8, beta: 4 });
  assert.is(transferSource('L', 8, 4, Ls, betas), null);
});

test('--transfer beta: the next smaller β at the same L (annealing), whatever the order given; none for the smallest β', () => {
  assert.equal(transferSource('beta', 16, 6, Ls, betas), { L: 16, beta: 4 });
  assert.equal(transferSource('beta', 8, 4, Ls, betas), { L: 8, beta: 2 });
  assert.is(transferSource('beta', 8, 2, Ls, betas), null);
});

test('--transfer none: every flow from scratch', () => {
  assert.is(transferSource('none', 16, 6, Ls, betas), null);
});

test.run();
