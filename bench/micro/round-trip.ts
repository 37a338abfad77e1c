// The check that runs before any timing: a codec's encode-then-decode must give back the same
// domain data, so that a codec that dropped or mangled fields cannot look fast.

// Timestamps differ in form between codecs (proto3 JSON drops a zero fraction, a Timestamp has
// no text at all) but must name the same instant.
const TIMESTAMP_KEYS = new Set(['createdAt', 'publishedAt', 'sentAt']);

/** Domain data in a form that compares by value: timestamps as epoch milliseconds. */
export function normaliseDomain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normaliseDomain);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (field === undefined) continue;
    out[key] =
      TIMESTAMP_KEYS.has(key) && typeof field === 'string'
        ? Date.parse(field)
        : normaliseDomain(field);
  }
  return out;
}

/** The path of the first difference between two normalised values, or undefined if equal. */
export function findDifference(a: unknown, b: unknown, path = '$'): string | undefined {
  if (Object.is(a, b)) return undefined;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${path}.length (${a.length} != ${b.length})`;
    for (let i = 0; i < a.length; i++) {
      const difference = findDifference(a[i], b[i], `${path}[${i}]`);
      if (difference !== undefined) return difference;
    }
    return undefined;
  }
  if (isRecord(a) && isRecord(b) && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) {
      const difference = findDifference(a[key], b[key], `${path}.${key}`);
      if (difference !== undefined) return difference;
    }
    return undefined;
  }
  return `${path} (${JSON.stringify(a)} != ${JSON.stringify(b)})`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}

/** Throws unless `decoded` is the same domain data as `original`. */
export function assertRoundTrip(name: string, original: unknown, decoded: unknown): void {
  const difference = findDifference(normaliseDomain(original), normaliseDomain(decoded));
  if (difference !== undefined) {
    throw new Error(`${name} does not round-trip to the same domain data: ${difference}`);
  }
}
