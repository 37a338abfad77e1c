// `npm run docs:figures`: fills every figure citation in README.md and docs/ from the committed
// reference run (reports/reference/results.json); `--check` only reports what would change
// (exit 1). scripts/doc-figures.spec.ts runs the same check in `npm test`.

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { FIGURE_KEYS_HELP, FigureError, fillCitations } from '../reports/figures.ts';
import { readRun } from '../reports/render/load-run.ts';

export const REPO_ROOT = resolve(import.meta.dirname, '..');
export const REFERENCE_RESULTS = join(REPO_ROOT, 'reports/reference/results.json');

/** README.md and every markdown file under docs/: the prose that may cite figures. */
export function citingFiles(root = REPO_ROOT): string[] {
  const docs = readdirSync(join(root, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(root, 'docs', name));
  return [join(root, 'README.md'), ...docs].sort();
}

function main(argv: string[]): number {
  const check = argv.includes('--check');
  if (argv.includes('--help')) {
    console.log(`usage: doc-figures [--check]\n\n${FIGURE_KEYS_HELP}`);
    return 0;
  }
  const results = readRun(REFERENCE_RESULTS);
  let stale = 0;
  for (const file of citingFiles()) {
    const before = readFileSync(file, 'utf8');
    let after: string;
    try {
      after = fillCitations(before, results);
    } catch (err) {
      if (err instanceof FigureError) {
        console.error(`${relative(REPO_ROOT, file)}: ${err.message}`);
        return 1;
      }
      throw err;
    }
    if (after === before) continue;
    stale++;
    if (check) console.error(`${relative(REPO_ROOT, file)}: figures differ from the reference run`);
    else {
      writeFileSync(file, after);
      console.log(`updated ${relative(REPO_ROOT, file)}`);
    }
  }
  return check && stale > 0 ? 1 : 0;
}

if (import.meta.filename === resolve(process.argv[1] ?? '')) {
  process.exitCode = main(process.argv.slice(2));
}
