// The GraphQL evolution client ('graphql'): graphql-request sending documents derived from the
// client's version's SDL. The derivation stands in for a codegen'd document: it selects every
// field of Book recursively, which is exactly what a client written against that SDL sends.

import {
  buildSchema,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  isObjectType,
} from 'graphql';
import { ClientError, GraphQLClient } from 'graphql-request';
import { loadSdl } from '../../schemas/evolution/json-plain.ts';
import {
  type CreateEvolutionClient,
  EXCHANGE_HEADER,
  LoudFailure,
  type Operation,
  type Plain,
} from '../../schemas/evolution/types.ts';

/** The selection set of every field of a type, nested objects included (no cycles here). */
function selectAll(type: GraphQLNamedType, depth = 0): string {
  if (!isObjectType(type) || depth > 8) return '';
  const fields = Object.values(type.getFields())
    // A field with a required argument cannot be selected without inventing a value.
    .filter((f) => f.args.every((a) => !String(a.type).endsWith('!')))
    .map((f) => `${f.name}${selectAll(getNamedType(f.type), depth + 1)}`);
  return ` { ${fields.join(' ')} }`;
}

interface Document {
  text: string;
  field: string;
  variables: Record<string, unknown>;
}

function rootField(schema: GraphQLSchema, root: 'Query' | 'Mutation', name: string) {
  const type = root === 'Query' ? schema.getQueryType() : schema.getMutationType();
  return type?.getFields()[name];
}

/** Arguments of a field from what the request plain has and the field declares. */
function argumentsOf(field: GraphQLField<unknown, unknown>, request: Plain) {
  const args = field.args.filter((a) => request[a.name] !== undefined);
  const variables = Object.fromEntries(args.map((a) => [a.name, request[a.name]]));
  const defs = args.map((a) => `$${a.name}: ${String(a.type)}`).join(', ');
  const uses = args.map((a) => `${a.name}: $${a.name}`).join(', ');
  return { variables, defs: defs && `(${defs})`, uses: uses && `(${uses})` };
}

function buildDocument(
  schema: GraphQLSchema,
  operation: Operation,
  request: Plain,
): Document | undefined {
  const [root, name, kind, fieldName] =
    operation === 'createBook'
      ? (['Mutation', 'CreateBook', 'mutation', 'createBook'] as const)
      : operation === 'listBooks'
        ? (['Query', 'ListBooks', 'query', 'books'] as const)
        : (['Query', 'GetBook', 'query', 'book'] as const);
  const field = rootField(schema, root, fieldName);
  if (!field) return undefined;
  const { variables, defs, uses } =
    operation === 'createBook'
      ? argumentsOf(field, { book: request })
      : argumentsOf(field, request);
  const selection = selectAll(getNamedType(field.type));
  return {
    text: `${kind} ${name}${defs} { ${fieldName}${uses}${selection} }`,
    field: fieldName,
    variables,
  };
}

export const createGraphqlClient: CreateEvolutionClient = async ({ change, version, baseUrl }) => {
  const schema = buildSchema(loadSdl(change, version));
  return {
    async call(operation, request, exchange) {
      const document = buildDocument(schema, operation, request);
      if (!document) throw new Error(`${change.name} ${version} declares no ${operation}`);
      let sent: string | undefined;
      let received: string | undefined;
      let status = 0;
      const client = new GraphQLClient(`${baseUrl}/graphql`, {
        headers: { [EXCHANGE_HEADER]: exchange },
        fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
          if (typeof init?.body === 'string') sent = init.body;
          const res = await fetch(input, init);
          status = res.status;
          received = await res.clone().text();
          return res;
        },
      });
      let data: Record<string, unknown>;
      try {
        const result = await client.rawRequest<Record<string, unknown>>(
          document.text,
          document.variables,
        );
        data = result.data;
      } catch (err) {
        if (!(err instanceof ClientError)) throw err;
        const first = err.response.errors?.[0];
        const code = first?.extensions?.code;
        const message = first?.message ?? (received || err.message);
        throw new LoudFailure(
          typeof code === 'string' ? code : 'GRAPHQL_ERROR',
          status === 200 ? message : `HTTP ${status}: ${message}`,
        );
      }
      const answer = data[document.field];
      if (answer === null || answer === undefined) {
        // book(id) answers null for an id it does not hold. GraphQL has no error for that, but
        // the caller has no book to read, which the lab reports as REST's 404 is reported.
        throw new LoudFailure('NOT_FOUND', `${document.field} answered null`);
      }
      const value: Plain =
        operation === 'listBooks' ? { books: answer as Plain[] } : (answer as Plain);
      return {
        value,
        ...(sent === undefined ? {} : { sent }),
        ...(received === undefined ? {} : { received }),
      };
    },
    async close() {},
  };
};
