// CPU pinning for benchmarks on a small machine: the server on one core, the load generator on
// the other, with taskset where it exists; what was applied goes into the results' environment.

import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';

export const SERVER_CORE = 1;
export const GENERATOR_CORE = 0;

export interface PinningSupport {
  taskset: boolean;
  /** Online cores (not the affinity of this process, which pinning itself narrows). */
  cores: number;
  /** taskset exists and there are at least two cores to split. */
  usable: boolean;
}

export interface PinningReport {
  tool: 'taskset' | null;
  cores: number;
  /** Core list the server runs on, or null when it was not pinned. */
  server: string | null;
  /** Core list of the generator, or null when it was not pinned. */
  generator: string | null;
  notes: string[];
}

let support: PinningSupport | undefined;

export function detectPinning(): PinningSupport {
  if (!support) {
    const probe = spawnSync('taskset', ['-p', String(process.pid)], { encoding: 'utf8' });
    const taskset = probe.status === 0;
    const cores = cpus().length;
    support = { taskset, cores, usable: taskset && cores >= 2 };
  }
  return support;
}

/** The command prefix that pins a server process to `core`, or [] when pinning is unavailable. */
export function serverWrapper(core: number = SERVER_CORE): string[] {
  const { usable, cores } = detectPinning();
  return usable && core < cores ? ['taskset', '-c', String(core)] : [];
}

/**
 * Pins every thread of this process (libuv pool, V8 helpers, worker threads: hence -a) to
 * `core`. Threads created later inherit the affinity.
 */
export function pinSelf(core: number = GENERATOR_CORE): { pinned: boolean; reason?: string } {
  const { usable, cores } = detectPinning();
  if (!usable) return { pinned: false, reason: 'taskset unavailable or fewer than 2 cores' };
  if (core >= cores) return { pinned: false, reason: `core ${core} does not exist` };
  const result = spawnSync('taskset', ['-a', '-p', '-c', String(core), String(process.pid)], {
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    return { pinned: false, reason: (result.stderr || 'taskset failed').trim() };
  }
  return { pinned: true };
}

/** What a run applied, for the results' environment section. */
export function describePinning(applied: {
  serverWrapper: readonly string[];
  generator: { pinned: boolean; reason?: string } | undefined;
  generatorCore?: number;
}): PinningReport {
  const { taskset, cores } = detectPinning();
  const notes: string[] = [];
  const server = applied.serverWrapper[0] === 'taskset' ? (applied.serverWrapper[2] ?? null) : null;
  if (server === null) notes.push('server not pinned');
  const generatorPinned = applied.generator?.pinned === true;
  if (!generatorPinned) {
    notes.push(
      `generator not pinned${applied.generator?.reason ? `: ${applied.generator.reason}` : ''}`,
    );
  }
  return {
    tool: taskset ? 'taskset' : null,
    cores,
    server,
    generator: generatorPinned ? String(applied.generatorCore ?? GENERATOR_CORE) : null,
    notes,
  };
}
