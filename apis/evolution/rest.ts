// The REST evolution server: express with express-openapi-validator driven by the version's
// openapi.yaml, so a request its contract refuses gets the validator's 400, and a handler that
// reads what its contract declares, as a typed handler of that version would.

import { createServer, STATUS_CODES } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler, type Request, type Response } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import {
  coerceParameter,
  findOperation,
  loadOpenApi,
  type OpenApiOperationInfo,
  plainToJson,
  projectJson,
} from '../../schemas/evolution/json-plain.ts';
import {
  EXCHANGE_HEADER,
  type Operation,
  type Plain,
  type StartEvolutionServer,
} from '../../schemas/evolution/types.ts';

type ApiSpec = Parameters<typeof OpenApiValidator.middleware>[0]['apiSpec'];

/** The raw body text, kept by the JSON parser's verify hook for ServerRecord.body. */
const RAW_BODY = Symbol('rawBody');
type WithRawBody = Request & { [RAW_BODY]?: string };

function sendProblem(res: Response, status: number, title: string, detail?: string): void {
  res
    .status(status)
    .type('application/problem+json')
    .send(JSON.stringify({ type: 'about:blank', title, status, ...(detail ? { detail } : {}) }));
}

/** Express path syntax for an OpenAPI path: /books/{id} → /books/:id. */
function toExpressPath(path: string): string {
  return path.replace(/\{([^}]+)\}/g, ':$1');
}

export const startRestServer: StartEvolutionServer = async ({ change, version, record }) => {
  const doc = loadOpenApi(change, version);
  const book = change.book[version];
  const app = express();
  // The validator needs the parsed body; the verify hook keeps the text as it arrived.
  app.use(
    express.json({
      verify: (req, _res, buf) => {
        (req as WithRawBody)[RAW_BODY] = buf.toString('utf8');
      },
    }),
  );
  app.use(
    OpenApiValidator.middleware({
      apiSpec: doc as unknown as ApiSpec,
      validateApiSpec: true,
      // The library's defaults: unknown query parameters are refused, which is one of the
      // things the lab observes when a new client meets an old server.
      validateRequests: true,
      validateResponses: false,
    }),
  );

  const exchangeOf = (req: Request) => String(req.header(EXCHANGE_HEADER) ?? '');
  const route = (
    operation: Operation,
    handle: (req: Request, info: OpenApiOperationInfo, res: Response) => void,
  ) => {
    const info = findOperation(doc, operation);
    if (!info) return;
    const method = info.method as 'get' | 'post';
    app[method](toExpressPath(info.path), (req, res) => handle(req, info, res));
  };

  route('getBook', (req, info, res) => {
    // What a typed handler sees: the declared parameters, typed as declared.
    const value: Plain = {};
    for (const param of info.parameters) {
      // The validator coerces parameters in place and fills in declared defaults; a scalar is
      // typed again from its text, so the record does not depend on how far it went.
      const given: unknown =
        param.in === 'path'
          ? req.params[param.name]
          : param.in === 'query'
            ? (req.query as Record<string, unknown>)[param.name]
            : undefined;
      if (typeof given === 'string' || typeof given === 'number' || typeof given === 'boolean')
        value[param.name] = coerceParameter(doc, param.schema, String(given));
    }
    record({ exchange: exchangeOf(req), operation: 'getBook', value, body: req.originalUrl });
    if (book.id === undefined || String(value.id) !== String(book.id)) {
      sendProblem(res, 404, 'Not Found', `no book with id ${String(value.id)}`);
      return;
    }
    res.json(info.responseSchema ? plainToJson(doc, info.responseSchema, book) : book);
  });

  route('createBook', (req, info, res) => {
    const raw = (req as WithRawBody)[RAW_BODY];
    const value = (
      info.requestSchema ? projectJson(doc, info.requestSchema, req.body) : req.body
    ) as Plain;
    record({
      exchange: exchangeOf(req),
      operation: 'createBook',
      value,
      ...(raw === undefined ? {} : { body: raw }),
    });
    const stored: Plain = { id: book.id ?? 1, ...value };
    res
      .status(201)
      .json(info.responseSchema ? plainToJson(doc, info.responseSchema, stored) : stored);
  });

  route('listBooks', (req, info, res) => {
    record({ exchange: exchangeOf(req), operation: 'listBooks', value: {}, body: req.originalUrl });
    const list: Plain = { books: [book] };
    res.json(info.responseSchema ? plainToJson(doc, info.responseSchema, list) : list);
  });

  const onError: ErrorRequestHandler = (err: unknown, _req, res, _next) => {
    const status = (err as { status?: unknown }).status;
    const code = typeof status === 'number' ? status : 500;
    const message = err instanceof Error ? err.message : String(err);
    sendProblem(res, code, STATUS_CODES[code] ?? 'Error', message);
  };
  app.use(onError);

  const server = createServer(app);
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
