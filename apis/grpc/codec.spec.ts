// The two generated codecs of the contract agree byte for byte: what the grpc-js server
// encodes with protobufjs is exactly what protobuf-es (Connect) encodes for the same domain
// values, and each decodes the other's bytes. This is what lets a shootout compare the
// transports rather than two different payloads.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  create,
  createRegistry,
  fromBinary,
  type MessageInitShape,
  toBinary,
} from '@bufbuild/protobuf';
import { anyUnpack, timestampFromMs } from '@bufbuild/protobuf/wkt';
import * as grpc from '@grpc/grpc-js';
import {
  BadRequestSchema,
  file_google_rpc_error_details,
} from '../../schemas/gen/es/google/rpc/error_details_pb.ts';
import { StatusSchema } from '../../schemas/gen/es/google/rpc/status_pb.ts';
import {
  type AuthorSchema,
  type BookSchema,
  ChatResponseSchema,
  ExportCatalogResponseSchema,
  GenreSchema,
  GetAuthorTreeResponseSchema,
  ImportReviewsRequestSchema,
  ListAuthorsResponseSchema,
  type ReviewSchema,
  UpdateBookRequestSchema,
} from '../../schemas/gen/es/library/v1/library_pb.ts';
import { library as pb } from '../../schemas/gen/pbjs/library_pb.js';
import {
  type Author,
  type Book,
  type ChatMessage,
  GENRES,
  Library,
  type Review,
} from '../domain/index.ts';
import {
  toAuthorMessage,
  toAuthorTreeMessage,
  toBookMessage,
  toChatMessage,
  toGenreMessage,
} from './convert.ts';
import { STATUS_DETAILS_KEY, toServiceError } from './errors.ts';
import { toDomainBook } from './test-support.ts';

// The obvious protobuf-es mapping of domain values, as a Connect adapter would write it.
const esGenre = (g: Book['genre']) => {
  const value = GenreSchema.values.find((v) => v.name === `GENRE_${g.toUpperCase()}`);
  assert.ok(value, g);
  return value.number;
};
const esTime = (text: string) => timestampFromMs(Date.parse(text));
const esBook = (b: Book): MessageInitShape<typeof BookSchema> => ({
  ...b,
  genre: esGenre(b.genre),
  publishedAt: esTime(b.publishedAt),
});
const esAuthor = (a: Author): MessageInitShape<typeof AuthorSchema> => ({
  ...a,
  createdAt: esTime(a.createdAt),
});
const esReview = (r: Review): MessageInitShape<typeof ReviewSchema> => ({
  ...r,
  createdAt: esTime(r.createdAt),
});
const esChat = (c: ChatMessage) => ({ ...c, sentAt: esTime(c.sentAt) });

let library: Library;

before(() => {
  library = Library.open({ scale: 'small' });
});

after(() => {
  library.close();
});

const edgeBook: Book = {
  id: 2 ** 31 - 1,
  authorId: 1,
  title: 'Ünïcødé — 書',
  isbn: '9780306406157',
  genre: 'poetry',
  tags: [],
  priceCents: 0,
  pages: 1,
  publishedAt: '1970-01-01T00:00:00.000Z',
  description: '',
};

