// Server-only capacity of one target, repeated: autocannon over HTTP/1.1, the HTTP/2 generator
// over HTTP/2, the same pre-encoded requests every repetition. The first repetition warms up and
// checks a couple of answers in full; later ones start warm from the one before.

import { runAutocannon } from './autocannon.ts';
import { runH2Load } from './h2-generator.ts';
import type { CapacityResult } from './result.ts';
import type { RequestSpec, Transport } from './spec.ts';

export interface CapacitySettings {
  repeat: number;
  durationMs: number;
  warmupMs: number;
  h1Connections: number;
  h2Connections: number;
  h2Streams: number;
}

export interface CapacityTarget {
  /** `http://host:port` */
  origin: string;
  /** The server's pid, whose CPU each run reports. */
  pid: number;
}

export async function runCapacity(
  target: CapacityTarget,
  transport: Transport,
  requests: readonly RequestSpec[],
  settings: CapacitySettings,
): Promise<CapacityResult[]> {
  const runs: CapacityResult[] = [];
  for (let r = 0; r < settings.repeat; r++) {
    const common = {
      requests,
      durationMs: settings.durationMs,
      warmupMs: r === 0 ? settings.warmupMs : 0,
      serverPid: target.pid,
      preflight: r === 0 ? 2 : 0,
    };
    runs.push(
      transport === 'h1'
        ? await runAutocannon({
            origin: target.origin,
            connections: settings.h1Connections,
            ...common,
          })
        : await runH2Load({
            authority: target.origin,
            connections: settings.h2Connections,
            streams: settings.h2Streams,
            ...common,
          }),
    );
  }
  return runs;
}
