// `wirebench evolve`: for every change set, variant and direction, a real read and a real write
// between a client built from one version and a server built from the other, and what each
// side's program saw, classified leg by leg (classify.ts); beside it, what the static checkers
// predicted from the schema text. Equal-version pairs run too, as the lab's own check: a
// baseline that does not work is a defect of the lab, reported apart from the findings.

import { randomUUID } from 'node:crypto';
import { createEvolutionClient, startEvolutionServers } from '../../clients/evolution/index.ts';
import type { EvolutionServerProcess } from '../../clients/evolution/server-process.ts';
import { CHANGE_SETS, factsOf } from '../../schemas/evolution/catalogue.ts';
import type {
  ChangeSet,
  ClientReading,
  EvolutionVariant,
  Facts,
  Operation,
  Plain,
  PlainValue,
  ServerRecord,
  Version,
} from '../../schemas/evolution/types.ts';
import { EVOLUTION_VARIANTS, FAMILY_OF, LoudFailure } from '../../schemas/evolution/types.ts';
import { type CheckerResult, runCheckers } from './checkers.ts';
import { classifyLeg, type Outcome, worst } from './classify.ts';
import {
  type ChangeSetResult,
  CROSS_DIRECTIONS,
  DIRECTIONS,
  type Direction,
  type Disagreement,
  EVOLUTION_SCHEMA,
  type EvolutionCell,
  type EvolutionResults,
  type ExchangeObservation,
  type Leg,
  type LegObservation,
} from './results.ts';
import { readOperationOf, type Vocabulary, vocabulary } from './vocabulary.ts';

export interface EvolveOptions {
  /** Change set names; all when absent. */
  changes?: readonly string[] | undefined;
  variants?: readonly EvolutionVariant[] | undefined;
  /** Run the static checkers too (default true). */
  checkers?: boolean | undefined;
  /** Exchanges in flight at once. */
  concurrency?: number | undefined;
  onProgress?: ((done: number, total: number) => void) | undefined;
}

/** Which variants a checker speaks for. */
export function variantsOfChecker(checker: string): EvolutionVariant[] {
  if (checker.startsWith('buf breaking WIRE_JSON')) return ['connect-json'];
  if (checker.startsWith('buf breaking WIRE'))
    return ['grpc', 'grpc-connect', 'connect-proto', 'grpc-web'];
  if (checker.startsWith('buf breaking'))
    return ['grpc', 'grpc-connect', 'connect-json', 'connect-proto', 'grpc-web'];
  if (checker.startsWith('graphql')) return ['graphql'];
  return ['rest'];
}

export function selectChangeSets(names?: readonly string[]): ChangeSet[] {
  if (!names || names.length === 0) return [...CHANGE_SETS];
  const unknown = names.filter((n) => !CHANGE_SETS.some((c) => c.name === n));
  if (unknown.length > 0)
    throw new Error(
      `unknown change set: ${unknown.join(', ')} (known: ${CHANGE_SETS.map((c) => c.name).join(', ')})`,
    );
  return CHANGE_SETS.filter((c) => names.includes(c.name));
}

/** The id is the server's to give: a write is compared without it. */
function withoutId(facts: Facts): Facts {
  const { id: _id, ...rest } = facts;
  return rest;
}

function withoutIdVocabulary(v: Vocabulary): Vocabulary {
  const known = new Set(v.known);
  const required = new Set(v.required);
  known.delete('id');
  required.delete('id');
  return { known, required };
}

function omitId(book: Plain): Plain {
  const { id: _id, ...rest } = book;
  return rest;
}

/** The book a read answered: getBook's value, or the one book of a listBooks answer. */
function bookOfReading(operation: Operation, value: Plain): Plain {
  if (operation !== 'listBooks') return value;
  const books = value.books;
  if (!Array.isArray(books)) return {};
  const [first] = books as PlainValue[];
  return first && typeof first === 'object' && !Array.isArray(first) ? first : {};
}

function observeLeg(leg: Leg, sent: Facts, read: Facts, receiver: Vocabulary): LegObservation {
  const verdict = classifyLeg(sent, read, receiver);
  return {
    leg,
    outcome: verdict.outcome,
    discrepancies: verdict.discrepancies,
    unknownToReceiver: verdict.unknownToReceiver,
    ...(verdict.outcome === 'works' ? {} : { sent, read }),
  };
}

interface Pairing {
  change: ChangeSet;
  variant: EvolutionVariant;
  client: Version;
  server: Version;
  servers: EvolutionServerProcess;
}

