// Builds the REST adapter: an express 5 app validated against the hand-written OpenAPI
// document, plus the WebSocket upgrade handler for chat. It does not listen; the caller
// composes it into its own server (beside GraphQL) or a test's ephemeral one.

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import express, { type ErrorRequestHandler, type Request, type Response } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import { pino } from 'pino';
import type { Library } from '../domain/index.ts';
import { ChatSockets } from './chat-socket.ts';
import { buildDocsRouter } from './docs.ts';
import { LiveStreams } from './live-streams.ts';
import { loadOpenApiDocument } from './openapi-document.ts';
import { RestError, toProblemResponse } from './problem.ts';
import { buildBooksRouter } from './routes-books.ts';
import { buildCatalogRouter } from './routes-catalog.ts';
import { buildChatRouter, buildChatUpgradeHintRouter } from './routes-chat.ts';
import { buildReviewsRouter } from './routes-reviews.ts';
import { attachQueryCounter, runInQueryScope } from './store-queries.ts';
import type { RestApi, RestApiOptions, RestLogger } from './types.ts';

const MiB = 1024 * 1024;

type ApiSpec = Parameters<typeof OpenApiValidator.middleware>[0]['apiSpec'];

function buildErrorHandler(logger: RestLogger): ErrorRequestHandler {
  return (err: unknown, req: Request, res: Response, _next) => {
    const { problem, headers, unexpected } = toProblemResponse(err);
    if (unexpected) {
      logger.error({ err, method: req.method, url: req.originalUrl }, 'unexpected error');
    }
    if (res.headersSent) {
      // A stream failed after its first byte: the status is gone, so cut the connection and
      // let the client see an incomplete response rather than a clean end.
      res.destroy();
      return;
    }
    problem.instance = req.path;
    res
      .status(problem.status)
      .set(headers)
      .type('application/problem+json')
      .send(JSON.stringify(problem));
  };
}

export function buildRestApi(library: Library, options: RestApiOptions = {}): RestApi {
  const logger = options.logger ?? pino({ name: 'wirebench-rest' });
  const document = loadOpenApiDocument();
  const streams = new LiveStreams();
  const chat = new ChatSockets(library, logger);

  const app = express();
  app.disable('x-powered-by');
  // An ETag hashes every response body (12 MB for the default catalog): a cost that is not
  // the protocol's, and no client of the workbench revalidates.
  app.set('etag', false);

  const countQueries = options.storeQueriesHeader ?? true;
  if (countQueries) app.use(attachQueryCounter);
  // Outside the API description: the description itself, its UI, and the hint for a plain
  // GET on a WebSocket path.
  app.use(buildDocsRouter(document));
  app.use(buildChatUpgradeHintRouter());

  app.use(
    express.json({
      limit: options.bodyLimitBytes ?? MiB,
      type: ['application/json', 'application/merge-patch+json'],
    }),
  );
  app.use(
    OpenApiValidator.middleware({
      // The validator copies the document; ours stays as served at /openapi.json.
      apiSpec: document as unknown as ApiSpec,
      validateApiSpec: true,
      // allErrors: a client learns every bad field at once. The schemas are ours and bodies
      // are size-capped, which is what the option's security note asks for.
      validateRequests: { allowUnknownQueryParameters: false, allErrors: true },
      validateResponses: false,
      // The import body is a stream of lines that no body parser reads: its route checks the
      // media type and validates each line itself.
      ignorePaths: /^\/v1\/reviews\/import\/?$/,
    }),
  );
  if (countQueries) app.use(runInQueryScope);

  app.use(buildBooksRouter(library));
  app.use(buildCatalogRouter(library, streams));
  app.use(
    buildReviewsRouter(library, streams, {
      importMaxBytes: options.importLimitBytes ?? 32 * MiB,
      importMaxLineBytes: options.importLineLimitBytes ?? 64 * 1024,
      heartbeatMs: options.sseHeartbeatMs ?? 15_000,
    }),
  );
  app.use(buildChatRouter(library));

  app.use((req: Request) => {
    throw new RestError(404, 'not_found', `no route for ${req.method} ${req.path}`);
  });
  app.use(buildErrorHandler(logger));

  return {
    app,
    handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
      return chat.handleUpgrade(req, socket, head);
    },
    async close(): Promise<void> {
      await Promise.all([streams.close(), chat.close()]);
    },
  };
}
