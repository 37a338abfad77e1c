// The domain data the micro-benchmarks serialize, read over the network from a real server
// (a child process) through the shared REST client, never from server code: what the servers
// actually return for each scenario, and what the write scenarios actually send.

import type {
  AuthorTree,
  Book,
  ChatMessage,
  LibraryClient,
  NewReview,
  Page,
} from '../../clients/contract.ts';
import { createClient } from '../../clients/index.ts';
import { startServerProcess } from '../../clients/server-process.ts';

/** One value per payload, in the domain's own types. */
export interface MicroData {
  /** GetBook's response (crud-read). */
  book: Book;
  /** ListBooks' first page of 20 (list). */
  page: Page<Book>;
  /** The nested read: 20 authors, their books, 3 latest reviews each (nested-batched). */
  tree: AuthorTree[];
  /** ExportCatalog's response: every book of the scale (large-payload). */
  catalog: Book[];
  /** ImportReviews' request: 50 reviews (client-stream). */
  imports: NewReview[];
  /** One chat message as the room delivers it (bidi). */
  chat: ChatMessage;
}

export interface FetchMicroDataOptions {
  scale: string;
  seed: number;
}

const TREE_QUERY = { authors: 20, reviewsPerBook: 3 };
const PAGE_SIZE = 20;
const IMPORT_COUNT = 50;
const CHAT_ROOM = 'micro-bench';
// A chat line of ordinary length (the bidi scenario sends short text lines).
const CHAT_TEXT = 'Has anyone finished chapter twelve yet? The harbour scene changed my mind.';

/** Starts a server child process, reads every payload through the REST client, stops it. */
export async function fetchMicroData(options: FetchMicroDataOptions): Promise<MicroData> {
  const server = await startServerProcess({ scale: options.scale, seed: options.seed });
  const client = createClient('rest', server.endpoints);
  try {
    return await readMicroData(client);
  } finally {
    await client.close();
    await server.stop();
  }
}

/** Reads every payload through `client` (any variant: they return the same domain data). */
export async function readMicroData(client: LibraryClient): Promise<MicroData> {
  const page = await client.listBooks({ pageSize: PAGE_SIZE });
  const first = page.items[0];
  if (first === undefined) throw new Error('the server has no books');
  const book = await client.getBook(first.id);
  const tree = await client.authorTree(TREE_QUERY, 'batched');
  const catalog = await client.exportCatalog();
  return { book, page, tree, catalog, imports: selectImports(tree), chat: await readChat(client) };
}

/**
 * The import request carries real review text: the tree's reviews as new reviews of the same
 * books (the client-stream scenario's own requests carry a one-word body, which would measure
 * framing rather than serialization).
 */
function selectImports(tree: AuthorTree[]): NewReview[] {
  const reviews = tree.flatMap((a) => a.books.flatMap((b) => b.reviews));
  if (reviews.length === 0) throw new Error('the author tree has no reviews');
  return Array.from({ length: IMPORT_COUNT }, (_, i) => {
    const r = reviews[i % reviews.length] as (typeof reviews)[number];
    return { bookId: r.bookId, reviewer: r.reviewer, rating: r.rating, body: r.body };
  });
}

/** Posts one message to a room and takes it back as the room delivers it (server-stamped). */
async function readChat(client: LibraryClient): Promise<ChatMessage> {
  const session = client.chat(CHAT_ROOM);
  try {
    await session.ready;
    await session.send('reader-1', CHAT_TEXT);
    for await (const message of session.messages) return message;
    throw new Error('the chat room ended without delivering the message');
  } finally {
    await session.close();
  }
}
