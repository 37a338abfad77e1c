// Starts the evolution lab's servers (cli/evolve-serve-main.ts) as a child process and reads
// what they decoded over its control port, as clients reach every server: over the network.

import type { ServerFamily, ServerRecord, Version } from '../../schemas/evolution/types.ts';
import { spawnServing } from '../server-process.ts';

export interface EvolutionServerProcess {
  readonly pid: number;
  /** http://127.0.0.1:PORT of one server (gRPC clients take the host:port part). */
  baseUrl(change: string, version: Version, family: ServerFamily): string;
  /** What the servers decoded for an exchange (each exchange is answered once). */
  records(exchange: string): Promise<ServerRecord[]>;
  stop(graceMs?: number): Promise<number | null>;
}

interface ServingLine {
  msg?: string;
  ports?: Record<string, Record<Version, Record<ServerFamily, number>>>;
  control?: number;
}

export async function startEvolutionServers(
  changes: readonly string[],
  options: { startTimeoutMs?: number } = {},
): Promise<EvolutionServerProcess> {
  const args = [
    '--import',
    'tsx',
    'cli/evolve-serve-main.ts',
    ...changes.flatMap((c) => ['--change', c]),
  ];
  const {
    child,
    line: serving,
    stop,
  } = await spawnServing<ServingLine>(args, {
    startTimeoutMs: options.startTimeoutMs ?? 60_000,
    label: 'the evolution servers',
  });
  const ports = serving.ports ?? {};
  const control = serving.control ?? 0;
  return {
    pid: child.pid as number,
    baseUrl(change, version, family) {
      const port = ports[change]?.[version]?.[family];
      if (!port) throw new Error(`no ${family} server for ${change} ${version}`);
      return `http://127.0.0.1:${port}`;
    },
    async records(exchange) {
      const res = await fetch(`http://127.0.0.1:${control}/records/${exchange}`);
      if (!res.ok) throw new Error(`control port answered ${res.status}`);
      return (await res.json()) as ServerRecord[];
    },
    stop,
  };
}
