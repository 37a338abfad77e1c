// Durations on the command line: `5s`, `500ms`, `2m`, or a bare number of seconds (as
// autocannon's -d takes them).

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };

export function parseDurationMs(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/.exec(text);
  if (!match) throw new RangeError(`not a duration: '${text}' (try 5s, 500ms or 2m)`);
  const ms = Number(match[1]) * UNITS[match[2] ?? 's']!;
  if (!Number.isFinite(ms)) throw new RangeError(`not a duration: '${text}'`);
  return ms;
}

export function formatDurationMs(ms: number): string {
  if (ms % 60_000 === 0 && ms >= 60_000) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
