// The schema's custom scalars: DateTime (RFC 3339 date-time) and Date (RFC 3339 full-date).
// Both travel as strings, exactly as the domain stores them, so serialising costs nothing.
// Only the coercion functions live here: name, description and @specifiedBy come from the SDL.

import { GraphQLError, type GraphQLScalarTypeConfig, Kind, type ValueNode } from 'graphql';

export type ScalarCoercion = Pick<
  GraphQLScalarTypeConfig<string, string>,
  'serialize' | 'parseValue' | 'parseLiteral'
>;

const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const FULL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function isDateTime(value: string): boolean {
  const match = DATE_TIME.exec(value);
  // Date.parse alone accepts 2024-02-30 (as March 1st) and 24:00.
  return (
    match !== null &&
    isFullDate(value.slice(0, 10)) &&
    Number(match[1]) < 24 &&
    Number(match[2]) < 60 &&
    Number(match[3]) <= 60 &&
    !Number.isNaN(Date.parse(value))
  );
}

function isFullDate(value: string): boolean {
  const match = FULL_DATE.exec(value);
  if (!match) return false;
  const [, y, m, d] = match.map(Number) as [number, number, number, number];
  // Date.UTC rolls 2023-02-30 over to March; a real date survives the round trip.
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

function createStringScalar(options: {
  name: string;
  isValid: (value: string) => boolean;
  expected: string;
}): ScalarCoercion {
  const check = (value: unknown): string => {
    if (typeof value === 'string' && options.isValid(value)) return value;
    throw new GraphQLError(
      `${options.name} must be ${options.expected}, got ${JSON.stringify(value)}`,
    );
  };
  return {
    serialize: (value) => (value instanceof Date ? value.toISOString() : check(value)),
    parseValue: check,
    parseLiteral: (ast: ValueNode) => {
      if (ast.kind !== Kind.STRING) {
        throw new GraphQLError(`${options.name} must be a string (${options.expected})`, {
          nodes: ast,
        });
      }
      return check(ast.value);
    },
  };
}

export const DateTimeScalar = createStringScalar({
  name: 'DateTime',
  isValid: isDateTime,
  expected: 'an RFC 3339 date-time such as 2024-05-01T12:30:00.000Z',
});

export const DateScalar = createStringScalar({
  name: 'Date',
  isValid: isFullDate,
  expected: 'an RFC 3339 full-date such as 1970-01-31',
});
