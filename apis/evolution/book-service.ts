// The one behaviour of both proto evolution servers (grpc.ts over grpc-js, connect.ts over
// connect-node): what each operation records, answers and refuses. The servers translate
// messages to and from Plain and this module's errors to their status codes.

import { type DescField, ScalarType } from '@bufbuild/protobuf';
import { findEsMethod, type ProtoContract } from '../../schemas/evolution/proto-plain.ts';
import type {
  EvolutionServerOptions,
  Operation,
  Plain,
  PlainValue,
} from '../../schemas/evolution/types.ts';

export type BookServiceCode = 'not_found' | 'invalid_argument';

/** A refusal of the service, mapped by each server to its protocol's code. */
export class BookServiceError extends Error {
  constructor(
    readonly code: BookServiceCode,
    message: string,
  ) {
    super(message);
    this.name = 'BookServiceError';
  }
}

export interface BookCall {
  operation: Operation;
  /** The decoded request as the server's version reads it. */
  request: Plain;
  exchange: string;
  /** The request message's bytes (base64), where the server's stack hands them over. */
  body?: string | undefined;
}

/**
 * `echo`: answer with the decoded request message itself, so that whatever the library kept
 * of it (unknown fields) goes back; `value`: build the response from this plain value.
 */
export type BookAnswer = { echo: true } | { echo: false; value: Plain };

export type BookHandler = (call: BookCall) => BookAnswer;

/**
 * Whether a decoded value counts as missing for protoRequires: proto3 cannot tell a field
 * the writer left out from one it set to the zero value, so both are refused.
 */
function isMissing(field: DescField | undefined, value: PlainValue | undefined): boolean {
  if (value === undefined || value === null || value === '' || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'number') return value === 0;
  // Plain spells 64-bit zeros '0' and an enum's zero by its name.
  if (field?.fieldKind === 'scalar' && field.scalar !== ScalarType.STRING) return value === '0';
  if (field?.fieldKind === 'enum')
    return field.enum.values.find((v) => v.number === 0)?.name === value;
  return false;
}

function sameId(request: Plain, book: Plain): boolean {
  return (
    request.id !== undefined && book.id !== undefined && String(request.id) === String(book.id)
  );
}

/** The handler of one server: a change set's version, recording into `options.record`. */
export function createBookHandler(
  options: EvolutionServerOptions,
  contract: ProtoContract,
): BookHandler {
  const { change, version, record } = options;
  const book = change.book[version];
  const required = change.protoRequires?.[version] ?? [];
  const bookFields = findEsMethod(contract, 'createBook')?.input.fields ?? [];

  return ({ operation, request, exchange, body }) => {
    record({ exchange, operation, value: request, ...(body === undefined ? {} : { body }) });
    switch (operation) {
      case 'getBook':
        if (!sameId(request, book)) {
          throw new BookServiceError('not_found', `no book with id ${String(request.id)}`);
        }
        return { echo: false, value: book };
      case 'createBook':
        for (const name of required) {
          const field = bookFields.find((f) => f.jsonName === name);
          if (isMissing(field, request[name])) {
            throw new BookServiceError('invalid_argument', `${name} is required`);
          }
        }
        return { echo: true };
      case 'listBooks':
        return { echo: false, value: { books: [book] } };
    }
  };
}
