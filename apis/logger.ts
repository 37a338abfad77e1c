// Structured logs (pino) for the servers. Tests and benchmarks pass a silent logger.

import { type Logger, pino } from 'pino';

export function createLogger(level = process.env.WIREBENCH_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { service: 'wirebench' } });
}

export type { Logger };
