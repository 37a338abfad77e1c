// A node:http server with a known latency distribution, to check the load runners against
// analysis: every request is answered after `serviceMs`, except that for `stallMs` out of every
// `periodMs` the server stalls, and requests arriving in a stall are held until it ends.
// Run directly (`node --import tsx bench/load/calibration-target.ts --port 0`) it prints one JSON
// line {"msg":"listening","port":N} and serves until SIGTERM.

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export interface CalibrationTargetOptions {
  /** Service time of every request (default 1 ms). */
  serviceMs?: number | undefined;
  /** Length of each stall (default 100 ms). */
  stallMs?: number | undefined;
  /** One stall starts every periodMs (default 1000 ms). */
  periodMs?: number | undefined;
}

export const DEFAULT_TARGET = { serviceMs: 1, stallMs: 100, periodMs: 1000 } as const;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves no earlier than `time` (performance.now() ms); Node timers can fire ~1 ms early. */
async function sleepUntil(time: number): Promise<void> {
  for (let left = time - performance.now(); left > 0; left = time - performance.now()) {
    await sleep(Math.ceil(left));
  }
}

/**
 * Both the service time and the stall are timers, never busy loops: the target's CPU stays
 * nearly idle, so its own scheduling cannot blur the distribution, and concurrent requests do
 * not queue behind each other (an infinite-server model, which is what the analysis assumes).
 * The stall is a gate on arrivals: requests already in service when it starts finish normally.
 */
export function buildCalibrationServer(options: CalibrationTargetOptions = {}): Server {
  const serviceMs = options.serviceMs ?? DEFAULT_TARGET.serviceMs;
  const stallMs = options.stallMs ?? DEFAULT_TARGET.stallMs;
  const periodMs = options.periodMs ?? DEFAULT_TARGET.periodMs;
  const origin = performance.now();
  let gate: { until: number; opened: Promise<void> } | undefined;

  const respond = (res: ServerResponse) => {
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
      res.end('ok');
    }, serviceMs);
  };

  const server = createServer((req, res) => {
    req.resume();
    const now = performance.now();
    const phase = (now - origin) % periodMs;
    if (phase >= stallMs) {
      respond(res);
      return;
    }
    const until = now - phase + stallMs;
    if (!gate || gate.until !== until) gate = { until, opened: sleepUntil(until) };
    gate.opened.then(() => respond(res));
  });
  // Keep connections open across warm-up and the measured run.
  server.keepAliveTimeout = 60_000;
  return server;
}

export interface CalibrationTargetProcess {
  readonly pid: number;
  readonly port: number;
  /** `http://127.0.0.1:port` */
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

const TARGET_FILE = fileURLToPath(import.meta.url);

/** Starts the target as a child process, optionally under a wrapper such as taskset. */
export async function startCalibrationTarget(
  options: CalibrationTargetOptions & { wrapper?: string[] | undefined } = {},
): Promise<CalibrationTargetProcess> {
  const args = [
    '--import',
    'tsx',
    TARGET_FILE,
    ...['--port', '0'],
    ...['--service-ms', String(options.serviceMs ?? DEFAULT_TARGET.serviceMs)],
    ...['--stall-ms', String(options.stallMs ?? DEFAULT_TARGET.stallMs)],
    ...['--period-ms', String(options.periodMs ?? DEFAULT_TARGET.periodMs)],
  ];
  const [command, ...commandArgs] = [...(options.wrapper ?? []), process.execPath, ...args];
  const child = spawn(command as string, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2_000);
  });
  const lines = createInterface({ input: child.stdout! });
  const stop = async () => {
    lines.close();
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`target did not start: ${stderr}`)), 20_000);
      lines.on('line', (line) => {
        try {
          const entry = JSON.parse(line) as { msg?: string; port?: number };
          if (entry.msg === 'listening' && typeof entry.port === 'number') {
            clearTimeout(timer);
            resolve(entry.port);
          }
        } catch {
          // not a JSON line
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`target exited with ${code} before listening: ${stderr}`));
      });
    });
    return { pid: child.pid as number, port, url: `http://127.0.0.1:${port}`, child, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      'service-ms': { type: 'string' },
      'stall-ms': { type: 'string' },
      'period-ms': { type: 'string' },
    },
  });
  const server = buildCalibrationServer({
    serviceMs: values['service-ms'] === undefined ? undefined : Number(values['service-ms']),
    stallMs: values['stall-ms'] === undefined ? undefined : Number(values['stall-ms']),
    periodMs: values['period-ms'] === undefined ? undefined : Number(values['period-ms']),
  });
  server.listen(Number(values.port), values.host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ msg: 'listening', port, pid: process.pid })}\n`);
  const close = () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  };
  process.once('SIGTERM', close);
  process.once('SIGINT', close);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
