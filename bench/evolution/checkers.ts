// The static compatibility checkers, run on a change set's v1/v2 contracts: buf breaking for
// the proto, graphql-inspector for the GraphQL schema, openapi-diff and redocly diff for the
// OpenAPI document. Every verdict is read from what the tool itself reported.

import { execFile } from 'node:child_process';
import { access, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { diff as diffGraphql } from '@graphql-inspector/core';
import { buildSchema } from 'graphql';
import openapiDiff from 'openapi-diff';
import { parse as parseYaml } from 'yaml';
import type { ChangeSet, Version } from '../../schemas/evolution/types.ts';

export type CheckerVerdict = 'breaking' | 'dangerous' | 'safe';

export interface CheckerFinding {
  level: 'breaking' | 'dangerous' | 'safe';
  message: string;
  where?: string;
}

export type CheckerContract = 'proto' | 'graphql' | 'openapi';

export interface CheckerResult {
  checker: string;
  contract: CheckerContract;
  verdict: CheckerVerdict | 'error';
  findings: CheckerFinding[];
  /** Why the checker itself failed (verdict 'error'): it said nothing about compatibility. */
  error?: string;
  /** name@version of the tool that ran. */
  tool: string;
}

export interface RunCheckersOptions {
  /** The folder ChangeSet.contracts are relative to; the repository's schemas/evolution. */
  root?: string;
  contracts?: CheckerContract[];
}

const REPO = resolve(import.meta.dirname, '../..');
const DEFAULT_ROOT = join(REPO, 'schemas/evolution');
const BIN = join(REPO, 'node_modules/.bin');
const CONTRACT_FILE: Record<CheckerContract, string> = {
  proto: 'book.proto',
  graphql: 'schema.graphql',
  openapi: 'openapi.yaml',
};
const BUF_CATEGORIES = ['WIRE', 'WIRE_JSON', 'FILE'] as const;
/** buf's exit code for "breaking changes found" (and, as it turns out, for compile errors). */
const BUF_FINDINGS_EXIT = 100;

const execFileAsync = promisify(execFile);

interface Run {
  stdout: string;
  stderr: string;
  code: number;
}

/** Runs a tool to its end whatever its exit code; only a failure to start it throws. */
async function runTool(file: string, args: string[], cwd: string): Promise<Run> {
  try {
    const { stdout, stderr } = await execFileAsync(file, args, {
      cwd,
      maxBuffer: 16 * 1024 * 1024,
      timeout: 60_000,
    });
    return { stdout, stderr, code: 0 };
  } catch (cause) {
    const failed = cause as { code?: unknown; stdout?: string; stderr?: string; killed?: boolean };
    if (typeof failed.code !== 'number' || failed.killed) throw cause;
    return { stdout: failed.stdout ?? '', stderr: failed.stderr ?? '', code: failed.code };
  }
}

/**
 * Two at a time across every runCheckers call: the machine has two cores, and a caller that
 * checks the whole catalogue at once should not start sixty processes.
 */
const MAX_RUNNING = 2;
let running = 0;
const waiting: (() => void)[] = [];

async function bounded<T>(task: () => Promise<T>): Promise<T> {
  // A finishing task hands its slot straight to the next waiter, so that a call arriving
  // before the waiter wakes cannot take the slot as well.
  if (running < MAX_RUNNING) running++;
  else await new Promise<void>((wake) => waiting.push(wake));
  try {
    return await task();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

async function packageVersion(name: string): Promise<string> {
  const manifest = JSON.parse(
    await readFile(join(REPO, 'node_modules', name, 'package.json'), 'utf8'),
  ) as { version: string };
  return `${name}@${manifest.version}`;
}

const toolVersions = new Map<string, Promise<string>>();

/** The version of a tool, asked once; an unreadable version names the tool alone. */
function toolVersion(name: string): Promise<string> {
  let version = toolVersions.get(name);
  if (!version) {
    version =
      name === 'buf'
        ? runTool(join(BIN, 'buf'), ['--version'], REPO).then((run) => `buf@${run.stdout.trim()}`)
        : packageVersion(name);
    version = version.catch(() => name);
    toolVersions.set(name, version);
  }
  return version;
}

function verdictOf(findings: CheckerFinding[]): CheckerVerdict {
  if (findings.some((f) => f.level === 'breaking')) return 'breaking';
  if (findings.some((f) => f.level === 'dangerous')) return 'dangerous';
  return 'safe';
}

function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

interface Check {
  checker: string;
  contract: CheckerContract;
  tool: string;
  run(paths: Record<Version, string>): Promise<CheckerFinding[]>;
}

interface BufLine {
  path: string;
  start_line: number;
  type: string;
  message: string;
}

/**
 * buf breaking with one rule category. The inline --config makes the working directory the
 * module, so buf runs inside the v2 folder with `.` as input; a v2 folder given as a path
 * from elsewhere is refused as "contained by module at path '.'".
 */
function bufCheck(category: (typeof BUF_CATEGORIES)[number]): Check {
  return {
    checker: `buf breaking ${category}`,
    contract: 'proto',
    tool: 'buf',
    async run(paths) {
      const v2Dir = resolve(paths.v2, '..');
      const v1Dir = resolve(paths.v1, '..');
      const config = JSON.stringify({ version: 'v2', breaking: { use: [category] } });
      const run = await runTool(
        join(BIN, 'buf'),
        ['breaking', '.', '--against', v1Dir, '--config', config, '--error-format', 'json'],
        v2Dir,
      );
      if (run.code !== 0 && run.code !== BUF_FINDINGS_EXIT)
        throw new Error(run.stderr.trim() || `buf exited with ${run.code}`);
      const lines = run.stdout
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as BufLine);
      // A file that does not compile also exits 100, its errors typed COMPILE: that is buf
      // failing to read an input, not a breaking change.
      const compile = lines.filter((line) => line.type === 'COMPILE');
      if (compile.length > 0)
        throw new Error(compile.map((l) => `${l.path}:${l.start_line}: ${l.message}`).join('\n'));
      if (run.code === BUF_FINDINGS_EXIT && lines.length === 0)
        throw new Error(run.stderr.trim() || 'buf exited 100 without findings');
      return lines.map((line) => ({
        level: 'breaking',
        message: `${line.type}: ${line.message}`,
        where: `${line.path}:${line.start_line}`,
      }));
    },
  };
}

const GRAPHQL_LEVEL = {
  BREAKING: 'breaking',
  DANGEROUS: 'dangerous',
  NON_BREAKING: 'safe',
} as const;

const graphqlInspectorCheck: Check = {
  checker: 'graphql-inspector',
  contract: 'graphql',
  tool: '@graphql-inspector/core',
  async run(paths) {
    const [v1, v2] = await Promise.all([readFile(paths.v1, 'utf8'), readFile(paths.v2, 'utf8')]);
    const changes = await diffGraphql(buildSchema(v1), buildSchema(v2));
    return changes.map((change) => ({
      level: GRAPHQL_LEVEL[change.criticality.level],
      message: change.message,
      ...(change.path ? { where: change.path } : {}),
    }));
  },
};

/**
 * Schema keywords a 3.1 document may hold that OpenAPI 3.0 lacks or reads otherwise.
 * openapi-diff reads only 3.0 (its parser refuses `openapi: 3.1.0`), so a document using any
 * of these is not handed to it. `nullable` is on the list the other way round: 3.1 ignores
 * it, 3.0 would act on it.
 */
const ONLY_31_KEYWORDS = [
  'nullable',
  'const',
  'examples',
  'prefixItems',
  'unevaluatedProperties',
  'unevaluatedItems',
  'dependentRequired',
  'dependentSchemas',
  'if',
  'then',
  'else',
  'contains',
  'propertyNames',
  '$defs',
  '$schema',
  '$id',
  '$anchor',
  '$dynamicRef',
  '$dynamicAnchor',
  'contentMediaType',
  'contentEncoding',
];
const ONLY_31_ROOT = ['webhooks', 'jsonSchemaDialect'];
/** Keywords whose value is one schema, a list of schemas, or a map from names to schemas. */
const ONE_SCHEMA = ['items', 'additionalProperties', 'not'];
const SCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf'];
const SCHEMA_MAPS = ['properties', 'patternProperties'];

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mapValues(value: JsonObject, map: (inner: Json, key: string) => Json): JsonObject {
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, map(inner, key)]));
}

