// CPU and memory of the server and of the load generator during a run, to tell which side
// saturated first: a figure measured while the generator was the bottleneck is the generator's
// capacity, not the server's, and must be flagged as such.

import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import pidusage from 'pidusage';

export interface ProcessStats {
  pid: number;
  /** user + system CPU time over the sampled interval. */
  cpuSeconds: number;
  wallSeconds: number;
  /** cpuSeconds / wallSeconds: 1 means one core fully busy (can exceed 1 with threads). */
  utilisation: number;
  /** Highest resident set size seen by the sampler. */
  peakRssBytes: number;
  samples: number;
  source: 'proc' | 'pidusage' | 'self';
  /** Set when the process went away while it was being sampled. */
  exited?: boolean;
}

export interface ProcessSampler {
  readonly pid: number;
  stop(): Promise<ProcessStats>;
}

export interface SamplerOptions {
  /** RSS sampling interval (CPU time is read at start and stop). Default 100 ms. */
  intervalMs?: number;
}

interface Reading {
  cpuSeconds: number;
  rssBytes: number;
}

let procConstants: { clockTicks: number; pageSize: number } | undefined;

function readConstants(): { clockTicks: number; pageSize: number } {
  if (!procConstants) {
    const getconf = (name: string, fallback: number) => {
      try {
        const value = Number(execFileSync('getconf', [name], { encoding: 'utf8' }).trim());
        return Number.isFinite(value) && value > 0 ? value : fallback;
      } catch {
        return fallback;
      }
    };
    procConstants = { clockTicks: getconf('CLK_TCK', 100), pageSize: getconf('PAGESIZE', 4096) };
  }
  return procConstants;
}

/** Parses /proc/<pid>/stat: utime and stime (fields 14, 15, in clock ticks) and rss (24, pages). */
export function parseProcStat(text: string, clockTicks: number, pageSize: number): Reading {
  // The command name (field 2) is in parentheses and may contain spaces; count from after it.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const rssPages = Number(fields[21]);
  if (![utime, stime, rssPages].every(Number.isFinite)) {
    throw new Error(`unexpected /proc stat line: ${text.slice(0, 120)}`);
  }
  return { cpuSeconds: (utime + stime) / clockTicks, rssBytes: rssPages * pageSize };
}

async function readProc(pid: number): Promise<Reading> {
  const { clockTicks, pageSize } = readConstants();
  return parseProcStat(await readFile(`/proc/${pid}/stat`, 'utf8'), clockTicks, pageSize);
}

async function readPidusage(pid: number): Promise<Reading> {
  const stats = await pidusage(pid);
  return { cpuSeconds: stats.ctime / 1000, rssBytes: stats.memory };
}

async function hasProc(pid: number): Promise<boolean> {
  try {
    await readProc(pid);
    return true;
  } catch {
    return false;
  }
}

/** Samples another process (the server) until stop(). */
export async function sampleProcess(
  pid: number,
  options: SamplerOptions = {},
): Promise<ProcessSampler> {
  const source = (await hasProc(pid)) ? 'proc' : 'pidusage';
  const read = source === 'proc' ? readProc : readPidusage;
  const first = await read(pid);
  const startedAt = performance.now();
  let last = first;
  let peakRssBytes = first.rssBytes;
  let samples = 1;
  let exited = false;
  let reading: Promise<void> = Promise.resolve();

  const sample = async () => {
    try {
      last = await read(pid);
      peakRssBytes = Math.max(peakRssBytes, last.rssBytes);
      samples += 1;
    } catch {
      exited = true;
    }
  };
  const timer = setInterval(() => {
    reading = reading.then(sample);
  }, options.intervalMs ?? 100);
  timer.unref();

  return {
    pid,
    async stop() {
      clearInterval(timer);
      await reading;
      if (!exited) await sample();
      const wallSeconds = (performance.now() - startedAt) / 1000;
      if (source === 'pidusage') pidusage.clear();
      const cpuSeconds = Math.max(0, last.cpuSeconds - first.cpuSeconds);
      return {
        pid,
        cpuSeconds,
        wallSeconds,
        utilisation: wallSeconds > 0 ? cpuSeconds / wallSeconds : 0,
        peakRssBytes,
        samples,
        source,
        ...(exited ? { exited } : {}),
      };
    },
  };
}

/** Samples the current process (the generator) with process.cpuUsage() until stop(). */
export function sampleSelf(options: SamplerOptions = {}): ProcessSampler {
  const firstCpu = process.cpuUsage();
  const startedAt = performance.now();
  let peakRssBytes = process.memoryUsage.rss();
  let samples = 1;
  const timer = setInterval(() => {
    peakRssBytes = Math.max(peakRssBytes, process.memoryUsage.rss());
    samples += 1;
  }, options.intervalMs ?? 100);
  timer.unref();
  return {
    pid: process.pid,
    async stop() {
      clearInterval(timer);
      const cpu = process.cpuUsage(firstCpu);
      peakRssBytes = Math.max(peakRssBytes, process.memoryUsage.rss());
      const wallSeconds = (performance.now() - startedAt) / 1000;
      const cpuSeconds = (cpu.user + cpu.system) / 1e6;
      return {
        pid: process.pid,
        cpuSeconds,
        wallSeconds,
        utilisation: wallSeconds > 0 ? cpuSeconds / wallSeconds : 0,
        peakRssBytes,
        samples: samples + 1,
        source: 'self',
      };
    },
  };
}

export type Bottleneck = 'server' | 'generator' | 'neither';

/** At or above this fraction of its core a side counts as saturated. */
export const SATURATION = 0.9;

/**
 * Which side ran out of CPU, each having one core. When both are saturated the generator is
 * named: the result cannot be read as the server's capacity, so it must be flagged.
 */
export function classifyBottleneck(input: {
  serverUtil: number;
  generatorUtil: number;
  threshold?: number;
}): Bottleneck {
  const threshold = input.threshold ?? SATURATION;
  if (input.generatorUtil >= threshold) return 'generator';
  if (input.serverUtil >= threshold) return 'server';
  return 'neither';
}
