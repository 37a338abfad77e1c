// GET /openapi.json and the Swagger UI at /docs. The UI's assets come from the installed
// swagger-ui-dist, never from a CDN, so that the docs work offline and leak no request.

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Router } from 'express';
import { RestError } from './problem.ts';

const swaggerUiDir = dirname(
  createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'),
);

// Only these files are served: the package's own index.html and swagger-initializer.js point
// at the public petstore example, which is exactly what must not load.
const ASSETS = new Set([
  'swagger-ui.css',
  'swagger-ui.css.map',
  'index.css',
  'swagger-ui-bundle.js',
  'swagger-ui-bundle.js.map',
  'swagger-ui-standalone-preset.js',
  'swagger-ui-standalone-preset.js.map',
  'favicon-32x32.png',
  'favicon-16x16.png',
]);

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>wirebench REST API</title>
    <link rel="stylesheet" href="/docs/swagger-ui.css">
    <link rel="stylesheet" href="/docs/index.css">
    <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/swagger-ui-bundle.js"></script>
    <script src="/docs/swagger-ui-standalone-preset.js"></script>
    <script src="/docs/init.js"></script>
  </body>
</html>
`;

// validatorUrl: null, or Swagger UI sends the document to validator.swagger.io for a badge.
const INIT_SCRIPT = `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: 'StandaloneLayout',
  });
};
`;

// The browser enforces what the page promises: nothing but this origin (Swagger UI sets
// inline styles, and draws a few icons as data: URLs).
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "script-src 'self'; connect-src 'self'; frame-ancestors 'none'";

export function buildDocsRouter(document: Readonly<Record<string, unknown>>): Router {
  const router = Router();
  const json = JSON.stringify(document);

  router.get('/openapi.json', (_req, res) => {
    res.type('application/json').send(json);
  });

  // /docs and /docs/ both land here (non-strict routing), hence absolute asset paths.
  router.get('/docs', (_req, res) => {
    res.setHeader('content-security-policy', CONTENT_SECURITY_POLICY);
    res.type('html').send(PAGE);
  });

  router.get('/docs/init.js', (_req, res) => {
    res.type('text/javascript').send(INIT_SCRIPT);
  });

  router.get('/docs/:file', (req, res, next) => {
    const file = req.params.file;
    if (!ASSETS.has(file)) {
      next(new RestError(404, 'not_found', `no such documentation asset: ${file}`));
      return;
    }
    res.sendFile(join(swaggerUiDir, file), { maxAge: '1h' }, (err) => {
      if (err) next(err);
    });
  });

  return router;
}