describe('protobufjs and protobuf-es encode identical bytes', () => {
  test('the whole catalog (ExportCatalogResponse), and edge values', () => {
    const books = [...library.exportCatalog(), edgeBook];
    const pbjs = pb.v1.ExportCatalogResponse.encode({ books: books.map(toBookMessage) }).finish();
    const es = toBinary(
      ExportCatalogResponseSchema,
      create(ExportCatalogResponseSchema, { books: books.map(esBook) }),
    );
    assert.ok(Buffer.from(pbjs).equals(Buffer.from(es)));
  });

  test('authors, the author tree, reviews and chat messages', () => {
    const authors = library.listAuthors({ pageSize: 100 });
    assert.ok(
      Buffer.from(
        pb.v1.ListAuthorsResponse.encode({
          authors: authors.items.map(toAuthorMessage),
          ...(authors.nextCursor ? { nextPageToken: authors.nextCursor } : {}),
        }).finish(),
      ).equals(
        Buffer.from(
          toBinary(
            ListAuthorsResponseSchema,
            create(ListAuthorsResponseSchema, {
              authors: authors.items.map(esAuthor),
              nextPageToken: authors.nextCursor ?? '',
            }),
          ),
        ),
      ),
    );

    const tree = library.authorTree({ pageSize: 5, reviewsPerBook: 3 });
    const pbjsTree = pb.v1.GetAuthorTreeResponse.encode({
      authors: tree.items.map(toAuthorTreeMessage),
      ...(tree.nextCursor ? { nextPageToken: tree.nextCursor } : {}),
    }).finish();
    const esTree = toBinary(
      GetAuthorTreeResponseSchema,
      create(GetAuthorTreeResponseSchema, {
        authors: tree.items.map(({ books, ...author }) => ({
          author: esAuthor(author),
          books: books.map(({ reviews, ...book }) => ({
            book: esBook(book),
            reviews: reviews.map(esReview),
          })),
        })),
        nextPageToken: tree.nextCursor ?? '',
      }),
    );
    assert.ok(Buffer.from(pbjsTree).equals(Buffer.from(esTree)));

    const chat: ChatMessage = {
      room: 'r',
      sender: 's',
      text: 'hello',
      sentAt: '2030-01-02T03:04:05.678Z',
    };
    assert.ok(
      Buffer.from(pb.v1.ChatResponse.encode({ message: toChatMessage(chat) }).finish()).equals(
        Buffer.from(
          toBinary(ChatResponseSchema, create(ChatResponseSchema, { message: esChat(chat) })),
        ),
      ),
    );
  });

  test('requests: a review import message and an update with a field mask', () => {
    const review = { bookId: 3, reviewer: 'x', rating: 5 };
    const esReviewBytes = Buffer.from(
      toBinary(ImportReviewsRequestSchema, create(ImportReviewsRequestSchema, { review })),
    );
    assert.ok(
      Buffer.from(pb.v1.ImportReviewsRequest.encode({ review }).finish()).equals(esReviewBytes),
    );
    // The one way to differ: pbjs writes a field that is present on the object even when it
    // holds the default value, so an encoder must leave defaults out (as convert.ts does).
    assert.ok(
      !Buffer.from(
        pb.v1.ImportReviewsRequest.encode({ review: { ...review, body: '' } }).finish(),
      ).equals(esReviewBytes),
    );
    const book = library.getBook(9);
    const pbjs = pb.v1.UpdateBookRequest.encode({
      book: toBookMessage(book),
      updateMask: { paths: ['title', 'price_cents'] },
    }).finish();
    const es = toBinary(
      UpdateBookRequestSchema,
      create(UpdateBookRequestSchema, {
        book: esBook(book),
        updateMask: { paths: ['title', 'price_cents'] },
      }),
    );
    assert.ok(Buffer.from(pbjs).equals(Buffer.from(es)));
  });

  test('each decodes the other: protobuf-es bytes read back as the domain book', () => {
    const es = toBinary(
      ExportCatalogResponseSchema,
      create(ExportCatalogResponseSchema, { books: [edgeBook, library.getBook(1)].map(esBook) }),
    );
    const decoded = pb.v1.ExportCatalogResponse.decode(es);
    assert.deepEqual(decoded.books.map(toDomainBook), [edgeBook, library.getBook(1)]);
    const back = fromBinary(
      ExportCatalogResponseSchema,
      pb.v1.ExportCatalogResponse.encode(decoded).finish(),
    );
    assert.deepEqual(toBinary(ExportCatalogResponseSchema, back), es);
  });

  test('every domain genre has the enum value of its name in both codecs', () => {
    for (const genre of GENRES) {
      assert.equal(toGenreMessage(genre), esGenre(genre), genre);
    }
    assert.equal(GenreSchema.values.length, GENRES.length + 1);
  });
});

describe('error details', () => {
  test('grpc-status-details-bin is a google.rpc.Status that protobuf-es reads', () => {
    const status = toServiceError(
      (() => {
        try {
          library.listBooks({ pageSize: 0 });
        } catch (err) {
          return err;
        }
        throw new Error('listBooks accepted page size 0');
      })(),
    );
    assert.equal(status.code, grpc.status.INVALID_ARGUMENT);
    const [bin] = status.metadata?.get(STATUS_DETAILS_KEY) ?? [];
    assert.ok(bin instanceof Buffer);
    const decoded = fromBinary(StatusSchema, bin);
    assert.equal(decoded.code, grpc.status.INVALID_ARGUMENT);
    assert.equal(decoded.message, status.details);
    const registry = createRegistry(file_google_rpc_error_details);
    const detail = decoded.details[0] && anyUnpack(decoded.details[0], registry);
    assert.ok(detail);
    assert.deepEqual(
      fromBinary(BadRequestSchema, toBinary(BadRequestSchema, detail as never)).fieldViolations.map(
        (v) => [v.field, v.description],
      ),
      [['page_size', 'must be between 1 and 100']],
    );
  });
});
