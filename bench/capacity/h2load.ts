// h2load (nghttp2-client) as the yardstick of the HTTP/2 generator: the same server, request,
// connections and streams, run alternately with ours, and the ratio of the two throughputs.
//
// h2load judges a response by its HTTP status only: a gRPC error (HTTP 200 with grpc-status
// other than 0 in the trailers) is a success to it. Compare only runs whose requests succeed,
// which our generator's own counts show.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spread } from '../load/histogram.ts';
import { type ProcessSampler, type ProcessStats, sampleProcess } from '../load/process-stats.ts';
import { type H2Engine, runH2Load } from './h2-generator.ts';
import { type CapacityResult, roundSpread, type Spread } from './result.ts';
import type { RequestSpec } from './spec.ts';

export interface H2loadResult {
  /** h2load's req/s: requests done in the main duration / the main duration. */
  throughput: number;
  succeeded: number;
  failed: number;
  requests: {
    total: number;
    started: number;
    done: number;
    succeeded: number;
    failed: number;
    errored: number;
    timeout: number;
  };
  statusCodes: { '2xx': number; '3xx': number; '4xx': number; '5xx': number };
  /** "time for request" in ms: h2load gives min, max, mean and standard deviation only. */
  latency: { min: number; max: number; mean: number; sd: number };
  /** h2load's per-client req/s statistics. */
  perClient: { min: number; max: number; mean: number; sd: number };
  bytes: { total: number; headers: number; data: number };
  /** CPU of the h2load process over the measured window (sampled from /proc). */
  generatorCpu?: ProcessStats | undefined;
  serverCpu?: ProcessStats | undefined;
  /** The command line that ran, for the record. */
  command: string[];
  output: string;
}

const DURATION_UNITS: Record<string, number> = {
  us: 0.001,
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};

/** "506us", "3.43ms", "2.50s" -> ms. */
function parseDuration(text: string): number {
  const match = /^([\d.]+)(us|ms|s|m|h)$/.exec(text.trim());
  if (!match) throw new Error(`h2load: unreadable duration "${text}"`);
  return Number(match[1]) * (DURATION_UNITS[match[2] as string] as number);
}

function need(match: RegExpExecArray | null, what: string, output: string): RegExpExecArray {
  if (!match) throw new Error(`h2load output has no ${what} line:\n${output.slice(-2_000)}`);
  return match;
}

/** Reads the summary h2load prints at the end of a run. */
export function parseH2loadOutput(output: string): Omit<H2loadResult, 'command' | 'output'> {
  const finished = need(/finished in \S+, ([\d.]+) req\/s/.exec(output), 'finished', output);
  const requests = need(
    /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(
      output,
    ),
    'requests',
    output,
  );
  const status = need(
    /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(output),
    'status codes',
    output,
  );
  const traffic = need(
    /traffic: .*?\((\d+)\) total, .*?\((\d+)\) headers.*?, .*?\((\d+)\) data/.exec(output),
    'traffic',
    output,
  );
  const time = need(
    /time for request:\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)/.exec(output),
    'time for request',
    output,
  );
  const perClient = need(
    /req\/s\s+:\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)/.exec(output),
    'req/s',
    output,
  );
  const n = (match: RegExpExecArray, i: number) => Number(match[i]);
  return {
    throughput: n(finished, 1),
    succeeded: n(requests, 4),
    failed: n(requests, 5),
    requests: {
      total: n(requests, 1),
      started: n(requests, 2),
      done: n(requests, 3),
      succeeded: n(requests, 4),
      failed: n(requests, 5),
      errored: n(requests, 6),
      timeout: n(requests, 7),
    },
    statusCodes: {
      '2xx': n(status, 1),
      '3xx': n(status, 2),
      '4xx': n(status, 3),
      '5xx': n(status, 4),
    },
    latency: {
      min: parseDuration(time[1] as string),
      max: parseDuration(time[2] as string),
      mean: parseDuration(time[3] as string),
      sd: parseDuration(time[4] as string),
    },
    perClient: {
      min: n(perClient, 1),
      max: n(perClient, 2),
      mean: n(perClient, 3),
      sd: n(perClient, 4),
    },
    bytes: { total: n(traffic, 1), headers: n(traffic, 2), data: n(traffic, 3) },
  };
}

