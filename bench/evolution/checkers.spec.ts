// The checkers against the real tools: the catalogue's add-optional-field and small pairs
// written here whose verdict class follows from the change (a renamed proto field, a removed
// GraphQL field, a removed or newly required OpenAPI property, inputs that do not parse).

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse, stringify } from 'yaml';
import { CHANGE_SETS, findChangeSet } from '../../schemas/evolution/catalogue.ts';
import type { ChangeSet } from '../../schemas/evolution/types.ts';
import { type CheckerResult, runCheckers } from './checkers.ts';

const ROOT = join(import.meta.dirname, '../../schemas/evolution');
const BASE = join(ROOT, 'base');

/** A change set whose two versions are the folders v1/ and v2/ of a scratch root. */
const PAIR: ChangeSet = {
  name: 'scratch-pair',
  description: 'a pair written by the test',
  use: 'test the checkers',
  contracts: { v1: 'v1', v2: 'v2' },
  book: { v1: {}, v2: {} },
};

let scratch: string;
let pairs = 0;

/** Writes v1 (the base contract unless given) and v2 of one contract; returns the root. */
async function writePair(file: string, v2: string, v1?: string): Promise<string> {
  const root = join(scratch, `pair-${++pairs}`);
  await mkdir(join(root, 'v1'), { recursive: true });
  await mkdir(join(root, 'v2'), { recursive: true });
  await writeFile(join(root, 'v1', file), v1 ?? (await readFile(join(BASE, file), 'utf8')));
  await writeFile(join(root, 'v2', file), v2);
  return root;
}

function byChecker(results: CheckerResult[]): Map<string, CheckerResult> {
  return new Map(results.map((r) => [r.checker, r]));
}

function verdicts(results: CheckerResult[]): Record<string, string> {
  return Object.fromEntries(results.map((r) => [r.checker, r.verdict]));
}

/** The base OpenAPI document with an edit applied to its parsed form. */
async function editedOpenapi(edit: (doc: OpenapiDocument) => void): Promise<string> {
  const doc = parse(await readFile(join(BASE, 'openapi.yaml'), 'utf8')) as OpenapiDocument;
  edit(doc);
  return stringify(doc);
}

interface ObjectSchema {
  required: string[];
  properties: Record<string, unknown>;
}
interface OpenapiDocument {
  components: { schemas: Record<string, ObjectSchema> };
}

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'wirebench-checkers-'));
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('runCheckers on the catalogue', () => {
  test('runs every checker with the version of the tool that ran', async () => {
    const results = await runCheckers(findChangeSet('add-optional-field')!);
    assert.deepEqual(
      results.map((r) => r.checker),
      [
        'buf breaking WIRE',
        'buf breaking WIRE_JSON',
        'buf breaking FILE',
        'graphql-inspector',
        'openapi-diff',
        'redocly diff',
      ],
    );
    for (const r of results) assert.match(r.tool, /@\d+\.\d+\.\d+/, r.checker);
  });

  test('add-optional-field is safe to every checker but openapi-diff, which reads open schemas', async () => {
    const results = await runCheckers(findChangeSet('add-optional-field')!);
    const { 'openapi-diff': openapiDiff, ...others } = verdicts(results);
    assert.deepEqual(Object.values(others), Array(5).fill('safe'), JSON.stringify(others));
    // BookInput has no `additionalProperties: false`, so v1 accepted a subtitle of any type
    // and v2 only a string: fewer request bodies are valid, which openapi-diff calls breaking.
    assert.equal(openapiDiff, 'breaking');
    const finding = byChecker(results)
      .get('openapi-diff')!
      .findings.find((f) => f.level === 'breaking');
    assert.match(finding?.message ?? '', /^request\.body\.scope\.remove: .*subtitle/);
  });

  test('every change set of the catalogue gets a verdict from every checker', async () => {
    const present = CHANGE_SETS.filter((c) =>
      ['v1', 'v2'].every((v) => existsSync(join(ROOT, c.contracts[v as 'v1' | 'v2']))),
    );
    const all = await Promise.all(present.map((c) => runCheckers(c)));
    const errors = all
      .flat()
      .filter((r) => r.verdict === 'error')
      .map((r) => `${r.checker}: ${r.error}`);
    assert.deepEqual(errors, []);
  });
});

