// Server reflection on the Connect servers, through connect-node clients over real HTTP/2: what
// each request kind answers, that the descriptors are buf's own compilation of the contract,
// that imports go out once per stream, and that HTTP/1.1 refuses the bidi call.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { request as h1Request } from 'node:http';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { fromBinary, type MessageInitShape, toBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { Code, createClient, type Transport } from '@connectrpc/connect';
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
  Http2SessionManager,
} from '@connectrpc/connect-node';
import {
  ServerReflection,
  type ServerReflectionRequestSchema,
  type ServerReflectionResponse,
} from '../../schemas/gen/es/grpc/reflection/v1/reflection_pb.ts';
import { ServerReflection as ServerReflectionV1alpha } from '../../schemas/gen/es/grpc/reflection/v1alpha/reflection_pb.ts';
import { Library } from '../domain/index.ts';
import { startServers } from './test-support.ts';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const LIBRARY_FILES = [
  'library/v1/library.proto',
  'google/protobuf/field_mask.proto',
  'google/protobuf/timestamp.proto',
];

const library = Library.open({ scale: 'small' });
const servers = await startServers(library);
const session = new Http2SessionManager(servers.h2Url);
const grpc = createGrpcTransport({ baseUrl: servers.h2Url, sessionManager: session });
const client = createClient(ServerReflection, grpc);

after(async () => {
  session.abort();
  await servers.close();
  library.close();
});

type RequestInit = MessageInitShape<typeof ServerReflectionRequestSchema>;

/** One reflection stream: sends every request, then collects the answers in order. */
async function reflect(
  requests: RequestInit[],
  transport: Transport = grpc,
): Promise<ServerReflectionResponse[]> {
  const out: ServerReflectionResponse[] = [];
  const own = transport === grpc ? client : createClient(ServerReflection, transport);
  for await (const res of own.serverReflectionInfo(
    (async function* () {
      yield* requests;
    })(),
  )) {
    out.push(res);
  }
  return out;
}

/** The file names of a file_descriptor_response, in the order they were sent. */
function fileNames(res: ServerReflectionResponse | undefined): string[] {
  assert.equal(res?.messageResponse.case, 'fileDescriptorResponse', JSON.stringify(res));
  return res.messageResponse.value.fileDescriptorProto.map(
    (bytes) => fromBinary(FileDescriptorProtoSchema, bytes).name,
  );
}

function errorOf(res: ServerReflectionResponse | undefined): { code: number; message: string } {
  assert.equal(res?.messageResponse.case, 'errorResponse', JSON.stringify(res));
  return {
    code: res.messageResponse.value.errorCode,
    message: res.messageResponse.value.errorMessage,
  };
}