export interface H2loadOptions {
  /** `http://host:port` of an h2c server. */
  authority: string;
  /** h2load sends one body for every request: the comparison uses one spec on both sides. */
  spec: RequestSpec;
  connections: number;
  streams: number;
  durationMs: number;
  warmupMs: number;
  /** h2load -t; default 1, like our single-threaded generator. */
  threads?: number | undefined;
  /** Prefix of the command, e.g. ['taskset', '-c', '0']. */
  wrapper?: string[] | undefined;
  serverPid?: number | undefined;
  /** Killed (by pid) past this; default duration + warm-up + 15 s. */
  timeoutMs?: number | undefined;
  binary?: string | undefined;
}

/** The h2load command for a spec; the body goes through a file (-d). */
export function buildH2loadArgs(options: H2loadOptions, bodyFile: string | undefined): string[] {
  const args = [
    ...['-c', String(options.connections), '-m', String(options.streams)],
    ...['-t', String(options.threads ?? 1)],
    ...['-D', `${Math.max(1, Math.round(options.durationMs))}ms`],
  ];
  if (options.warmupMs > 0) args.push(`--warm-up-time=${Math.round(options.warmupMs)}ms`);
  if (bodyFile) args.push('-d', bodyFile);
  for (const [name, value] of Object.entries(options.spec.headers))
    args.push('-H', `${name}: ${value}`);
  // No --log-file: it appends to an existing file, and the summary is all this needs.
  args.push(`${options.authority}${options.spec.path}`);
  return args;
}

/** One h2load run against a server; its summary parsed. */
export async function runH2load(options: H2loadOptions): Promise<H2loadResult> {
  if (options.spec.method !== 'POST' && options.spec.body.length > 0) {
    throw new Error('h2load sends a body only with POST (-d)');
  }
  const dir = mkdtempSync(join(tmpdir(), 'wirebench-h2load-'));
  try {
    let bodyFile: string | undefined;
    if (options.spec.method === 'POST') {
      bodyFile = join(dir, 'body.bin');
      writeFileSync(bodyFile, options.spec.body);
    }
    const command = [
      ...(options.wrapper ?? []),
      options.binary ?? 'h2load',
      ...buildH2loadArgs(options, bodyFile),
    ];
    const output = await spawnMeasured(command, options);
    return { ...parseH2loadOutput(output.text), ...output.cpu, command, output: output.text };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface MeasuredOutput {
  text: string;
  cpu: { generatorCpu?: ProcessStats | undefined; serverCpu?: ProcessStats | undefined };
}

function spawnMeasured(command: string[], options: H2loadOptions): Promise<MeasuredOutput> {
  const [file, ...args] = command as [string, ...string[]];
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4_000);
    });
    const pid = child.pid;
    // The window is known in advance: h2load's and the server's CPU are sampled from its start
    // to just before its end (h2load exits right after, taking its /proc entry along).
    const cpu: MeasuredOutput['cpu'] = {};
    let samplers: Promise<[ProcessSampler | undefined, ProcessSampler | undefined]> | undefined;
    let measured: Promise<void> = Promise.resolve();
    const sample = (target: number | undefined) =>
      target === undefined ? undefined : sampleProcess(target).catch(() => undefined);
    const timers: NodeJS.Timeout[] = [
      setTimeout(() => {
        samplers = Promise.all([sample(pid), sample(options.serverPid)]);
      }, options.warmupMs),
      setTimeout(
        () => {
          measured = (samplers ?? Promise.resolve([undefined, undefined])).then(
            async ([h2load, server]) => {
              cpu.generatorCpu = await h2load?.stop();
              cpu.serverCpu = await server?.stop();
            },
          );
        },
        options.warmupMs + Math.max(50, options.durationMs - 100),
      ),
    ];
    const timeoutMs = options.timeoutMs ?? options.durationMs + options.warmupMs + 15_000;
    const killer = setTimeout(() => {
      try {
        if (pid !== undefined) process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }, timeoutMs);
    const settle = () => {
      clearTimeout(killer);
      for (const timer of timers) clearTimeout(timer);
    };
    child.on('error', (err) => {
      settle();
      reject(err);
    });
    child.on('close', (code, signal) => {
      settle();
      if (code !== 0) {
        const after = signal === 'SIGKILL' ? ` after ${timeoutMs} ms` : '';
        reject(
          new Error(
            `${command.join(' ')} ended with ${signal ?? `code ${code}`}${after}: ${stderr || stdout.slice(-2_000)}`,
          ),
        );
        return;
      }
      void measured.then(() => resolve({ text: stdout, cpu }));
    });
  });
}

