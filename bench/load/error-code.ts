// Errors from the operations under load are counted by canonical code. Clients throw
// ClientError (clients/contract.ts) whose `code` is the canonical one; anything else is 'unknown'.

export const UNKNOWN_ERROR = 'unknown';

export function toErrorCode(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const { code } = err as { code: unknown };
    if (typeof code === 'string' && code.length > 0) return code;
  }
  return UNKNOWN_ERROR;
}

export function countError(errors: Record<string, number>, err: unknown): void {
  const code = toErrorCode(err);
  errors[code] = (errors[code] ?? 0) + 1;
}