/** One schema (and those inside it) in its 3.0 form, or a failure naming what has none. */
function toSchema30(schema: Json, where: string): Json {
  if (!isObject(schema)) return schema;
  for (const keyword of ONLY_31_KEYWORDS)
    if (keyword in schema)
      throw new Error(`${where} uses ${keyword}, which OpenAPI 3.0 lacks or reads otherwise`);
  if (Array.isArray(schema.type) || schema.type === 'null')
    throw new Error(`${where} uses a 3.1 type list or type null`);
  for (const bound of ['exclusiveMinimum', 'exclusiveMaximum'])
    if (typeof schema[bound] === 'number')
      throw new Error(`${where} uses a numeric (3.1) ${bound}`);
  const out = mapValues(schema, (inner, key) => {
    const at = `${where}/${key}`;
    if (ONE_SCHEMA.includes(key)) return toSchema30(inner, at);
    if (SCHEMA_LISTS.includes(key) && Array.isArray(inner))
      return inner.map((item, i) => toSchema30(item, `${at}/${i}`));
    if (SCHEMA_MAPS.includes(key) && isObject(inner))
      return mapValues(inner, (item, name) => toSchema30(item, `${at}/${name}`));
    return inner;
  });
  // 3.1 reads keywords beside a $ref together with it; 3.0 ignores them. allOf with the $ref
  // as its one member is the 3.0 spelling of the same schema (the lab's base has a default
  // beside the $ref of BookInput.format).
  if (typeof out.$ref === 'string' && Object.keys(out).length > 1) {
    const { $ref, ...siblings } = out;
    return { allOf: [{ $ref }], ...siblings };
  }
  return out;
}