describe('grpc.reflection.v1 on the HTTP/2 server', () => {
  test('list_services names LibraryService and echoes the request', async () => {
    const [res] = await reflect([
      { host: 'example.test', messageRequest: { case: 'listServices', value: '*' } },
    ]);
    assert.equal(res?.validHost, 'example.test');
    assert.deepEqual(res?.originalRequest?.messageRequest, { case: 'listServices', value: '*' });
    assert.equal(res?.messageResponse.case, 'listServicesResponse');
    assert.deepEqual(
      res.messageResponse.value.service.map((s) => s.name),
      ['library.v1.LibraryService'],
    );
  });

  test('the descriptors are byte for byte those buf compiles from schemas/proto', async () => {
    const [res] = await reflect([
      { messageRequest: { case: 'fileContainingSymbol', value: 'library.v1.LibraryService' } },
    ]);
    assert.deepEqual(fileNames(res), LIBRARY_FILES);
    const { stdout } = await promisify(execFile)(
      `${REPO_ROOT}node_modules/.bin/buf`,
      ['build', 'schemas/proto', '--as-file-descriptor-set', '--exclude-source-info', '-o', '-'],
      { cwd: REPO_ROOT, encoding: 'buffer', maxBuffer: 16 * 1024 * 1024 },
    );
    const compiled = new Map(
      fromBinary(FileDescriptorSetSchema, stdout).file.map((f) => [
        f.name,
        Buffer.from(toBinary(FileDescriptorProtoSchema, f)),
      ]),
    );
    assert.ok(res?.messageResponse.case === 'fileDescriptorResponse');
    for (const bytes of res.messageResponse.value.fileDescriptorProto) {
      const name = fromBinary(FileDescriptorProtoSchema, bytes).name;
      assert.ok(compiled.get(name)?.equals(bytes), `${name} differs from buf build`);
    }
  });

  test('a stream sends each import once; the requested file always', async () => {
    const responses = await reflect([
      { messageRequest: { case: 'fileContainingSymbol', value: 'library.v1.Book' } },
      { messageRequest: { case: 'fileByFilename', value: 'google/protobuf/timestamp.proto' } },
      { messageRequest: { case: 'fileContainingSymbol', value: 'library.v1.LibraryService' } },
    ]);
    assert.deepEqual(responses.map(fileNames), [
      LIBRARY_FILES,
      ['google/protobuf/timestamp.proto'],
      ['library/v1/library.proto'],
    ]);
    // A new stream starts afresh.
    const [again] = await reflect([
      { messageRequest: { case: 'fileByFilename', value: 'library/v1/library.proto' } },
    ]);
    assert.deepEqual(fileNames(again), LIBRARY_FILES);
  });

  test('methods, fields, oneofs and enum values resolve to the file that declares them', async () => {
    const symbols = [
      'library.v1.LibraryService.GetBook',
      'library.v1.Book.title',
      'library.v1.GENRE_FICTION',
      'google.protobuf.Timestamp',
      'google.protobuf.FieldMask.paths',
    ];
    const responses = await reflect(
      symbols.map((value) => ({ messageRequest: { case: 'fileContainingSymbol', value } })),
    );
    assert.deepEqual(
      responses.map((r) => fileNames(r)[0]),
      [
        'library/v1/library.proto',
        'library/v1/library.proto',
        'library/v1/library.proto',
        'google/protobuf/timestamp.proto',
        'google/protobuf/field_mask.proto',
      ],
    );
  });

  test('unknown names get NOT_FOUND in the stream, which carries on', async () => {
    const responses = await reflect([
      { messageRequest: { case: 'fileByFilename', value: 'library/v2/library.proto' } },
      { messageRequest: { case: 'fileContainingSymbol', value: 'library.v1.Nope' } },
      { messageRequest: { case: 'fileContainingSymbol', value: 'library.v1.LibraryService.Nope' } },
      {
        messageRequest: {
          case: 'fileContainingExtension',
          value: { containingType: 'library.v1.Book', extensionNumber: 1000 },
        },
      },
      { messageRequest: { case: 'allExtensionNumbersOfType', value: 'library.v1.Nope' } },
      { messageRequest: { case: 'allExtensionNumbersOfType', value: 'library.v1.Book' } },
      {},
      { messageRequest: { case: 'listServices', value: '' } },
    ]);
    assert.deepEqual(responses.slice(0, 5).map(errorOf), [
      { code: Code.NotFound, message: 'file not found: library/v2/library.proto' },
      { code: Code.NotFound, message: 'symbol not found: library.v1.Nope' },
      { code: Code.NotFound, message: 'symbol not found: library.v1.LibraryService.Nope' },
      { code: Code.NotFound, message: 'extension not found: library.v1.Book 1000' },
      { code: Code.NotFound, message: 'type not found: library.v1.Nope' },
    ]);
    const numbers = responses[5]?.messageResponse;
    assert.equal(numbers?.case, 'allExtensionNumbersResponse');
    assert.deepEqual(
      { base: numbers.value.baseTypeName, numbers: numbers.value.extensionNumber },
      { base: 'library.v1.Book', numbers: [] },
    );
    assert.deepEqual(errorOf(responses[6]), {
      code: Code.InvalidArgument,
      message: 'no message_request set',
    });
    assert.equal(responses[7]?.messageResponse.case, 'listServicesResponse');
  });
});

describe('reflection versions and protocols', () => {
  test('grpc.reflection.v1alpha answers as v1 does', async () => {
    const alpha = createClient(ServerReflectionV1alpha, grpc);
    const out = [];
    for await (const res of alpha.serverReflectionInfo(
      (async function* () {
        yield { messageRequest: { case: 'listServices' as const, value: '' } };
        yield {
          messageRequest: {
            case: 'fileContainingSymbol' as const,
            value: 'library.v1.LibraryService',
          },
        };
      })(),
    )) {
      out.push(res.messageResponse);
    }
    assert.equal(out[0]?.case, 'listServicesResponse');
    assert.deepEqual(
      out[0].value.service.map((s) => s.name),
      ['library.v1.LibraryService'],
    );
    assert.equal(out[1]?.case, 'fileDescriptorResponse');
    assert.deepEqual(
      out[1].value.fileDescriptorProto.map((b) => fromBinary(FileDescriptorProtoSchema, b).name),
      LIBRARY_FILES,
    );
  });

  for (const [name, create] of [
    ['Connect', createConnectTransport],
    ['gRPC-Web', createGrpcWebTransport],
  ] as const) {
    test(`served over ${name} on HTTP/2`, async () => {
      const own = new Http2SessionManager(servers.h2Url);
      try {
        const transport = create({
          httpVersion: '2',
          baseUrl: servers.h2Url,
          sessionManager: own,
        });
        const [res] = await reflect(
          [{ messageRequest: { case: 'fileContainingSymbol', value: 'library.v1.Review' } }],
          transport,
        );
        assert.deepEqual(fileNames(res), LIBRARY_FILES);
      } finally {
        own.abort();
      }
    });
  }

  test('the HTTP/1.1 server hands reflection to connect-node, which refuses bidi with 505', async () => {
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = h1Request(
        `${servers.h1Url}/grpc.reflection.v1.ServerReflection/ServerReflectionInfo`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/connect+proto', connection: 'close' },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode));
        },
      );
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 505);
  });
});
