// Scenarios are data: one JSON file each in this folder (name, pattern, call mode, the client
// operation it drives and its parameters). Adding a case is adding a file; an operation that
// does not exist yet is the only thing that needs code (operations.ts).

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CAPACITY_OPERATIONS } from '../capacity/requests.ts';
import { OPERATIONS, type OperationName } from './vocabulary.ts';

export const SCENARIO_DIR = import.meta.dirname;

export type ScenarioMode = 'unary' | 'server-stream' | 'client-stream' | 'bidi';
export { OPERATIONS, type OperationName } from './vocabulary.ts';

export interface Scenario {
  name: string;
  pattern: string;
  description: string;
  mode: ScenarioMode;
  operation: OperationName;
  params: Record<string, unknown>;
  /**
   * Also measured as server-only capacity with pre-encoded requests of its operation
   * (bench/capacity/requests.ts); only operations with an encoder may set it.
   */
  capacity: boolean;
  /**
   * Closed-loop concurrency for this scenario when the command line names none: heavy
   * operations (a nested tree of hundreds of calls, a megabyte export) at the default
   * concurrency would measure queueing, not the protocol.
   */
  concurrency: number[] | undefined;
  /** Variants that cannot run it, with the reason a report prints as n/a. */
  notApplicable: Record<string, string>;
  profiles: ('quick' | 'full')[];
}

const MODES: readonly ScenarioMode[] = ['unary', 'server-stream', 'client-stream', 'bidi'];

function fail(file: string, message: string): never {
  throw new Error(`bench/scenarios/${file}: ${message}`);
}

/** Validates one scenario document; throws with the file name on anything unexpected. */
export function parseScenario(file: string, raw: unknown): Scenario {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    fail(file, 'must be an object');
  const doc = raw as Record<string, unknown>;
  const known = [
    'name',
    'pattern',
    'description',
    'mode',
    'operation',
    'params',
    'capacity',
    'concurrency',
    'notApplicable',
    'profiles',
  ];
  for (const key of Object.keys(doc))
    if (!known.includes(key)) fail(file, `unknown field "${key}"`);
  const str = (key: string) => {
    if (typeof doc[key] !== 'string' || doc[key] === '')
      fail(file, `"${key}" must be a non-empty string`);
    return doc[key] as string;
  };
  const name = str('name');
  if (`${name}.json` !== file) fail(file, `"name" must match the file name`);
  const mode = str('mode') as ScenarioMode;
  if (!MODES.includes(mode)) fail(file, `"mode" must be one of ${MODES.join(', ')}`);
  const operation = str('operation') as OperationName;
  if (!(OPERATIONS as readonly string[]).includes(operation)) {
    fail(file, `"operation" must be one of ${OPERATIONS.join(', ')}`);
  }
  if (doc.capacity !== undefined && typeof doc.capacity !== 'boolean')
    fail(file, '"capacity" must be true or false');
  if (doc.capacity === true && !CAPACITY_OPERATIONS.includes(operation)) {
    fail(
      file,
      `"capacity": true needs pre-encoded requests for operation "${operation}", and only ${CAPACITY_OPERATIONS.join(', ')} have them (bench/capacity/requests.ts)`,
    );
  }
  const params = doc.params ?? {};
  if (typeof params !== 'object' || params === null || Array.isArray(params))
    fail(file, '"params" must be an object');
  const notApplicable = doc.notApplicable ?? {};
  if (typeof notApplicable !== 'object' || notApplicable === null)
    fail(file, '"notApplicable" must be an object');
  const profiles = doc.profiles ?? ['full'];
  if (!Array.isArray(profiles) || profiles.some((p) => p !== 'quick' && p !== 'full')) {
    fail(file, '"profiles" must list quick and/or full');
  }
  const concurrency = doc.concurrency;
  if (
    concurrency !== undefined &&
    (!Array.isArray(concurrency) || concurrency.some((c) => !Number.isInteger(c) || c < 1))
  ) {
    fail(file, '"concurrency" must be a list of positive integers');
  }
  return {
    name,
    concurrency: concurrency as number[] | undefined,
    pattern: str('pattern'),
    description: str('description'),
    mode,
    operation,
    params: params as Record<string, unknown>,
    capacity: doc.capacity === true,
    notApplicable: notApplicable as Record<string, string>,
    profiles: profiles as ('quick' | 'full')[],
  };
}

/** Every scenario in the folder, in a stable order (the order of the patterns in DESIGN.md). */
export function loadScenarios(dir = SCENARIO_DIR): Scenario[] {
  const order = [
    'crud-read',
    'crud-write',
    'list',
    'nested-naive',
    'nested-batched',
    'large-payload',
    'large-payload-stream',
    'server-stream',
    'client-stream',
    'bidi',
  ];
  const scenarios = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((file) => parseScenario(file, JSON.parse(readFileSync(join(dir, file), 'utf8'))));
  const rank = (s: Scenario) => (order.includes(s.name) ? order.indexOf(s.name) : order.length);
  return scenarios.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}

/** Selects scenarios by exact names or regular expressions (`--scenarios 'nested-.*,crud-read'`). */
export function selectScenarios(
  all: Scenario[],
  patterns: string[] | undefined,
  profile: 'quick' | 'full',
): Scenario[] {
  if (!patterns || patterns.length === 0) return all.filter((s) => s.profiles.includes(profile));
  const regexes = patterns.map((p) => new RegExp(`^(?:${p})$`));
  const chosen = all.filter((s) => regexes.some((r) => r.test(s.name)));
  const unmatched = patterns.filter((_, i) => !all.some((s) => regexes[i]?.test(s.name)));
  if (unmatched.length > 0) {
    throw new Error(
      `no scenario matches ${unmatched.join(', ')}; known: ${all.map((s) => s.name).join(', ')}`,
    );
  }
  return chosen;
}
