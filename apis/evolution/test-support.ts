// What the evolution servers' specs share: one server of a version and one client of another,
// both closed when the exchange ends, and the LoudFailure a call must reject with.

import assert from 'node:assert/strict';
import { findChangeSet } from '../../schemas/evolution/catalogue.ts';
import {
  type CreateEvolutionClient,
  type EvolutionClient,
  type EvolutionVariant,
  LoudFailure,
  type Plain,
  type ServerRecord,
  type StartEvolutionServer,
  type Version,
} from '../../schemas/evolution/types.ts';

export interface Exchange {
  client: EvolutionClient;
  /** What the server recorded, in order. */
  records: ServerRecord[];
}

/** Runs `run` against a server of `server`'s version through a client of `client`'s. */
export async function withExchange(
  start: StartEvolutionServer,
  create: CreateEvolutionClient,
  variant: EvolutionVariant,
  name: string,
  server: Version,
  client: Version,
  run: (exchange: Exchange) => Promise<void>,
): Promise<void> {
  const change = findChangeSet(name);
  assert.ok(change, `${name} is in the catalogue`);
  const records: ServerRecord[] = [];
  const started = await start({ change, version: server, record: (r) => records.push(r) });
  try {
    const evolutionClient = await create({
      change,
      version: client,
      variant,
      baseUrl: `http://127.0.0.1:${started.port}`,
    });
    try {
      await run({ client: evolutionClient, records });
    } finally {
      await evolutionClient.close();
    }
  } finally {
    await started.close();
  }
}

/** The LoudFailure a call rejects with; fails the test when it succeeds or fails otherwise. */
export async function rejection(pending: Promise<unknown>): Promise<LoudFailure> {
  try {
    await pending;
  } catch (err) {
    assert.ok(err instanceof LoudFailure, `a LoudFailure, not ${String(err)}`);
    return err;
  }
  assert.fail('the call succeeded');
}

export function withoutId(book: Plain): Plain {
  const { id: _, ...rest } = book;
  return rest;
}
