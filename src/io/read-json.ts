/**
 * Read a JSON file the user named, with errors that name it: missing or unreadable, or not valid
 * JSON (truncated or corrupt). What the JSON must contain is the caller's to check (src/io/schema.ts).
 */
import { readFileSync } from 'node:fs';

export function readJsonFile(path: string, what = 'model file'): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${what} ${path} is not valid JSON (truncated or corrupt?)`);
  }
}
