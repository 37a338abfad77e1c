// Finds and reads a run: a run id (a folder of reports/runs), a run folder, or a results.json
// path; with nothing given, the newest run. Refuses files that are not wirebench results v1.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { RESULTS_SCHEMA, RUNS_DIR, type ShootoutResults } from '../../bench/shootout/results.ts';

export interface LoadedRun {
  /** The results.json path. */
  file: string;
  /** The folder holding it, where the report goes. */
  dir: string;
  results: ShootoutResults;
}

/** A run argument that names nothing readable, or a file that is not a run: a usage error. */
export class RunNotFoundError extends Error {
  override name = 'RunNotFoundError';
}

/** The newest run folder with a results.json (run ids sort by time). */
export function findNewestRun(runsDir = RUNS_DIR): string | undefined {
  if (!existsSync(runsDir)) return undefined;
  const ids = readdirSync(runsDir)
    .filter((id) => existsSync(join(runsDir, id, 'results.json')))
    .sort();
  const newest = ids.at(-1);
  return newest === undefined ? undefined : join(runsDir, newest, 'results.json');
}

/** The results.json a RUN argument names. */
export function resolveRunFile(run: string | undefined, runsDir = RUNS_DIR): string {
  if (run === undefined) {
    const newest = findNewestRun(runsDir);
    if (!newest)
      throw new RunNotFoundError(`no run in ${runsDir}: run \`wirebench shootout\` first`);
    return newest;
  }
  const candidates = [resolve(run), join(runsDir, run)];
  for (const candidate of candidates) {
    if (!existsSync(candidate)) continue;
    if (statSync(candidate).isDirectory()) {
      const file = join(candidate, 'results.json');
      if (existsSync(file)) return file;
      continue;
    }
    return candidate;
  }
  throw new RunNotFoundError(
    `no run "${run}": give a run id (a folder of ${runsDir}), a run folder or a results.json path`,
  );
}

/** Parses and checks a results file; throws RunNotFoundError when it is not wirebench results. */
export function readRun(file: string): ShootoutResults {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new RunNotFoundError(`${file} is not JSON: ${(err as Error).message}`);
  }
  const doc = parsed as Partial<ShootoutResults> | null;
  if (!doc || typeof doc !== 'object' || doc.schema !== RESULTS_SCHEMA) {
    throw new RunNotFoundError(
      `${file} is not a wirebench run (schema ${JSON.stringify(doc?.schema)}, expected ${RESULTS_SCHEMA})`,
    );
  }
  if (!Array.isArray(doc.results) || !doc.run || !doc.parameters) {
    throw new RunNotFoundError(`${file}: results, run or parameters missing`);
  }
  return doc as ShootoutResults;
}

export function loadRun(run: string | undefined, runsDir = RUNS_DIR): LoadedRun {
  const file = resolveRunFile(run, runsDir);
  return { file, dir: dirname(file), results: readRun(file) };
}

/** A short label for a run in tables: its id, or the folder name. */
export function labelOf(loaded: LoadedRun): string {
  return loaded.results.run.id || basename(loaded.dir);
}
