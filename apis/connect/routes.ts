// The routes connect-node serves: the one LibraryService implementation, each method wrapped
// so that whatever it throws becomes a ConnectError with proto field paths.

import {
  Code,
  type ConnectRouter,
  type HandlerContext,
  type ServiceImpl,
} from '@connectrpc/connect';
import type { Logger } from 'pino';
import {
  file_library_v1_library,
  LibraryService,
} from '../../schemas/gen/es/library/v1/library_pb.ts';
import type { Library } from '../domain/index.ts';
import {
  createFieldPathMapper,
  type FieldPathMapper,
  toConnectError,
  toSnakeCasePath,
} from './errors.ts';
import { registerReflection } from './reflection.ts';
import { createLibraryService } from './service.ts';

type MethodName = keyof typeof LibraryService.method;

const PAGED = createFieldPathMapper({ rename: { cursor: 'page_token' } });
const IN_BOOK = createFieldPathMapper({ prefix: 'book.' });

/**
 * Where a domain field lives in each request: `priceCents` of CreateBook is
 * `book.price_cents`, the domain's `cursor` is `page_token`. Every other method's domain
 * paths only need snake_case (`reviews[3].bookId` -> `reviews[3].book_id`).
 */
const FIELD_PATHS: Partial<Record<MethodName, FieldPathMapper>> = {
  listBooks: PAGED,
  listAuthors: PAGED,
  getAuthorTree: PAGED,
  createBook: IN_BOOK,
  updateBook: IN_BOOK,
};

export interface ConnectRoutesOptions {
  /** Receives internal errors (their message is masked for the client). */
  logger?: Logger | undefined;
}

type AnyHandler = (input: unknown, ctx: HandlerContext) => unknown;

/**
 * Wraps every method so that what it throws leaves as a ConnectError: through the return
 * for unary and client streaming, through the iteration for server streaming and bidi.
 * Done on the implementation rather than with an interceptor passed to router.service():
 * connect-es 2.1 takes the protocol switches from those per-service options, so giving
 * any would silently re-enable gRPC on the HTTP/1.1 handler.
 */
function translateErrors(
  impl: ServiceImpl<typeof LibraryService>,
  options: ConnectRoutesOptions,
): ServiceImpl<typeof LibraryService> {
  const wrapped: Record<string, AnyHandler> = {};
  for (const method of LibraryService.methods) {
    const name = method.localName as MethodName;
    const handler = impl[name] as AnyHandler;
    const mapFieldPath = FIELD_PATHS[name] ?? toSnakeCasePath;
    const translate = (err: unknown, ctx: HandlerContext) => {
      const error = toConnectError(err, mapFieldPath, ctx.signal);
      if (error.code === Code.Internal || error.code === Code.Unknown) {
        options.logger?.error({ err: error.cause ?? err, rpc: method.name }, 'rpc failed');
      }
      return error;
    };
    if (method.methodKind === 'unary' || method.methodKind === 'client_streaming') {
      wrapped[name] = async (input, ctx) => {
        try {
          return await handler(input, ctx);
        } catch (err) {
          throw translate(err, ctx);
        }
      };
    } else {
      wrapped[name] = async function* (input, ctx) {
        try {
          yield* handler(input, ctx) as AsyncIterable<unknown>;
        } catch (err) {
          throw translate(err, ctx);
        }
      };
    }
  }
  return wrapped as unknown as ServiceImpl<typeof LibraryService>;
}

/**
 * The router function for connectNodeAdapter (or any other connect-es server adapter):
 * LibraryService and the gRPC server reflection that describes it.
 */
export function buildConnectRoutes(
  library: Library,
  options: ConnectRoutesOptions = {},
): (router: ConnectRouter) => void {
  const service = translateErrors(createLibraryService(library), options);
  return (router) => {
    router.service(LibraryService, service);
    registerReflection(router, [file_library_v1_library]);
  };
}
