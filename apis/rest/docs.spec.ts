import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { OPENAPI_YAML_PATH } from './openapi-document.ts';
import { fetchJson, type StartedServer, startTestServer } from './test-server.ts';

describe('the API description and its UI', () => {
  let srv: StartedServer;
  before(async () => {
    srv = await startTestServer();
  });
  after(async () => {
    await srv.close();
  });

  test('/openapi.json is the YAML document, as JSON', async () => {
    const res = await fetchJson(`${srv.base}/openapi.json`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const yaml: unknown = parse(readFileSync(OPENAPI_YAML_PATH, 'utf8'));
    assert.deepEqual(res.body, yaml);
    assert.equal((res.body as { openapi: string }).openapi, '3.1.0');
  });

  test('/docs is Swagger UI from local assets: no external host anywhere', async () => {
    const res = await fetch(`${srv.base}/docs`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    const html = await res.text();
    assert.doesNotMatch(html, /https?:|\/\/[a-z]/i);
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '');
    assert.ok(refs.length >= 4);
    for (const ref of refs) {
      assert.match(ref, /^\/docs\/[\w.-]+$/, `${ref} is served by this app`);
      const asset = await fetch(`${srv.base}${ref}`);
      assert.equal(asset.status, 200, ref);
      await asset.arrayBuffer();
    }
    const init = await (await fetch(`${srv.base}/docs/init.js`)).text();
    assert.match(init, /url: '\/openapi\.json'/);
    assert.match(init, /validatorUrl: null/);
    assert.doesNotMatch(init, /https?:/);
  });

  test('the package’s own page (which points at the public petstore) is not served', async () => {
    for (const file of ['index.html', 'swagger-initializer.js', '..%2Fpackage.json']) {
      const res = await fetchJson(`${srv.base}/docs/${file}`);
      assert.equal(res.status, 404, file);
      assert.equal((res.body as { code: string }).code, 'not_found');
    }
  });
});