export interface H2Comparison {
  ours: CapacityResult[];
  h2load: H2loadResult[];
  /** Our mean throughput (requests / window, as h2load counts) over h2load's, per pair. */
  ratio: Spread;
  oursThroughput: Spread;
  h2loadThroughput: Spread;
  oursCpu: Spread;
  h2loadCpu: Spread;
}

export interface CompareOptions extends Omit<H2loadOptions, 'binary'> {
  /** Pairs of runs; at least 3 for a spread. */
  reps?: number | undefined;
  /** Our generator's engine; default 'frames'. */
  engine?: H2Engine | undefined;
  /** One unmeasured run of our generator before the pairs; default true. */
  prime?: boolean | undefined;
}

/**
 * Our generator and h2load on the same server with the same request, alternated in ABBA order
 * so that drift (warming JIT, other load) falls on both alike. Our process should be pinned
 * like h2load (give `wrapper` the same core this process runs on).
 */
export async function compareWithH2load(options: CompareOptions): Promise<H2Comparison> {
  const reps = options.reps ?? 3;
  const ours: CapacityResult[] = [];
  const h2load: H2loadResult[] = [];
  const runOurs = async () => {
    ours.push(
      await runH2Load({
        authority: options.authority,
        requests: [options.spec],
        connections: options.connections,
        streams: options.streams,
        durationMs: options.durationMs,
        warmupMs: options.warmupMs,
        serverPid: options.serverPid,
        engine: options.engine,
        preflight: 0,
      }),
    );
  };
  const runTheirs = async () => {
    h2load.push(await runH2load(options));
  };
  // A fresh server (and this process's generator code) is still compiling its hot paths: one
  // unmeasured run first, so that the first pair does not pay for it.
  if (options.prime ?? true) {
    await runH2Load({
      authority: options.authority,
      requests: [options.spec],
      connections: options.connections,
      streams: options.streams,
      durationMs: Math.max(1_000, options.warmupMs),
      warmupMs: 0,
      engine: options.engine,
      preflight: 1,
    });
  }
  for (let rep = 0; rep < reps; rep++) {
    if (rep % 2 === 0) {
      await runOurs();
      await runTheirs();
    } else {
      await runTheirs();
      await runOurs();
    }
  }
  const ratios = ours.map((run, i) => run.meanThroughput / (h2load[i]?.throughput ?? Number.NaN));
  return {
    ours,
    h2load,
    ratio: roundSpread(spread(ratios)),
    oursThroughput: roundSpread(spread(ours.map((run) => run.meanThroughput)), 0),
    h2loadThroughput: roundSpread(spread(h2load.map((run) => run.throughput)), 0),
    oursCpu: roundSpread(spread(ours.map((run) => run.generatorCpu.utilisation))),
    h2loadCpu: roundSpread(
      spread(h2load.map((run) => run.generatorCpu?.utilisation ?? Number.NaN)),
    ),
  };
}
