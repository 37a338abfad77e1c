// The change sets of the schema evolution lab. Each has its v2 contracts (and, where the v1
// is not schemas/evolution/base, its own v1) under schemas/evolution/changes/<name>/, the
// same book in each version's shape, and what each version's values mean as facts.

import type { ChangeSet, Facts, Plain, PlainValue, Version } from './types.ts';

/** The book every base-v1 server holds and every base-v1 client writes. */
export const BASE_BOOK: Plain = {
  id: 7,
  title: 'The Left Hand of Darkness',
  authorName: 'Ursula K. Le Guin',
  pages: 304,
  year: 1969,
  genre: 'FICTION',
  tag: 'classic',
  format: 'HARDCOVER',
};

function isRecord(value: PlainValue | undefined): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The default facts of a value: nested objects flattened to dotted paths (`publication.year`),
 * lists and scalars kept whole, absent fields absent.
 */
export function flattenFacts(value: Plain, prefix = ''): Facts {
  const facts: Facts = {};
  for (const [field, inner] of Object.entries(value)) {
    const path = `${prefix}${field}`;
    if (isRecord(inner)) Object.assign(facts, flattenFacts(inner, `${path}.`));
    else facts[path] = inner;
  }
  return facts;
}

/** The facts of a value as a version of a change set means it; the flattened value by default. */
export function factsOf(
  change: ChangeSet,
  version: Version,
  value: Plain,
  kind: 'book' | 'read',
): Facts {
  const facts = change.facts?.[version];
  return facts ? facts(value, kind) : flattenFacts(value);
}

/** A value with one field replaced by others at its place, so samples read in contract order. */
function replaceField(value: Plain, field: string, replacement: Plain): Plain {
  const out: Plain = {};
  for (const [name, inner] of Object.entries(value)) {
    if (name === field) Object.assign(out, replacement);
    else out[name] = inner;
  }
  return out;
}

function withoutField(value: Plain, field: string): Plain {
  return replaceField(value, field, {});
}

/** Facts with some paths renamed (new path → the fact it means), everything else as flattened. */
function renamedFacts(renames: Record<string, string>) {
  return (value: Plain): Facts => {
    const facts: Facts = {};
    for (const [path, inner] of Object.entries(flattenFacts(value)))
      facts[renames[path] ?? path] = inner;
    return facts;
  };
}

/**
 * Facts with one field as a decimal string: the form Plain gives a 64-bit integer, and one a
 * 32-bit number and a string of digits both reach, so that 304 and '304' are the same count.
 */
function decimalFacts(field: string) {
  return (value: Plain): Facts => {
    const facts = flattenFacts(value);
    const inner = facts[field];
    if (typeof inner === 'number') facts[field] = String(inner);
    return facts;
  };
}

const BOOK_WITHOUT_FORMAT: Plain = withoutField(withoutField(BASE_BOOK, 'id'), 'format');

/**
 * The format a writer of each change-default version expects when it leaves format out: its
 * own contract's default.
 */
function withDefaultFormat(format: string) {
  return (value: Plain, kind: 'book' | 'read'): Facts => {
    const facts = flattenFacts(value);
    if (kind === 'book' && !('format' in facts)) facts.format = format;
    return facts;
  };
}

const v2 = (name: string) => `changes/${name}/v2`;

