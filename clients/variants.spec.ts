// The descriptor table against what the clients and servers actually are: a fact written once
// must be true of the thing it describes.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ConnectVariant, createConnectClient } from './connect/index.ts';
import { VARIANTS } from './contract.ts';
import { createGrpcClient, type GrpcVariant } from './grpc/index.ts';
import { createClient } from './index.ts';
import {
  groupByServer,
  originOf,
  transportOfCeiling,
  VARIANT_TABLE,
  variantsOfCeiling,
} from './variants.ts';

const ENDPOINTS = { http: 'http://127.0.0.1:1', h2: 'http://127.0.0.1:2', grpc: '127.0.0.1:3' };

describe('variant descriptor table', () => {
  it('has one row per variant, named by its key', () => {
    assert.deepEqual(Object.keys(VARIANT_TABLE).sort(), [...VARIANTS].sort());
    for (const [key, row] of Object.entries(VARIANT_TABLE)) assert.equal(row.name, key);
  });

  it('agrees with itself: transport and HTTP version, codec and client codec', () => {
    for (const row of Object.values(VARIANT_TABLE)) {
      assert.equal(row.httpVersion, row.transport === 'h1' ? '1.1' : '2', row.name);
      assert.equal(transportOfCeiling(row.ceiling), row.transport, row.name);
      if (row.codec === 'json') assert.match(row.clientCodec, /json/, row.name);
      else assert.doesNotMatch(row.clientCodec, /json/, row.name);
      // A browser cannot speak gRPC (no access to HTTP/2 trailers from fetch).
      if (row.protocol === 'grpc') assert.equal(row.browser, false, row.name);
    }
  });

  it('gives each client library only the variants it implements', () => {
    for (const row of Object.values(VARIANT_TABLE)) {
      if (row.client === 'grpc-js') assert.equal(row.protocol, 'grpc', row.name);
      if (row.client === 'connect-node') {
        assert.ok(['connect', 'grpc-web'].includes(row.protocol), row.name);
      }
    }
  });

  it('is what the clients report: their variant and capabilities', async () => {
    for (const variant of VARIANTS) {
      const client = createClient(variant, ENDPOINTS);
      try {
        assert.equal(client.variant, variant);
        assert.deepEqual(client.capabilities, VARIANT_TABLE[variant].capabilities);
      } finally {
        await client.close();
      }
    }
    // The factories the table picks from are the ones a direct call would use.
    const grpc = createGrpcClient('grpc-connect' satisfies GrpcVariant, ENDPOINTS);
    const connect = createConnectClient('grpc-web-h1' satisfies ConnectVariant, ENDPOINTS);
    assert.equal(grpc.variant, 'grpc-connect');
    assert.equal(connect.variant, 'grpc-web-h1');
    await Promise.all([grpc.close(), connect.close()]);
  });

  it('bidi is n/a exactly where HTTP/1.1 carries a connect-node call', () => {
    for (const row of Object.values(VARIANT_TABLE)) {
      const h1Connect = row.server === 'connect-node' && row.transport === 'h1';
      assert.equal(row.capabilities.bidi.supported, !h1Connect, row.name);
    }
  });

  it('derives origins, server groups and ceilings from the rows', () => {
    assert.equal(originOf('grpc', ENDPOINTS), 'http://127.0.0.1:3');
    assert.equal(originOf('grpc-connect', ENDPOINTS), ENDPOINTS.h2);
    assert.equal(originOf('connect-json-h1', ENDPOINTS), ENDPOINTS.http);
    assert.deepEqual(
      groupByServer(['grpc', 'rest', 'grpc-web-h2', 'grpc-connect']),
      new Map([
        ['grpc', ['grpc']],
        ['rest', ['rest']],
        ['connect', ['grpc-web-h2', 'grpc-connect']],
      ]),
    );
    assert.deepEqual(variantsOfCeiling('connect-h2'), [
      'grpc-connect',
      'connect-json-h2',
      'connect-proto-h2',
      'grpc-web-h2',
    ]);
  });
});