/**
 * The 3.0.3 form of a 3.1 document, for openapi-diff: the version line, the info fields 3.0
 * lacks (license.identifier, summary: metadata no diff reads) dropped, keywords beside a $ref
 * moved under allOf. Anything else 3.1-only is refused rather than read with another meaning.
 */
function toOpenapi30(document: Json, location: string): JsonObject {
  if (!isObject(document) || typeof document.openapi !== 'string')
    throw new Error(`${location} is not an OpenAPI document`);
  if (!document.openapi.startsWith('3.1')) return document;
  for (const key of ONLY_31_ROOT)
    if (key in document) throw new Error(`${location} uses the 3.1-only ${key}`);
  const components = document.components;
  if (isObject(components) && 'pathItems' in components)
    throw new Error(`${location} uses the 3.1-only components.pathItems`);
  // Schemas sit under components.schemas and under every `schema` key (parameters, headers,
  // media types); nothing else in a document is a schema.
  const walk = (node: Json, where: string): Json => {
    if (Array.isArray(node)) return node.map((item, i) => walk(item, `${where}/${i}`));
    if (!isObject(node)) return node;
    return mapValues(node, (inner, key) => {
      const at = `${where}/${key}`;
      if (key === 'schema') return toSchema30(inner, at);
      if (where === '#/components' && key === 'schemas' && isObject(inner))
        return mapValues(inner, (schema, name) => toSchema30(schema, `${at}/${name}`));
      return walk(inner, at);
    });
  };
  const converted = walk(document, '#') as JsonObject;
  converted.openapi = '3.0.3';
  const info = converted.info;
  if (isObject(info)) {
    delete info.summary;
    if (isObject(info.license)) delete info.license.identifier;
  }
  return converted;
}

async function readOpenapi30(path: string): Promise<string> {
  let document: Json;
  try {
    document = parseYaml(await readFile(path, 'utf8')) as Json;
  } catch (cause) {
    throw new Error(`${path}: ${messageOf(cause)}`, { cause });
  }
  return JSON.stringify(toOpenapi30(document, path));
}

interface OpenapiDiffResult {
  code: string;
  sourceSpecEntityDetails: { location: string }[];
  destinationSpecEntityDetails: { location: string }[];
  /** For a body scope change: the JSON values it concerns, as a schema. */
  details?: { differenceSchema?: unknown };
}

/**
 * openapi-diff compares request and response bodies as sets of JSON values: with no
 * `additionalProperties: false`, a new property narrows what a request may hold (it used to
 * accept any value there), which it calls breaking. On this lab's change sets it reports no
 * change of an enum list, a format, a default, a parameter or a deprecation (its
 * docs/OPENAPI3.md lists parameters and `deprecated` as unsupported). Unclassified
 * differences are ones it could not rate; they count as dangerous, to be looked at.
 */
const openapiDiffCheck: Check = {
  checker: 'openapi-diff',
  contract: 'openapi',
  tool: 'openapi-diff',
  async run(paths) {
    const [source, destination] = await Promise.all([
      readOpenapi30(paths.v1),
      readOpenapi30(paths.v2),
    ]);
    let outcome: Awaited<ReturnType<typeof openapiDiff.diffSpecs>>;
    try {
      outcome = await openapiDiff.diffSpecs({
        sourceSpec: { content: source, location: paths.v1, format: 'openapi3' },
        destinationSpec: { content: destination, location: paths.v2, format: 'openapi3' },
      });
    } catch (cause) {
      throw new Error(messageOf(cause));
    }
    const findings = (level: CheckerFinding['level'], results: OpenapiDiffResult[]) =>
      results.map((result) => {
        const locations = [
          ...result.destinationSpecEntityDetails,
          ...result.sourceSpecEntityDetails,
        ].map((d) => d.location);
        return {
          level,
          message: result.details?.differenceSchema
            ? `${result.code}: ${JSON.stringify(result.details.differenceSchema)}`
            : result.code,
          ...(locations[0] ? { where: locations[0] } : {}),
        };
      });
    return [
      ...findings('breaking', outcome.breakingDifferencesFound ? outcome.breakingDifferences : []),
      ...findings('dangerous', outcome.unclassifiedDifferences),
      ...findings('safe', outcome.nonBreakingDifferences),
    ];
  },
};