describe('buf breaking', () => {
  test('a renamed field passes WIRE and fails WIRE_JSON and FILE', async () => {
    const base = await readFile(join(BASE, 'book.proto'), 'utf8');
    const renamed = base.replace('string title = 2;', 'string name = 2;');
    assert.notEqual(renamed, base);
    const root = await writePair('book.proto', renamed);
    const results = await runCheckers(PAIR, { root, contracts: ['proto'] });
    assert.deepEqual(verdicts(results), {
      'buf breaking WIRE': 'safe',
      'buf breaking WIRE_JSON': 'breaking',
      'buf breaking FILE': 'breaking',
    });
    const json = byChecker(results).get('buf breaking WIRE_JSON')!;
    assert.ok(json.findings.length > 0);
    for (const f of json.findings) assert.match(f.where ?? '', /^book\.proto:\d+$/);
  });

  test('a proto that does not compile is an error, not a breaking change', async () => {
    const root = await writePair('book.proto', 'syntax = "proto3";\nmessage {\n');
    const results = await runCheckers(PAIR, { root, contracts: ['proto'] });
    for (const r of results) {
      assert.equal(r.verdict, 'error', r.checker);
      assert.match(r.error ?? '', /book\.proto:\d+: /);
      assert.deepEqual(r.findings, []);
    }
  });
});

describe('graphql-inspector', () => {
  test('calls a removed field breaking', async () => {
    const base = await readFile(join(BASE, 'schema.graphql'), 'utf8');
    const removed = base.replace('  tag: String!\n  format: Format!\n', '  format: Format!\n');
    assert.notEqual(removed, base);
    const root = await writePair('schema.graphql', removed);
    const [result] = await runCheckers(PAIR, { root, contracts: ['graphql'] });
    assert.equal(result?.verdict, 'breaking');
    assert.ok(result.findings.some((f) => f.level === 'breaking' && f.where === 'Book.tag'));
  });

  test('a schema that does not parse is an error', async () => {
    const root = await writePair('schema.graphql', 'type Book {\n  id: Int!\n');
    const [result] = await runCheckers(PAIR, { root, contracts: ['graphql'] });
    assert.equal(result?.verdict, 'error');
    assert.match(result.error ?? '', /Syntax Error/);
  });
});

describe('OpenAPI diffs', () => {
  test('a required response property removed is breaking to both', async () => {
    const v2 = await editedOpenapi((doc) => {
      const book = doc.components.schemas.Book!;
      book.required = book.required.filter((p) => p !== 'pages');
      delete book.properties.pages;
    });
    const root = await writePair('openapi.yaml', v2);
    const results = await runCheckers(PAIR, { root, contracts: ['openapi'] });
    assert.deepEqual(verdicts(results), { 'openapi-diff': 'breaking', 'redocly diff': 'breaking' });
  });

  test('a required request property added is breaking to both', async () => {
    const v2 = await editedOpenapi((doc) => {
      const input = doc.components.schemas.BookInput!;
      input.required.push('isbn');
      input.properties.isbn = { type: 'string' };
    });
    const root = await writePair('openapi.yaml', v2);
    const results = await runCheckers(PAIR, { root, contracts: ['openapi'] });
    assert.deepEqual(verdicts(results), { 'openapi-diff': 'breaking', 'redocly diff': 'breaking' });
  });

  test('openapi-diff refuses a 3.1-only schema rather than reading it as 3.0', async () => {
    const v2 = await editedOpenapi((doc) => {
      doc.components.schemas.Book!.properties.subtitle = { type: ['string', 'null'] };
    });
    const root = await writePair('openapi.yaml', v2);
    const results = byChecker(await runCheckers(PAIR, { root, contracts: ['openapi'] }));
    assert.equal(results.get('openapi-diff')?.verdict, 'error');
    assert.match(results.get('openapi-diff')?.error ?? '', /Book\/properties\/subtitle.*3\.1/);
    assert.equal(results.get('redocly diff')?.verdict, 'safe');
  });

  test('a document that does not parse is an error to both', async () => {
    const root = await writePair('openapi.yaml', 'openapi: 3.1.0\ninfo: [oops\n');
    const results = await runCheckers(PAIR, { root, contracts: ['openapi'] });
    for (const r of results) {
      assert.equal(r.verdict, 'error', r.checker);
      assert.ok((r.error ?? '').length > 0, r.checker);
    }
  });
});

test('a missing contract file is an error of every checker', async () => {
  const root = join(scratch, 'empty');
  const results = await runCheckers(PAIR, { root });
  assert.equal(results.length, 6);
  for (const r of results) {
    assert.equal(r.verdict, 'error', r.checker);
    assert.match(r.error ?? '', /ENOENT/);
  }
});
