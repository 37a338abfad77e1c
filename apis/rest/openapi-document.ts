// The hand-written OpenAPI document (schemas/openapi/openapi.yaml), parsed once: the request
// validator runs on it and GET /openapi.json serves it.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const OPENAPI_YAML_PATH = fileURLToPath(
  new URL('../../schemas/openapi/openapi.yaml', import.meta.url),
);

let cached: Readonly<Record<string, unknown>> | undefined;

/** The document as a plain JSON value. Callers must not mutate it (it is shared). */
export function loadOpenApiDocument(): Readonly<Record<string, unknown>> {
  if (!cached) {
    const doc: unknown = parse(readFileSync(OPENAPI_YAML_PATH, 'utf8'));
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
      throw new Error(`${OPENAPI_YAML_PATH} is not an OpenAPI document`);
    }
    cached = doc as Record<string, unknown>;
  }
  return cached;
}
