import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseFlags, UsageError } from '../src/cli/args.ts';

const specs = {
  group: { type: 'string', choices: ['u1', 'su2'] as const, default: 'u1' },
  L: { type: 'int', min: 2 },
  beta: { type: 'number', min: 0 },
  coeffs: { type: 'numbers' },
  json: { type: 'boolean' },
} as const;

test('parses both --flag value and --flag=value forms, booleans and lists', () => {
  const f = parseFlags(['--L', '8', '--beta=2.5', '--coeffs', '0.17,-0.65,1.22', '--json'], specs);
  assert.equal(f, { group: 'u1', L: 8, beta: 2.5, coeffs: [0.17, -0.65, 1.22], json: true });
});

test('negative numbers are values, not flags', () => {
  assert.equal(parseFlags(['--coeffs', '-1,2'], specs).coeffs, [-1, 2]);
});

for (const [argv, why] of [
  [['--nope', '1'], /unknown flag --nope/],
  [['--L'], /--L needs a value/],
  [['--L', '--json'], /--L needs a value/],
  [['--L', '1'], /at least 2/],
  [['--L', '2.5'], /integer/],
  [['--beta', '-2'], /at least 0/],
  [['--beta', 'two'], /expects a number/],
  [['--group', 'su7'], /one of u1\|su2/],
  [['--json=yes'], /takes no value/],
  [['stray'], /unexpected argument/],
] as const) {
  test(`rejects ${argv.join(' ')}`, () => {
    assert.throws(() => parseFlags([...argv], specs), (e: unknown) => e instanceof UsageError && why.test((e as Error).message));
  });
}

test.run();
