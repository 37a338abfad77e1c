// Finds and reads a run: a run id (a folder of reports/runs), a run folder, or a results.json
// path; with nothing given, the newest run. Reads wirebench results v2 and v1, upgrading v1 in
// memory (no phases; thresholds without the level they read); refuses anything else.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { EVOLUTION_SCHEMA, type EvolutionResults } from '../../bench/evolution/results.ts';
import { RESULTS_SCHEMA, RUNS_DIR, type ShootoutResults } from '../../bench/shootout/results.ts';

/** The evolution lab's results beside a run's (cli/evolve.ts writes it). */
export const EVOLUTION_FILE = 'evolution.json';

export interface LoadedRun {
  /** The results.json path. */
  file: string;
  /** The folder holding it, where the report goes. */
  dir: string;
  results: ShootoutResults;
  /** The schema the file was written in, when it was upgraded on reading (an older run). */
  upgradedFrom?: string | undefined;
}

export const RESULTS_SCHEMA_V1 = 'wirebench.results/v1';
/** Every schema readRun reads, newest first. */
export const READABLE_SCHEMAS = [RESULTS_SCHEMA, RESULTS_SCHEMA_V1] as const;

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

/**
 * A v1 document as v2: v2 added `run.phases` (none recorded: []), the level each threshold read
 * (v1 did not say; left out) and `parameters.openLoopWarmup` (v1 warmed every open-loop
 * repetition). Everything else is the same shape.
 */
export function upgradeV1(doc: Record<string, unknown>): ShootoutResults {
  const run = (doc.run ?? {}) as Record<string, unknown>;
  const parameters = (doc.parameters ?? {}) as Record<string, unknown>;
  return {
    ...doc,
    schema: RESULTS_SCHEMA,
    run: { ...run, phases: Array.isArray(run.phases) ? run.phases : [] },
    parameters: { ...parameters, openLoopWarmup: 'every-repetition' },
    thresholds: Array.isArray(doc.thresholds) ? doc.thresholds : [],
    warnings: Array.isArray(doc.warnings) ? doc.warnings : [],
  } as unknown as ShootoutResults;
}

/** Parses and checks a results file; throws RunNotFoundError when it is not wirebench results. */
export function readRun(file: string): ShootoutResults {
  return readRunFile(file).results;
}

function readRunFile(file: string): { results: ShootoutResults; upgradedFrom?: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new RunNotFoundError(`${file} is not JSON: ${(err as Error).message}`);
  }
  const doc = parsed as Record<string, unknown> | null;
  const schema = doc && typeof doc === 'object' ? doc.schema : undefined;
  if (!doc || !(READABLE_SCHEMAS as readonly unknown[]).includes(schema)) {
    throw new RunNotFoundError(
      `${file} is not a wirebench run (schema ${JSON.stringify(schema)}, expected ${READABLE_SCHEMAS.join(' or ')})`,
    );
  }
  if (!Array.isArray(doc.results) || !doc.run || !doc.parameters) {
    throw new RunNotFoundError(`${file}: results, run or parameters missing`);
  }
  if (schema === RESULTS_SCHEMA_V1) {
    return { results: withEvolutionBeside(file, upgradeV1(doc)), upgradedFrom: RESULTS_SCHEMA_V1 };
  }
  return { results: withEvolutionBeside(file, doc as unknown as ShootoutResults) };
}

/**
 * A run whose profile did not run the evolution lab takes the lab's results from an
 * evolution.json beside it (`wirebench evolve --out <run folder>`, the same commit): the lab
 * measures no time, so its cells do not depend on the run they are filed with.
 */
function withEvolutionBeside(file: string, results: ShootoutResults): ShootoutResults {
  if (results.evolution) return results;
  const beside = join(dirname(file), EVOLUTION_FILE);
  if (!existsSync(beside)) return results;
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(beside, 'utf8'));
  } catch (err) {
    throw new RunNotFoundError(`${beside} is not JSON: ${(err as Error).message}`);
  }
  const schema = (doc as { schema?: unknown } | null)?.schema;
  if (schema !== EVOLUTION_SCHEMA)
    throw new RunNotFoundError(
      `${beside}: schema ${JSON.stringify(schema)}, expected ${EVOLUTION_SCHEMA}`,
    );
  return { ...results, evolution: doc as EvolutionResults };
}

export function loadRun(run: string | undefined, runsDir = RUNS_DIR): LoadedRun {
  const file = resolveRunFile(run, runsDir);
  const { results, upgradedFrom } = readRunFile(file);
  return { file, dir: dirname(file), results, ...(upgradedFrom ? { upgradedFrom } : {}) };
}

/** A short label for a run in tables: its id, or the folder name. */
export function labelOf(loaded: LoadedRun): string {
  return loaded.results.run.id || basename(loaded.dir);
}