async function call(
  pairing: Pairing,
  operation: Operation,
  request: Plain,
): Promise<{ reading?: ClientReading; failure?: LoudFailure; records: ServerRecord[] }> {
  const { change, variant, client: clientVersion, server, servers } = pairing;
  const exchange = randomUUID();
  const client = await createEvolutionClient({
    change,
    version: clientVersion,
    variant,
    baseUrl: servers.baseUrl(change.name, server, FAMILY_OF[variant]),
  });
  try {
    const reading = await client.call(operation, request, exchange);
    return { reading, records: await servers.records(exchange) };
  } catch (err) {
    if (!(err instanceof LoudFailure)) throw err;
    return { failure: err, records: await servers.records(exchange) };
  } finally {
    await client.close();
  }
}

function bytesOf(reading: ClientReading | undefined, record: ServerRecord | undefined) {
  const bytes = {
    ...(reading?.sent !== undefined ? { clientSent: reading.sent } : {}),
    ...(reading?.received !== undefined ? { clientReceived: reading.received } : {}),
    ...(record?.body !== undefined ? { serverReceived: record.body } : {}),
  };
  return Object.keys(bytes).length > 0 ? bytes : undefined;
}

function exchangeResult(
  exchange: 'read' | 'write',
  operation: Operation,
  legs: LegObservation[],
  reading: ClientReading | undefined,
  failure: LoudFailure | undefined,
  record: ServerRecord | undefined,
): ExchangeObservation {
  const outcome: Outcome = failure ? 'loud-failure' : worst(legs.map((l) => l.outcome));
  const bytes = outcome === 'works' ? undefined : bytesOf(reading, record);
  return {
    exchange,
    operation,
    outcome,
    legs,
    ...(failure ? { failure: { code: failure.code, message: failure.message } } : {}),
    ...(bytes ? { bytes } : {}),
  };
}

/** A lab defect (a call that succeeded without the server recording it) is thrown, not filed. */
function theRecord(records: ServerRecord[], operation: Operation, where: string) {
  const record = records.find((r) => r.operation === operation);
  if (records.length > 0 && !record)
    throw new Error(`${where}: the server recorded ${records.map((r) => r.operation).join(', ')}`);
  return record;
}

async function observeRead(pairing: Pairing): Promise<ExchangeObservation> {
  const { change, client, server } = pairing;
  const operation = readOperationOf(change, client);
  const book = change.book[client];
  const request = change.read?.[client] ?? (operation === 'listBooks' ? {} : { id: book.id ?? 0 });
  const { reading, failure, records } = await call(pairing, operation, request);
  const where = `${change.name} ${pairing.variant} ${client}→${server} read`;
  const record = theRecord(records, operation, where);
  const legs: LegObservation[] = [];
  if (record) {
    legs.push(
      observeLeg(
        'request',
        factsOf(change, client, request, 'read'),
        factsOf(change, server, record.value, 'read'),
        vocabulary(change, server).read,
      ),
    );
  } else if (!failure) {
    throw new Error(`${where}: the call succeeded and the server recorded nothing`);
  }
  if (reading) {
    legs.push(
      observeLeg(
        'response',
        factsOf(change, server, change.book[server], 'book'),
        factsOf(change, client, bookOfReading(operation, reading.value), 'book'),
        vocabulary(change, client).book,
      ),
    );
  }
  return exchangeResult('read', operation, legs, reading, failure, record);
}

async function observeWrite(pairing: Pairing): Promise<ExchangeObservation> {
  const { change, client, server } = pairing;
  const book = change.write?.[client] ?? omitId(change.book[client]);
  const { reading, failure, records } = await call(pairing, 'createBook', book);
  const where = `${change.name} ${pairing.variant} ${client}→${server} write`;
  const record = theRecord(records, 'createBook', where);
  const sent = withoutId(factsOf(change, client, book, 'book'));
  const legs: LegObservation[] = [];
  if (record) {
    legs.push(
      observeLeg(
        'request',
        sent,
        withoutId(factsOf(change, server, record.value, 'book')),
        withoutIdVocabulary(vocabulary(change, server).input),
      ),
    );
  } else if (!failure) {
    throw new Error(`${where}: the call succeeded and the server recorded nothing`);
  }
  if (reading) {
    legs.push(
      observeLeg(
        'echo',
        sent,
        withoutId(factsOf(change, client, reading.value, 'book')),
        withoutIdVocabulary(vocabulary(change, client).book),
      ),
    );
  }
  return exchangeResult('write', 'createBook', legs, reading, failure, record);
}

