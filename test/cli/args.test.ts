import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isUsageError, parseFlags, UsageError } from '../../src/cli/args.ts';
import { main } from '../../src/cli/main.ts';

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

test('usage errors are recognised across module copies (by name), runtime errors are not', () => {
  const foreign = new Error('x');
  foreign.name = 'UsageError';
  assert.ok(isUsageError(new UsageError('x')));
  assert.ok(isUsageError(foreign));
  assert.not.ok(isUsageError(new Error('x')));
});

test('main: unknown command and a lazily loaded command with a bad flag both exit 2', async () => {
  const err = console.error;
  const lines: string[] = [];
  console.error = (...a: unknown[]) => void lines.push(a.join(' '));
  try {
    assert.is(await main(['frobnicate']), 2);
    assert.is(await main(['exact', '--bogus']), 2);
  } finally {
    console.error = err;
  }
  assert.is(lines.length, 2);
  assert.match(lines[1], /unknown flag --bogus/);
});

test.run();
