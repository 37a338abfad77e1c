// The domain's public surface: the only module adapters import.

export * from './errors.ts';
export { EventBus, type SubscribeOptions } from './events.ts';
export {
  decodeCursor,
  encodeCursor,
  Library,
  type LibraryOptions,
  type Loaders,
} from './library.ts';
export * from './model.ts';
export { countQueries, countQueriesAsync, type QueryCounter, queryScope } from './query-scope.ts';
export {
  countsForScale,
  type Dataset,
  generateDataset,
  parseScale,
  type Scale,
  type ScaleCounts,
  type ScaleName,
} from './seed.ts';
export {
  isRfc3339,
  isValidIsbn13,
  isValidRoom,
  normalizeTimestamp,
  validateBookPatch,
  validateNewBook,
  validateNewChatMessage,
  validateNewReview,
  validatePageSize,
  withIsbnCheckDigit,
} from './validation.ts';
