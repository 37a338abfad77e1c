// The GraphQL evolution server: graphql-yoga over the version's SDL with generic resolvers, so
// that graphql-js validates and coerces each request exactly as that version's schema says.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLScalarType, Kind, parse, type ValueNode } from 'graphql';
import { createSchema, createYoga, type Plugin } from 'graphql-yoga';
import { loadSdl } from '../../schemas/evolution/json-plain.ts';
import {
  EXCHANGE_HEADER,
  type Operation,
  type Plain,
  type StartEvolutionServer,
} from '../../schemas/evolution/types.ts';

/**
 * A custom scalar the SDL declares (`scalar Long`) carried as a decimal string, as Plain and
 * proto JSON carry 64-bit integers: a JSON number would lose digits past 2^53 in a JavaScript
 * reader. It accepts a string or an int, from a literal or a variable, so a client that still
 * sends the old Int is read rather than refused; anything else is refused as graphql-js does.
 */
function buildDecimalScalar(name: string): GraphQLScalarType {
  const parseDecimal = (value: unknown): string => {
    if (typeof value === 'number' && Number.isInteger(value)) return String(value);
    if (typeof value === 'string' && /^-?\d+$/.test(value)) return value;
    throw new TypeError(`${name} cannot represent ${JSON.stringify(value)}`);
  };
  return new GraphQLScalarType({
    name,
    serialize: (value) => parseDecimal(typeof value === 'bigint' ? String(value) : value),
    parseValue: parseDecimal,
    parseLiteral: (ast: ValueNode) => {
      if (ast.kind === Kind.INT || ast.kind === Kind.STRING) return parseDecimal(ast.value);
      throw new TypeError(`${name} cannot represent a ${ast.kind} literal`);
    },
  });
}

/** graphql-js hands inputs over as null-prototype objects; the record holds plain JSON. */
function toPlain(value: unknown): Plain {
  return JSON.parse(JSON.stringify(value ?? {})) as Plain;
}

export const startGraphqlServer: StartEvolutionServer = async ({ change, version, record }) => {
  const typeDefs = loadSdl(change, version);
  const book = change.book[version];
  const definitions = parse(typeDefs).definitions;
  const scalars: Record<string, GraphQLScalarType> = {};
  for (const def of definitions) {
    if (def.kind === Kind.SCALAR_TYPE_DEFINITION)
      scalars[def.name.value] = buildDecimalScalar(def.name.value);
  }
  const queryFields = new Set(
    definitions.flatMap((def) =>
      def.kind === Kind.OBJECT_TYPE_DEFINITION && def.name.value === 'Query'
        ? (def.fields ?? []).map((f) => f.name.value)
        : [],
    ),
  );

  // The raw request text, read from a clone before yoga parses the original.
  const bodies = new WeakMap<Request, Promise<string>>();
  const keepBody: Plugin = {
    onRequestParse({ request }) {
      if (request.method === 'POST') bodies.set(request, request.clone().text());
    },
  };

  interface Context {
    request: Request;
  }
  const recordCall = async (ctx: Context, operation: Operation, value: Plain) => {
    const body = await bodies.get(ctx.request);
    record({
      exchange: ctx.request.headers.get(EXCHANGE_HEADER) ?? '',
      operation,
      value,
      ...(body === undefined ? {} : { body }),
    });
  };

  const query: Record<string, (parent: unknown, args: unknown, ctx: Context) => unknown> = {
    book: async (_parent, args, ctx) => {
      const value = toPlain(args);
      await recordCall(ctx, 'getBook', value);
      return book.id !== undefined && String(value.id) === String(book.id) ? book : null;
    },
  };
  if (queryFields.has('books')) {
    query.books = async (_parent, _args, ctx) => {
      await recordCall(ctx, 'listBooks', {});
      return [book];
    };
  }
  const schema = createSchema<Context>({
    typeDefs,
    resolvers: {
      ...scalars,
      Query: query,
      Mutation: {
        createBook: async (_parent: unknown, args: { book?: unknown }, ctx: Context) => {
          const value = toPlain(args.book);
          await recordCall(ctx, 'createBook', value);
          return { id: book.id ?? 1, ...value };
        },
      },
    },
  });
  const yoga = createYoga<Context>({
    schema,
    plugins: [keepBody],
    graphiql: false,
    logging: false,
    maskedErrors: false,
  });

  const server = createServer(yoga);
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => done());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
};
