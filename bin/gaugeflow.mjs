#!/usr/bin/env node
// The CLI is TypeScript; register tsx's loader in this process, then hand over to the real entry.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
