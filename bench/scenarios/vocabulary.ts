// The words a scenario file is written in: the operation names and how a parameter is read.
// Apart from the loader (index.ts) so that the capacity encoders can use them and the loader can
// ask which operations have an encoder, with no import cycle between the two.

export const OPERATIONS = [
  'getBook',
  'writeCycle',
  'listBooks',
  'authorTree',
  'exportCatalog',
  'streamCatalog',
  'watchReviews',
  'importReviews',
  'chat',
] as const;
export type OperationName = (typeof OPERATIONS)[number];

/** Operations measured by a stream runner of their own (messages, not calls). */
export const STREAM_OPERATIONS: readonly OperationName[] = ['watchReviews', 'chat'];

/**
 * Operations that change the stored library (books written and deleted, reviews imported or
 * published). A variant that ran one leaves the next variant, and its own later reads, another
 * dataset than the seeded one, and how much another depends on how fast it ran.
 */
export const WRITING_OPERATIONS: readonly OperationName[] = [
  'writeCycle',
  'importReviews',
  'watchReviews',
];

export function writesData(operation: OperationName): boolean {
  return WRITING_OPERATIONS.includes(operation);
}

/** True for an operation a load runner repeats as calls (closed loop, bytes per operation). */
export function isPerCallOperation(operation: OperationName): boolean {
  return !STREAM_OPERATIONS.includes(operation);
}

/** A numeric scenario parameter, or the fallback when the scenario file does not set it. */
export function numberParam(
  params: Record<string, unknown>,
  key: string,
  fallback: number,
): number {
  const v = params[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}
