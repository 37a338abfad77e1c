// The REST evolution client ('rest'): openapi-fetch calling the client's version's operations,
// reading responses through that version's schemas so undeclared properties drop out, as a
// program typed by the version's generated openapi.ts never sees them.

import createClient from 'openapi-fetch';
import {
  findOperation,
  loadOpenApi,
  plainToJson,
  projectJson,
} from '../../schemas/evolution/json-plain.ts';
import {
  type CreateEvolutionClient,
  EXCHANGE_HEADER,
  LoudFailure,
  type Plain,
} from '../../schemas/evolution/types.ts';

function failureMessage(text: string): string {
  try {
    const problem = JSON.parse(text) as { detail?: unknown; title?: unknown };
    if (typeof problem.detail === 'string') return problem.detail;
    if (typeof problem.title === 'string') return problem.title;
  } catch {
    // not JSON: the text is the message
  }
  return text;
}

export const createRestClient: CreateEvolutionClient = async ({ change, version, baseUrl }) => {
  const doc = loadOpenApi(change, version);
  return {
    async call(operation, request, exchange) {
      const info = findOperation(doc, operation);
      if (!info) throw new Error(`${change.name} ${version} declares no ${operation}`);
      let sent: string | undefined;
      let received: string | undefined;
      // A client per call, so that the fetch wrapper's captures belong to this call alone.
      // openapi-fetch's types are compile-time only and the version is chosen at run time, so
      // the client is untyped; its requests are what a client typed by
      // schemas/gen/evolution/<folder>/openapi.ts sends for the same call.
      const client = createClient({
        baseUrl,
        headers: { [EXCHANGE_HEADER]: exchange },
        fetch: async (req: Request) => {
          if (req.body) sent = await req.clone().text();
          const res = await fetch(req);
          received = await res.clone().text();
          return res;
        },
      });
      const path: Record<string, unknown> = {};
      const query: Record<string, unknown> = {};
      for (const param of info.parameters) {
        const inner = request[param.name];
        if (inner === undefined) continue;
        const value = param.schema ? plainToJson(doc, param.schema, inner) : inner;
        if (param.in === 'path') path[param.name] = value;
        if (param.in === 'query') query[param.name] = value;
      }
      const body =
        operation === 'createBook' && info.requestSchema
          ? plainToJson(doc, info.requestSchema, request)
          : undefined;
      const init = {
        params: { path, query },
        ...(body === undefined ? {} : { body }),
      };
      const method = info.method.toUpperCase() as 'GET' | 'POST';
      // biome-ignore lint/suspicious/noExplicitAny: untyped client, see above
      const result = await (client.request as any)(method, info.path, init);
      const response = result.response as globalThis.Response;
      if (!response.ok) {
        throw new LoudFailure(String(response.status), failureMessage(received ?? ''));
      }
      const value = info.responseSchema
        ? projectJson(doc, info.responseSchema, result.data)
        : (result.data as Plain);
      return {
        value: value as Plain,
        ...(sent === undefined ? {} : { sent }),
        ...(received === undefined ? {} : { received }),
      };
    },
    async close() {},
  };
};
