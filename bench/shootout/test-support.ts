// Shootout options for tests: the smallest run that still exercises a phase (one repetition
// of 100 ms on the small dataset, nothing optional), with what a test cares about overridden.

import type { ShootoutOptions } from './context.ts';

export function testOptions(over: Partial<ShootoutOptions> = {}): ShootoutOptions {
  return {
    profile: 'quick',
    variants: ['rest', 'grpc', 'connect-proto-h2', 'connect-json-h1'],
    scenarios: [],
    concurrency: [1],
    concurrencyExplicit: false,
    rate: undefined,
    openLoop: false,
    durationMs: 100,
    warmupMs: 0,
    repeat: 1,
    seed: 42,
    scale: 'small',
    capacity: { enabled: false, h1Connections: 1, h2Connections: 1, h2Streams: 1 },
    ceilings: false,
    h2loadCheck: false,
    wireSample: false,
    micro: undefined,
    argv: [],
    ...over,
  };
}
