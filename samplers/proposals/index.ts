/** Paths of the field proposal modules shipped with gaugeflow, for FieldProposalSpec.module. */
import { fileURLToPath } from 'node:url';

export const BUILTIN_PROPOSALS = ['haar', 'vonmises'] as const;
export type BuiltinProposal = (typeof BUILTIN_PROPOSALS)[number];

export function builtinProposalModule(name: BuiltinProposal): string {
  if (!(BUILTIN_PROPOSALS as readonly string[]).includes(name))
    throw new Error(`unknown built-in proposal '${String(name)}' (expected one of ${BUILTIN_PROPOSALS.join(', ')})`);
  return fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
}
