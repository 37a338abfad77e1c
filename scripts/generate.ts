// `npm run generate`: regenerates everything under schemas/gen from the contracts, with local
// tools only. Each generator owns schemas/gen/<name> and rewrites it whole, so a run is
// deterministic and the drift test (scripts/generate.spec.ts) can compare a fresh run with
// the committed files. Generators for other contracts (OpenAPI, GraphQL types) join the list.

import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { evolution } from './generators/evolution.ts';
import { openapiTypescript } from './generators/openapi-typescript.ts';
import { protobufEs } from './generators/protobuf-es.ts';
import { protobufJs } from './generators/protobufjs.ts';
import { REPO_ROOT } from './generators/run-command.ts';
import type { Generator } from './generators/types.ts';

export type { Generator } from './generators/types.ts';

export const GEN_ROOT = join(REPO_ROOT, 'schemas', 'gen');

export const generators: readonly Generator[] = [
  protobufEs,
  protobufJs,
  openapiTypescript,
  evolution,
];

export interface GenerateOptions {
  /** Where the generator folders go; schemas/gen unless a test wants a scratch copy. */
  genRoot?: string | undefined;
  /** Generator names to run; all when absent. */
  only?: readonly string[] | undefined;
  log?: ((line: string) => void) | undefined;
}

/** Runs the generators one after another and returns the folders it rewrote. */
export async function generate(options: GenerateOptions = {}): Promise<string[]> {
  const genRoot = options.genRoot ?? GEN_ROOT;
  const selected = options.only
    ? generators.filter((g) => options.only?.includes(g.name))
    : generators;
  const unknown = (options.only ?? []).filter((n) => !generators.some((g) => g.name === n));
  if (unknown.length > 0) throw new Error(`unknown generator: ${unknown.join(', ')}`);
  const written: string[] = [];
  for (const generator of selected) {
    const scratch = await mkdtemp(join(tmpdir(), `wirebench-gen-${generator.name}-`));
    try {
      const outDir = join(scratch, 'out');
      const workDir = join(scratch, 'work');
      await mkdir(outDir);
      await mkdir(workDir);
      await generator.generate({ outDir, workDir });
      // Replace the folder whole so that files of removed protos do not linger.
      const target = join(genRoot, generator.name);
      await rm(target, { recursive: true, force: true });
      await mkdir(genRoot, { recursive: true });
      await cp(outDir, target, { recursive: true });
      written.push(target);
      options.log?.(`generated ${relative(REPO_ROOT, target) || target}: ${generator.summary}`);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }
  return written;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      only: { type: 'string', multiple: true },
      list: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(
      [
        'usage: npm run generate -- [--only NAME]... [--out DIR] [--list]',
        '',
        'Regenerates schemas/gen/<name> for every generator (or only the named ones).',
        '  --out DIR   write the generator folders under DIR instead of schemas/gen',
        '  --list      print the generators and exit',
        '',
      ].join('\n'),
    );
    return;
  }
  if (values.list) {
    for (const g of generators) process.stdout.write(`${g.name}\t${g.summary}\n`);
    return;
  }
  await generate({
    genRoot: values.out ? resolve(values.out) : undefined,
    only: values.only,
    log: (line) => process.stdout.write(`${line}\n`),
  });
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
