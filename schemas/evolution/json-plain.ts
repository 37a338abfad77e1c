// The JSON contracts of a change set's version (OpenAPI document, GraphQL SDL) as the REST and
// GraphQL evolution servers and clients read them, and Plain values to and from JSON per an
// OpenAPI schema. Both sides use it, so a server and a client of one version agree on shape.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { ChangeSet, Operation, Plain, PlainValue, Version } from './types.ts';

const EVOLUTION_DIR = dirname(fileURLToPath(import.meta.url));

/** The folder of a version's contracts, absolute. */
export function contractDir(change: ChangeSet, version: Version): string {
  return join(EVOLUTION_DIR, change.contracts[version]);
}

export function loadSdl(change: ChangeSet, version: Version): string {
  return readFileSync(join(contractDir(change, version), 'schema.graphql'), 'utf8');
}

/** An OpenAPI schema object, as far as this module reads one. */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  format?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
}

export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: JsonSchema;
}

interface OpenApiOperation {
  operationId?: string;
  parameters?: OpenApiParameter[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
  responses?: Record<string, { content?: Record<string, { schema?: JsonSchema }> }>;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

export function loadOpenApi(change: ChangeSet, version: Version): OpenApiDocument {
  const text = readFileSync(join(contractDir(change, version), 'openapi.yaml'), 'utf8');
  return parseYaml(text) as OpenApiDocument;
}

/** One operation of a document, found by its operationId, with what its handler reads. */
export interface OpenApiOperationInfo {
  path: string;
  method: string;
  parameters: OpenApiParameter[];
  requestSchema?: JsonSchema;
  /** The schema of the first 2xx JSON response. */
  responseSchema?: JsonSchema;
}

export function findOperation(
  doc: OpenApiDocument,
  operation: Operation,
): OpenApiOperationInfo | undefined {
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (op.operationId !== operation) continue;
      const success = Object.entries(op.responses ?? {}).find(([status]) => /^2/.test(status));
      const requestSchema = op.requestBody?.content?.['application/json']?.schema;
      const responseSchema = success?.[1].content?.['application/json']?.schema;
      return {
        path,
        method,
        parameters: op.parameters ?? [],
        ...(requestSchema ? { requestSchema } : {}),
        ...(responseSchema ? { responseSchema } : {}),
      };
    }
  }
  return undefined;
}

/** A schema with its local $ref (#/components/schemas/X) followed; sibling keywords win. */
export function resolveSchema(doc: OpenApiDocument, schema: JsonSchema): JsonSchema {
  let current = schema;
  for (let depth = 0; current.$ref && depth < 32; depth++) {
    const name = /^#\/components\/schemas\/(.+)$/.exec(current.$ref)?.[1];
    const target = name ? doc.components?.schemas?.[name] : undefined;
    if (!target) throw new Error(`cannot resolve ${current.$ref}`);
    const { $ref: _, ...siblings } = current;
    current = { ...target, ...siblings };
  }
  return current;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasType(schema: JsonSchema, type: string): boolean {
  return Array.isArray(schema.type) ? schema.type.includes(type) : schema.type === type;
}

/**
 * A JSON value as a program typed by `schema` reads it: the properties the schema declares,
 * nested objects and list items likewise, everything else as the JSON carried it. Properties
 * the schema does not declare are dropped, as a generated type has no place for them.
 */
export function projectJson(doc: OpenApiDocument, schema: JsonSchema, value: unknown): PlainValue {
  const resolved = resolveSchema(doc, schema);
  if (Array.isArray(value)) {
    const items = resolved.items;
    return value.map((item) => (items ? projectJson(doc, items, item) : (item as PlainValue)));
  }
  if (isObject(value) && resolved.properties) {
    const out: Plain = {};
    for (const [name, inner] of Object.entries(resolved.properties)) {
      if (name in value && value[name] !== undefined)
        out[name] = projectJson(doc, inner, value[name]);
    }
    return out;
  }
  return value as PlainValue;
}

/**
 * A plain value as JSON per `schema`: Plain spells a 64-bit integer as a decimal string, and an
 * OpenAPI `type: integer` travels as a JSON number whatever its format, so digits become a
 * number there (beyond 2^53 a JavaScript writer cannot do better). Undeclared fields go out
 * unchanged: the writer's program put them there.
 */
export function plainToJson(doc: OpenApiDocument, schema: JsonSchema, value: PlainValue): unknown {
  const resolved = resolveSchema(doc, schema);
  if (Array.isArray(value)) {
    const items = resolved.items;
    return value.map((item) => (items ? plainToJson(doc, items, item) : item));
  }
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [name, inner] of Object.entries(value)) {
      const declared = resolved.properties?.[name];
      out[name] = declared ? plainToJson(doc, declared, inner as PlainValue) : inner;
    }
    return out;
  }
  if (
    typeof value === 'string' &&
    (hasType(resolved, 'integer') || hasType(resolved, 'number')) &&
    /^-?\d+$/.test(value)
  ) {
    return Number(value);
  }
  return value;
}

/**
 * A path or query parameter's text as its schema types it: the validator has already checked
 * it, so this only repeats the coercion it applied for the handler.
 */
export function coerceParameter(
  doc: OpenApiDocument,
  schema: JsonSchema | undefined,
  text: string,
): PlainValue {
  if (!schema) return text;
  const resolved = resolveSchema(doc, schema);
  if (hasType(resolved, 'integer') || hasType(resolved, 'number')) return Number(text);
  if (hasType(resolved, 'boolean')) return text === 'true';
  return text;
}