async function observeCell(pairing: Pairing, direction: Direction): Promise<EvolutionCell> {
  const read = await observeRead(pairing);
  const write = await observeWrite(pairing);
  return { change: pairing.change.name, variant: pairing.variant, direction, read, write };
}

/** Runs tasks with at most `limit` in flight, results in input order. */
async function pooled<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const lane = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await (tasks[index] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, lane));
  return results;
}

export function disagreementsOf(
  change: string,
  cells: readonly EvolutionCell[],
  checkers: readonly CheckerResult[],
): Disagreement[] {
  const out: Disagreement[] = [];
  for (const checker of checkers) {
    if (checker.verdict === 'error' || checker.verdict === 'dangerous') continue;
    const variants = variantsOfChecker(checker.checker);
    const mine = cells.filter(
      (c) => variants.includes(c.variant) && CROSS_DIRECTIONS.includes(c.direction),
    );
    if (mine.length === 0) continue;
    const observed = [...new Set(mine.flatMap((c) => [c.read.outcome, c.write.outcome]))];
    // A checker is wrong to pass a change when data was lost or changed without a word; a
    // loud failure (a new client calling what an old server lacks) is not lost data.
    const silent = (o: Outcome) => o === 'silent-loss' || o === 'silent-wrong-data';
    const bad = mine.filter((c) => silent(c.read.outcome) || silent(c.write.outcome));
    const worked = mine.every((c) => c.read.outcome === 'works' && c.write.outcome === 'works');
    if (checker.verdict === 'safe' && bad.length > 0) {
      out.push({
        change,
        checker: checker.checker,
        verdict: checker.verdict,
        kind: 'passed-but-failed',
        variants: [...new Set(bad.map((c) => c.variant))],
        directions: CROSS_DIRECTIONS.filter((d) => bad.some((c) => c.direction === d)),
        observed: observed.filter(silent),
      });
    }
    if (checker.verdict === 'breaking' && worked) {
      out.push({
        change,
        checker: checker.checker,
        verdict: checker.verdict,
        kind: 'failed-but-worked',
        variants: [...new Set(mine.map((c) => c.variant))],
        directions: [...CROSS_DIRECTIONS],
        observed,
      });
    }
  }
  return out;
}

export async function runEvolution(options: EvolveOptions = {}): Promise<EvolutionResults> {
  const started = performance.now();
  const changes = selectChangeSets(options.changes);
  const variants = [...(options.variants ?? EVOLUTION_VARIANTS)];
  const servers = await startEvolutionServers(changes.map((c) => c.name));
  try {
    const directions = Object.keys(DIRECTIONS) as Direction[];
    const plan = changes.flatMap((change) =>
      variants.flatMap((variant) =>
        directions.map((direction) => ({ change, variant, direction })),
      ),
    );
    let done = 0;
    const checking =
      options.checkers === false
        ? Promise.resolve(changes.map(() => [] as CheckerResult[]))
        : Promise.all(changes.map((change) => runCheckers(change)));
    const cells = await pooled(
      plan.map(({ change, variant, direction }) => async () => {
        const { client, server } = DIRECTIONS[direction];
        const cell = await observeCell({ change, variant, client, server, servers }, direction);
        options.onProgress?.(++done, plan.length);
        return cell;
      }),
      options.concurrency ?? 8,
    );
    const checkerResults = await checking;
    const baselineFailures = cells.filter(
      (c) =>
        !CROSS_DIRECTIONS.includes(c.direction) &&
        (c.read.outcome !== 'works' || c.write.outcome !== 'works'),
    );
    const results: ChangeSetResult[] = changes.map((change, i) => {
      const mine = cells.filter((c) => c.change === change.name);
      const checkers = checkerResults[i] ?? [];
      return {
        name: change.name,
        description: change.description,
        use: change.use,
        ...(change.notes ? { notes: change.notes } : {}),
        cells: mine.filter((c) => CROSS_DIRECTIONS.includes(c.direction)),
        checkers,
        disagreements: disagreementsOf(change.name, mine, checkers),
      };
    });
    return {
      schema: EVOLUTION_SCHEMA,
      createdAt: new Date().toISOString(),
      node: process.version,
      variants,
      changes: results,
      baselineFailures,
      wallMs: Math.round(performance.now() - started),
    };
  } finally {
    await servers.stop();
  }
}