export const CHANGE_SETS: readonly ChangeSet[] = [
  {
    name: 'add-optional-field',
    description: 'Book gains an optional subtitle',
    use: 'show more about a book without asking every client to send it',
    notes: { proto: '`optional string subtitle = 9`: explicit presence, so unset reads as unset' },
    contracts: { v1: 'base', v2: v2('add-optional-field') },
    book: { v1: BASE_BOOK, v2: { ...BASE_BOOK, subtitle: 'A novel of Gethen' } },
  },
  {
    name: 'add-required-field',
    description: 'Book and BookInput gain a required isbn',
    use: 'key books by a standard identifier that every new record must carry',
    notes: {
      proto:
        'proto3 has no required: `string isbn = 9` is an ordinary field and the v2 handler rejects a book without it (protoRequires); an old writer simply never sends field 9',
      graphql:
        '`isbn: String!` on Book and BookInput: an old query validates, an old input does not',
      openapi: 'isbn joins `required` of Book and BookInput',
    },
    contracts: { v1: 'base', v2: v2('add-required-field') },
    book: { v1: BASE_BOOK, v2: { ...BASE_BOOK, isbn: '9780441478125' } },
    protoRequires: { v2: ['isbn'] },
  },
  {
    name: 'remove-field',
    description: 'Book loses pages; its number and name are not reserved',
    use: 'drop data nobody maintains any more',
    notes: {
      proto:
        'number 4 and the name pages are free again: nothing stops a later field from reusing them with another meaning',
    },
    contracts: { v1: 'base', v2: v2('remove-field') },
    book: { v1: BASE_BOOK, v2: withoutField(BASE_BOOK, 'pages') },
  },
  {
    name: 'remove-field-reserved',
    description: 'Book loses pages; proto reserves its number and name',
    use: 'drop data nobody maintains, and keep its number from being reused',
    notes: {
      proto:
        '`reserved 4; reserved "pages";`: protoc refuses a later field on either; the wire is the same as without the reservation',
      graphql: 'no reservation exists: the field is just removed, and its name may come back',
      openapi: 'no reservation exists: the property is just removed, and its name may come back',
    },
    contracts: { v1: 'base', v2: v2('remove-field-reserved') },
    book: { v1: BASE_BOOK, v2: withoutField(BASE_BOOK, 'pages') },
  },
  {
    name: 'rename-field',
    description: 'title is renamed to name',
    use: "align a field name with the rest of an organisation's APIs",
    notes: {
      proto:
        'the number stays 2, so the binary encoding is unchanged; the JSON name becomes "name", so Connect JSON sees a different field',
      graphql: 'an old query asking for title fails validation on the new schema',
      openapi: 'the property is a different key: an old reader finds no title',
    },
    contracts: { v1: 'base', v2: v2('rename-field') },
    book: {
      v1: BASE_BOOK,
      v2: replaceField(BASE_BOOK, 'title', { name: BASE_BOOK.title as string }),
    },
    facts: { v2: renamedFacts({ name: 'title' }) },
  },
  {
    name: 'int32-to-int64',
    description: 'pages widens from int32 to int64',
    use: 'make room for a count that may outgrow 32 bits',
    notes: {
      proto:
        'int32 and int64 share the varint encoding, so binary readers interoperate until a value passes 2^31; proto JSON writes int64 as a string ("304")',
      graphql:
        'Int is 32-bit, so v2 declares `scalar Long` carried as a decimal string, as proto JSON does; Float would lose integers above 2^53',
      openapi:
        'format int32 → int64: JSON still carries a number, which a JavaScript reader holds exactly only up to 2^53',
    },
    contracts: { v1: 'base', v2: v2('int32-to-int64') },
    book: { v1: BASE_BOOK, v2: { ...BASE_BOOK, pages: '304' } },
    // The proto and GraphQL v2 programs read '304', the REST ones 304, a v1 program 304: one
    // count, compared as its decimal string.
    facts: { v1: decimalFacts('pages'), v2: decimalFacts('pages') },
  },
  {
    name: 'int32-to-string',
    description: 'year changes from int32 to string',
    use: 'hold years a number cannot say, such as "c. 1450"',
    notes: {
      proto:
        'the wire type changes from varint to length-delimited at the same number 5: a reader meets a field it cannot decode as its type',
    },
    contracts: { v1: 'base', v2: v2('int32-to-string') },
    book: { v1: BASE_BOOK, v2: { ...BASE_BOOK, year: '1969' } },
    facts: { v1: decimalFacts('year') },
  },
  {
    name: 'scalar-to-message',
    description: 'author_name (a string) becomes author, a message with a name',
    use: 'make room for more about an author than a name',
    notes: {
      proto:
        'number 3 changes from string to Author: both are length-delimited, so a reader does not skip the field but reinterprets its bytes. An old reader sees the embedded message as a string (the name behind two bytes of tag and length); a new reader parses the name as a message, which for this name fails as truncated',
      graphql: 'authorName: String! becomes author: Author! (AuthorInput on input)',
      openapi: 'authorName: string becomes author: { name }',
    },
    contracts: { v1: 'base', v2: v2('scalar-to-message') },
    book: {
      v1: BASE_BOOK,
      v2: replaceField(BASE_BOOK, 'authorName', { author: { name: BASE_BOOK.authorName! } }),
    },
    facts: { v2: renamedFacts({ 'author.name': 'authorName' }) },
  },
  {
    name: 'single-to-list',
    description: 'tag (one string) becomes tags (a list of strings)',
    use: 'let a book carry more than one tag',
    notes: {
      proto:
        'string → repeated string at the same number 7 is binary-compatible: an old reader keeps the last element, a new reader sees one element; renamed to tags, so the JSON name changes too',
      graphql: 'tag: String! becomes tags: [String!]!',
      openapi: 'tag: string becomes tags: array of string',
    },
    contracts: { v1: 'base', v2: v2('single-to-list') },
    book: {
      v1: BASE_BOOK,
      // Two tags: data v1 cannot hold, so the exchange shows what an old reader keeps.
      v2: replaceField(BASE_BOOK, 'tag', { tags: ['classic', 'first contact'] }),
    },
    facts: {
      v1: (value) => {
        const { tag, ...rest } = flattenFacts(value);
        return tag === undefined ? rest : { ...rest, tags: [tag] };
      },
    },
  },
  {
    name: 'add-enum-value',
    description: 'Genre gains POETRY',
    use: 'classify books the old categories cannot',
    notes: {
      proto:
        'POETRY = 4; proto3 enums are open, so an old reader keeps the number 4 it has no name for',
      graphql: 'an old client validating the response meets a value its schema does not list',
      openapi: 'an old client validating the response meets a value its enum does not list',
    },
    contracts: { v1: 'base', v2: v2('add-enum-value') },
    // The same record filed under the new genre, so an old reader meets POETRY.
    book: { v1: BASE_BOOK, v2: { ...BASE_BOOK, genre: 'POETRY' } },
  },
  {
    name: 'remove-enum-value',
    description: 'Genre loses HISTORY',
    use: 'retire a category no new book should be filed under',
    notes: {
      proto:
        '`reserved 3; reserved "HISTORY";` keeps the number from being reused; a new reader still receives 3 and, the enum being open, keeps it as the number',
      graphql: 'HISTORY leaves the enum: an old input sending it fails validation',
      openapi: 'HISTORY leaves the enum: an old request sending it is refused',
    },
    contracts: { v1: 'base', v2: v2('remove-enum-value') },
    // The v1 side holds and writes a HISTORY book; v2 has no such genre, so its book is fiction.
    book: { v1: { ...BASE_BOOK, genre: 'HISTORY' }, v2: BASE_BOOK },
  },
  {
    name: 'optional-to-required',
    description: 'subtitle becomes required',
    use: 'make every new record carry a field that used to be optional',
    notes: {
      proto:
        'v1 has `optional string subtitle = 9`; v2 drops `optional` (the plain proto3 shape of a field a handler requires, as add-required-field) and its handler rejects a book without it (protoRequires); the wire does not change',
      graphql: 'subtitle: String becomes String! on Book and BookInput',
      openapi: 'subtitle joins `required` of Book and BookInput',
    },
    contracts: { v1: 'changes/optional-to-required/v1', v2: v2('optional-to-required') },
    // The v1 book has no subtitle, so a v1 writer sends what v2 refuses.
    book: { v1: BASE_BOOK, v2: { ...BASE_BOOK, subtitle: 'A novel of Gethen' } },
    protoRequires: { v2: ['subtitle'] },
  },
  {
    name: 'required-to-optional',
    description: 'title is no longer required',
    use: 'accept records that arrive before all their data is known',
    notes: {
      proto:
        '`optional string title = 2`: explicit presence, so a new reader tells a missing title from ""; an old reader sees ""',
      graphql:
        'title: String! becomes String: an old client meets null where its schema promised a value',
      openapi: 'title leaves `required` of Book and BookInput',
    },
    contracts: { v1: 'base', v2: v2('required-to-optional') },
    book: { v1: BASE_BOOK, v2: withoutField(BASE_BOOK, 'title') },
  },
  {
    name: 'split-field',
    description: 'author_name splits into author_first_name and author_last_name',
    use: 'sort and search authors by family name',
    notes: {
      proto:
        "new numbers 9 and 10; 3 and author_name are reserved, so an old writer's field 3 is an unknown field to a new reader",
    },
    contracts: { v1: 'base', v2: v2('split-field') },
    book: {
      v1: BASE_BOOK,
      v2: replaceField(BASE_BOOK, 'authorName', {
        authorFirstName: 'Ursula K.',
        authorLastName: 'Le Guin',
      }),
    },
    facts: {
      // The parts join with a space; empty parts (a proto reader's unset strings) are left out,
      // so a new reader of an old book says authorName '' rather than ' '.
      v2: (value) => {
        const { authorFirstName, authorLastName, ...rest } = flattenFacts(value);
        const parts = [authorFirstName, authorLastName].filter((p) => p !== undefined);
        if (parts.length === 0) return rest;
        return { ...rest, authorName: parts.filter((p) => p !== '').join(' ') };
      },
    },
  },
  {
    name: 'move-to-nested',
    description: 'year moves into publication { year }',
    use: 'group publication data that will grow (publisher, place)',
    notes: {
      proto:
        "message Publication at the new number 9; year's number 5 and name are reserved, so an old writer's year is an unknown field to a new reader",
    },
    contracts: { v1: 'base', v2: v2('move-to-nested') },
    book: {
      v1: BASE_BOOK,
      v2: withoutField({ ...BASE_BOOK, publication: { year: BASE_BOOK.year! } }, 'year'),
    },
    facts: { v2: renamedFacts({ 'publication.year': 'year' }) },
  },
  {
    name: 'deprecate-field',
    description: 'pages is marked deprecated',
    use: 'warn clients off a field before removing it',
    notes: {
      proto: '`[deprecated = true]` changes generated code (a warning), never the wire',
      graphql:
        '`@deprecated` on Book.pages only: GraphQL refuses it on a required input field, and making BookInput.pages optional would be a second change',
      openapi: '`deprecated: true` on the property of Book and BookInput',
    },
    contracts: { v1: 'base', v2: v2('deprecate-field') },
    book: { v1: BASE_BOOK, v2: BASE_BOOK },
  },
  {
    name: 'add-rpc',
    description: 'the API gains ListBooks',
    use: 'let clients browse instead of knowing ids',
    notes: {
      proto:
        '`rpc ListBooks(ListBooksRequest) returns (ListBooksResponse)`, books as `repeated Book books = 1`',
      graphql: 'Query gains `books: [Book!]!`',
      openapi: 'GET /books (listBooks) answers `{ books: [...] }`',
    },
    contracts: { v1: 'base', v2: v2('add-rpc') },
    book: { v1: BASE_BOOK, v2: BASE_BOOK },
    readOperation: { v2: 'listBooks' },
    facts: {
      // A listBooks answer means the book it holds; the server holds one.
      v2: (value) => {
        const books = value.books;
        if (!Array.isArray(books)) return flattenFacts(value);
        const [first] = books;
        return isRecord(first) ? flattenFacts(first) : {};
      },
    },
  },
  {
    name: 'add-field-argument',
    description: 'the read gains an optional edition argument',
    use: 'ask for one edition of a book without a new operation',
    notes: {
      proto: 'GetBookRequest gains `int32 edition = 2`: an old server skips it as unknown',
      graphql: '`book(id: Int!, edition: Int)`: an old server refuses the unknown argument',
      openapi: 'query parameter edition, not required: an old server may refuse or ignore it',
    },
    contracts: { v1: 'base', v2: v2('add-field-argument') },
    book: { v1: BASE_BOOK, v2: BASE_BOOK },
    read: { v2: { id: 7, edition: 2 } },
  },
  {
    name: 'change-default',
    description: 'the default format changes from PAPERBACK to HARDCOVER',
    use: 'follow what most new books are published as',
    notes: {
      proto:
        'proto3 declares no defaults: a field left out reads as the zero value, so the only way is to renumber Format { HARDCOVER = 0; PAPERBACK = 1 }. That moves every value, not only the default: 1 meant HARDCOVER to v1 and means PAPERBACK to v2, and a HARDCOVER from v2 is not on the wire at all',
      graphql: 'the input default becomes `format: Format = HARDCOVER`',
      openapi: '`default: HARDCOVER` on BookInput.format',
    },
    contracts: { v1: 'base', v2: v2('change-default') },
    book: { v1: BASE_BOOK, v2: BASE_BOOK },
    // Both clients leave format out; each expects its own version's default to be stored.
    write: { v1: BOOK_WITHOUT_FORMAT, v2: BOOK_WITHOUT_FORMAT },
    facts: { v1: withDefaultFormat('PAPERBACK'), v2: withDefaultFormat('HARDCOVER') },
  },
];

export function findChangeSet(name: string): ChangeSet | undefined {
  return CHANGE_SETS.find((c) => c.name === name);
}
