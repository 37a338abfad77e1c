import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { buildSchema, GraphQLEnumType, printSchema } from 'graphql';
import { GENRES } from '../domain/index.ts';
import { getSchema, SCHEMA_FILE } from './server.ts';
import { startTestServer } from './test-server.ts';

test('the served schema is exactly the SDL contract', () => {
  const contract = buildSchema(readFileSync(SCHEMA_FILE, 'utf8'));
  assert.equal(printSchema(getSchema()), printSchema(contract));
});

test('the Genre enum maps every domain genre to its UPPER_SNAKE name', () => {
  const genre = getSchema().getType('Genre');
  assert.ok(genre instanceof GraphQLEnumType);
  assert.deepEqual(
    genre.getValues().map((v) => [v.name, v.value]),
    GENRES.map((g) => [g.toUpperCase(), g]),
  );
});

test('DateTime and Date keep their @specifiedBy and reject impossible values', async () => {
  const server = await startTestServer();
  try {
    const res = await server.request<{
      dt: { specifiedByURL: string };
      d: { specifiedByURL: string };
    }>(
      '{ dt: __type(name: "DateTime") { specifiedByURL } d: __type(name: "Date") { specifiedByURL } }',
    );
    assert.deepEqual(res.data, {
      dt: { specifiedByURL: 'https://datatracker.ietf.org/doc/html/rfc3339' },
      d: { specifiedByURL: 'https://datatracker.ietf.org/doc/html/rfc3339#section-5.6' },
    });
    const bad = await server.request(
      'mutation { updateBook(id: "1", input: { publishedAt: "2024-02-30T10:00:00Z" }) { id } }',
    );
    assert.equal(bad.status, 400);
    assert.match(bad.errors?.[0]?.message ?? '', /DateTime must be an RFC 3339 date-time/);
  } finally {
    await server.close();
  }
});
