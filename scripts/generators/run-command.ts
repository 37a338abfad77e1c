// Runs the command-line tools a generator drives (buf, pbjs, pbts) from the repository root,
// failing with their output when they fail.

import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** Path of a binary installed in node_modules/.bin (generation uses local tools only). */
export function resolveBin(name: string): string {
  return resolve(REPO_ROOT, 'node_modules', '.bin', name);
}

export async function runCommand(bin: string, args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync(resolveBin(bin), args, {
      cwd: REPO_ROOT,
      maxBuffer: 64 * 1024 * 1024,
      encoding: 'utf8',
    });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${bin} ${args.join(' ')} failed:\n${e.stderr || e.stdout || e.message}`, {
      cause: err,
    });
  }
}
