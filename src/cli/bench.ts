/**
 * `gaugeflow bench <name> [flags]`: the benchmarks of bench/ that are also commands. Each module
 * exports run(argv) and runs the same way as `npx tsx bench/<name>.ts`.
 */
import { UsageError } from './args.ts';

const benches: Record<string, { summary: string; load: () => Promise<{ run: (argv: string[]) => Promise<number> }> }> = {
  freezing: { summary: '2D U(1) HMC vs flow MCMC over (L, β): τ_int(Q), ESS(Q)/s with and without training (bench/freezing.ts)', load: () => import('../../bench/freezing.ts') },
};

export async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    console.log(`usage: gaugeflow bench <name> [flags]   (gaugeflow bench <name> --help)\n\n${Object.entries(benches).map(([k, b]) => `  ${k.padEnd(10)} ${b.summary}`).join('\n')}`);
    return name ? 0 : 2;
  }
  const b = benches[name];
  if (!b) throw new UsageError(`unknown benchmark '${name}' (try: ${Object.keys(benches).join(', ')})`);
  return (await b.load()).run(rest);
}