interface RedoclyChange {
  path: string;
  kind: string;
  impact: 'major' | 'minor' | 'patch';
  property?: string;
  verdicts: {
    ruleId: string;
    impact: 'major' | 'minor' | 'patch';
    message: string;
    location?: { pointer: string; line?: number };
  }[];
}

/** redocly rates a change by the semver bump it needs: major is breaking, the rest is not. */
const REDOCLY_LEVEL = { major: 'breaking', minor: 'safe', patch: 'safe' } as const;

/**
 * `redocly diff` (experimental in @redocly/cli 2.x) reads 3.1 itself. It runs in a scratch
 * directory so that no redocly.yaml of the repository's (lint rules for another API) applies,
 * with --fail-on none so that any nonzero exit is the tool failing.
 */
const redoclyDiffCheck: Check = {
  checker: 'redocly diff',
  contract: 'openapi',
  tool: '@redocly/cli',
  async run(paths) {
    const run = await runTool(
      join(BIN, 'redocly'),
      ['diff', paths.v1, paths.v2, '--format', 'json', '--fail-on', 'none', '--lint-config', 'off'],
      tmpdir(),
    );
    if (run.code !== 0) {
      // The Node 20 deprecation banner is drawn in box characters; what follows is the error.
      const reason = run.stderr
        .split('\n')
        .filter((line) => !/[║╔╚]/.test(line) && line.trim() !== '')
        .join('\n');
      throw new Error(reason || `redocly exited with ${run.code}`);
    }
    const report = JSON.parse(run.stdout) as { changes: RedoclyChange[] };
    return report.changes.flatMap((change): CheckerFinding[] => {
      if (change.verdicts.length === 0)
        return [
          {
            level: REDOCLY_LEVEL[change.impact],
            message: [change.kind, change.property].filter(Boolean).join(' '),
            where: change.path,
          },
        ];
      return change.verdicts.map((verdict) => ({
        level: REDOCLY_LEVEL[verdict.impact],
        message: `${verdict.ruleId}: ${verdict.message}`,
        where: verdict.location
          ? `${verdict.location.pointer}${verdict.location.line ? `:${verdict.location.line}` : ''}`
          : change.path,
      }));
    });
  },
};

const CHECKS: readonly Check[] = [
  ...BUF_CATEGORIES.map(bufCheck),
  graphqlInspectorCheck,
  openapiDiffCheck,
  redoclyDiffCheck,
];

async function runCheck(check: Check, paths: Record<Version, string>): Promise<CheckerResult> {
  const tool = await toolVersion(check.tool);
  const base = { checker: check.checker, contract: check.contract, tool };
  try {
    // A missing contract is named as such, not as whatever the tool makes of it.
    await Promise.all([access(paths.v1), access(paths.v2)]);
    const findings = await check.run(paths);
    return { ...base, verdict: verdictOf(findings), findings };
  } catch (cause) {
    return { ...base, verdict: 'error', findings: [], error: messageOf(cause) };
  }
}

/**
 * Every checker of the chosen contracts (all by default) on one change set, in the order of
 * CHECKS. A checker that fails, on a missing or unreadable file included, gives verdict
 * 'error' with its reason; the promise itself does not reject for that.
 */
export async function runCheckers(
  change: ChangeSet,
  options: RunCheckersOptions = {},
): Promise<CheckerResult[]> {
  const root = options.root ?? DEFAULT_ROOT;
  const contracts = new Set(options.contracts ?? Object.keys(CONTRACT_FILE));
  const checks = CHECKS.filter((check) => contracts.has(check.contract));
  return Promise.all(
    checks.map((check) => {
      const file = CONTRACT_FILE[check.contract];
      const paths = {
        v1: join(root, change.contracts.v1, file),
        v2: join(root, change.contracts.v2, file),
      };
      return bounded(() => runCheck(check, paths));
    }),
  );
}
