// Reading path and query parameters that the OpenAPI validator has already checked. The
// validator may have coerced a value to a number or left it a string; both are accepted.

import type { Request } from 'express';
import { invalidArgument } from '../domain/index.ts';

function readRaw(req: Request, name: string): unknown {
  const query = req.query as Record<string, unknown>;
  const value = query[name];
  return Array.isArray(value) ? value[value.length - 1] : value;
}

export function queryString(req: Request, name: string): string | undefined {
  const value = readRaw(req, name);
  if (value === undefined) return undefined;
  return String(value);
}

export function queryInt(req: Request, name: string): number | undefined {
  const value = readRaw(req, name);
  if (value === undefined || value === '') return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n)) {
    throw invalidArgument([{ field: name, description: 'must be an integer' }]);
  }
  return n;
}

export function pathInt(req: Request, name: string): number {
  const n = Number(req.params[name]);
  if (!Number.isSafeInteger(n) || n < 1) {
    throw invalidArgument([{ field: name, description: 'must be a positive integer' }]);
  }
  return n;
}

export function pathString(req: Request, name: string): string {
  return String(req.params[name] ?? '');
}
