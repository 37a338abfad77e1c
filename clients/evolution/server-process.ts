// Starts the evolution lab's servers (cli/evolve-serve-main.ts) as a child process and reads
// what they decoded over its control port, as clients reach every server: over the network.

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { ServerFamily, ServerRecord, Version } from '../../schemas/evolution/types.ts';

const REPO_ROOT = resolve(import.meta.dirname, '../..');

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
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, WIREBENCH_STOP_ON_STDIN_EOF: '1' },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const lines = createInterface({ input: child.stdout! });
  const stop = async (graceMs = 5_000): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    const exited = once(child, 'exit') as Promise<[number | null]>;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const [code] = await exited;
    clearTimeout(timer);
    lines.close();
    return code;
  };
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  try {
    const serving = await new Promise<ServingLine>((done, fail) => {
      const timer = setTimeout(
        () =>
          fail(new Error(`the evolution servers did not start within ${timeoutMs} ms: ${stderr}`)),
        timeoutMs,
      );
      lines.on('line', (line) => {
        try {
          const entry = JSON.parse(line) as ServingLine;
          if (entry.msg !== 'serving') return;
          clearTimeout(timer);
          done(entry);
        } catch {
          // not the line we wait for
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        fail(new Error(`the evolution servers exited with code ${code} before serving: ${stderr}`));
      });
    });
    lines.on('line', () => {});
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
  } catch (err) {
    await stop(0);
    throw err;
  }
}
