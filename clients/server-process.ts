// Starts `wirebench serve` as a child process on ephemeral ports and reports its endpoints.
// Clients and benchmarks reach the servers only over the network, as a real user would; this
// is the one way they start one.

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Endpoints } from './contract.ts';

const REPO_ROOT = resolve(import.meta.dirname, '..');

export interface ServerProcessOptions {
  /** `serve --only`: one implementation alone. */
  only?: 'rest' | 'graphql' | 'connect' | 'grpc' | undefined;
  /** `serve --compression`: gzip responses of 1 KiB or more for clients that accept it. */
  compression?: boolean | undefined;
  seed?: number | undefined;
  scale?: string | undefined;
  host?: string | undefined;
  /** Also serve Prometheus metrics on an ephemeral port (`ports.metrics`). */
  metrics?: boolean | undefined;
  /** Prefix the command, e.g. ['taskset', '-c', '0'] to pin the server to a core. */
  wrapper?: string[] | undefined;
  /** Extra environment for the server. */
  env?: NodeJS.ProcessEnv | undefined;
  /** How long to wait for the server to report its ports. */
  startTimeoutMs?: number | undefined;
}

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly endpoints: Endpoints;
  readonly ports: { http?: number; h2?: number; grpc?: number; metrics?: number };
  /** Sends SIGTERM, waits for the exit (SIGKILL after `graceMs`) and returns the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

interface ServingLine {
  msg?: string;
  ports?: { http?: number; h2?: number; grpc?: number; metrics?: number };
}

export async function startServerProcess(
  options: ServerProcessOptions = {},
): Promise<ServerProcess> {
  const host = options.host ?? '127.0.0.1';
  const args = [
    '--import',
    'tsx',
    'cli/serve-main.ts',
    'serve',
    ...['--host', host, '--port', '0', '--h2-port', '0', '--grpc-port', '0'],
    ...['--seed', String(options.seed ?? 42), '--scale', options.scale ?? 'small'],
    ...['--log-level', 'info'],
    ...(options.only ? ['--only', options.only] : []),
    ...(options.compression ? ['--compression'] : []),
    ...(options.metrics ? ['--metrics-port', '0'] : []),
  ];
  const started = await spawnServing<ServingLine>(args, {
    wrapper: options.wrapper,
    env: options.env,
    startTimeoutMs: options.startTimeoutMs ?? 30_000,
    label: 'serve',
  });
  const { child, stop } = started;
  const ports = started.line.ports ?? {};
  return {
    child,
    pid: child.pid as number,
    ports,
    endpoints: {
      http: `http://${host}:${ports.http ?? 0}`,
      h2: `http://${host}:${ports.h2 ?? 0}`,
      grpc: `${host}:${ports.grpc ?? 0}`,
    },
    stop,
  };
}

/** A child that prints one JSON line saying it serves: what it printed, and how to stop it. */
export interface ServingChild<T> {
  readonly child: ChildProcess;
  readonly line: T;
  /** Sends SIGTERM, waits for the exit (SIGKILL after `graceMs`) and returns the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

/**
 * Spawns `node <args>` from the repository root (behind `wrapper`, if any) and waits for the
 * JSON line whose `msg` is "serving". The child stops on its own when its stdin ends, that is
 * when this process dies, however it dies; its stdout keeps being drained.
 */
export async function spawnServing<T extends { msg?: string }>(
  args: string[],
  options: {
    wrapper?: string[] | undefined;
    env?: NodeJS.ProcessEnv | undefined;
    startTimeoutMs: number;
    /** Names the child in errors. */
    label: string;
  },
): Promise<ServingChild<T>> {
  const [command, ...commandArgs] = [...(options.wrapper ?? []), process.execPath, ...args];
  const child = spawn(command as string, commandArgs, {
    cwd: REPO_ROOT,
    // Our end of the child's stdin closes when this process dies, however it dies; the server
    // then drains and exits instead of lingering as an orphan.
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, WIREBENCH_STOP_ON_STDIN_EOF: '1', ...options.env },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const lines = createInterface({ input: child.stdout! });
  const { startTimeoutMs: timeoutMs, label } = options;

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

  try {
    const line = await new Promise<T>((resolveLine, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`${label} did not report its ports within ${timeoutMs} ms: ${stderr}`)),
        timeoutMs,
      );
      lines.on('line', (text) => {
        let entry: T;
        try {
          entry = JSON.parse(text) as T;
        } catch {
          return;
        }
        if (entry.msg === 'serving') {
          clearTimeout(timer);
          resolveLine(entry);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${label} exited with code ${code} before serving: ${stderr}`));
      });
    });
    // Keep draining stdout so that the server never blocks on a full pipe.
    lines.on('line', () => {});
    return { child, line, stop };
  } catch (err) {
    await stop(0);
    throw err;
  }
}
