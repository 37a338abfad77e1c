// CORS for browser clients of Connect and gRPC-Web (connect-web): answers preflights and
// exposes the status headers, with the header lists connect-es publishes (`cors` helper).

import { cors } from '@connectrpc/connect';
import type { connectNodeAdapter } from '@connectrpc/connect-node';

/** connect-node's handler type (compatible with http and http2 request listeners). */
export type NodeHandlerFn = ReturnType<typeof connectNodeAdapter>;
export type NodeServerRequest = Parameters<NodeHandlerFn>[0];
export type NodeServerResponse = Parameters<NodeHandlerFn>[1];

export interface CorsOptions {
  /**
   * Origins a browser may call from, exactly as sent in the Origin header
   * (`https://app.example`); `'*'` allows every origin. Default `'*'`: the API carries no
   * cookies or user data.
   */
  allowedOrigins?: '*' | readonly string[] | undefined;
  /**
   * Lets browsers send cookies / HTTP auth. Only with an explicit origin list: the Fetch
   * standard refuses `Access-Control-Allow-Origin: *` with credentials, so the combination is
   * a configuration error here rather than a silent failure in the browser.
   */
  allowCredentials?: boolean | undefined;
  /** How long a browser may cache a preflight answer. */
  maxAgeSeconds?: number | undefined;
}

/** Header values the adapter sends; exported so that tests assert the same lists. */
export const CORS_ALLOWED_METHODS = cors.allowedMethods.join(', ');
export const CORS_ALLOWED_HEADERS = cors.allowedHeaders.join(', ');
export const CORS_EXPOSED_HEADERS = cors.exposedHeaders.join(', ');

function headerOf(req: NodeServerRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Wraps a node handler: preflights are answered here, other requests get CORS headers. */
export function withCors(handler: NodeHandlerFn, options: CorsOptions = {}): NodeHandlerFn {
  const allowed = options.allowedOrigins ?? '*';
  const credentials = options.allowCredentials ?? false;
  if (credentials && allowed === '*') {
    throw new Error('CORS: allowCredentials needs an explicit list of allowedOrigins, not "*"');
  }
  const maxAge = String(options.maxAgeSeconds ?? 7_200);
  const isAllowed = (origin: string) => allowed === '*' || allowed.includes(origin);
  // With a list the answer depends on Origin, so caches must key on it.
  const allowOrigin = (origin: string) => (allowed === '*' ? '*' : origin);

  return (req, res) => {
    const origin = headerOf(req, 'origin');
    if (origin === undefined) {
      handler(req, res);
      return;
    }
    if (allowed !== '*') res.setHeader('vary', 'origin');
    const preflight =
      req.method === 'OPTIONS' && headerOf(req, 'access-control-request-method') !== undefined;
    if (preflight) {
      if (!isAllowed(origin)) {
        res.writeHead(403, { 'content-length': '0' });
        res.end();
        return;
      }
      const headers: Record<string, string> = {
        'access-control-allow-origin': allowOrigin(origin),
        'access-control-allow-methods': CORS_ALLOWED_METHODS,
        'access-control-allow-headers': CORS_ALLOWED_HEADERS,
        'access-control-max-age': maxAge,
      };
      if (credentials) headers['access-control-allow-credentials'] = 'true';
      res.writeHead(204, headers);
      res.end();
      return;
    }
    if (isAllowed(origin)) {
      res.setHeader('access-control-allow-origin', allowOrigin(origin));
      res.setHeader('access-control-expose-headers', CORS_EXPOSED_HEADERS);
      if (credentials) res.setHeader('access-control-allow-credentials', 'true');
    }
    handler(req, res);
  };
}
