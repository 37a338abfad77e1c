// What a result must say about where it was measured: CPU, cores, memory, OS, Node and the
// versions of the packages under test, the git revision (and whether the tree was dirty).

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, freemem, loadavg, release, totalmem, type } from 'node:os';
import { resolve } from 'node:path';

const REPO_ROOT = resolve(import.meta.dirname, '../..');

/** Packages whose versions decide the figures: the servers, the clients, the load generators. */
const MEASURED_PACKAGES = [
  'express',
  'graphql',
  'graphql-yoga',
  'dataloader',
  '@grpc/grpc-js',
  'protobufjs',
  '@connectrpc/connect',
  '@connectrpc/connect-node',
  '@bufbuild/protobuf',
  'better-sqlite3',
  'undici',
  'graphql-request',
  'graphql-sse',
  'ws',
  'autocannon',
  'hdr-histogram-js',
  'tinybench',
] as const;

export interface Environment {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  freeMemoryGiB: number;
  loadAverage: number[];
  os: string;
  node: string;
  v8: string;
  packages: Record<string, string>;
  git: { sha: string; shortSha: string; dirty: boolean } | undefined;
  tools: Record<string, string>;
}

function packageVersion(name: string): string {
  try {
    const file = resolve(REPO_ROOT, 'node_modules', name, 'package.json');
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

function run(command: string, args: string[]): string | undefined {
  try {
    return execFileSync(command, args, {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

export function gitRevision(): Environment['git'] {
  const sha = run('git', ['rev-parse', 'HEAD']);
  if (!sha) return undefined;
  const dirty = (run('git', ['status', '--porcelain', '--untracked-files=no']) ?? '') !== '';
  return { sha, shortSha: sha.slice(0, 7), dirty };
}

export function captureEnvironment(): Environment {
  const cpu = cpus();
  const h2load = run('h2load', ['--version']);
  return {
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    freeMemoryGiB: Math.round((freemem() / 2 ** 30) * 10) / 10,
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    os: `${type()} ${release()}`,
    node: process.version,
    v8: process.versions.v8,
    packages: Object.fromEntries(MEASURED_PACKAGES.map((p) => [p, packageVersion(p)])),
    git: gitRevision(),
    tools: {
      taskset: run('taskset', ['--version']) ?? 'not found',
      h2load: h2load?.split('\n')[0] ?? 'not found',
    },
  };
}
