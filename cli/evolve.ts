// `wirebench evolve`: the schema evolution lab. Old clients against new servers and new clients
// against old, over every variant, with what each side saw and what the static checkers said;
// prints the matrix, writes reports/runs/<id>/evolution.json and evolution.md.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { runEvolution } from '../bench/evolution/lab.ts';
import type { EvolutionResults } from '../bench/evolution/results.ts';
import { createRunId, RUNS_DIR } from '../bench/shootout/results.ts';
import { renderEvolutionMarkdown } from '../reports/render/evolution.ts';
import { EVOLUTION_FILE } from '../reports/render/load-run.ts';
import { CHANGE_SETS } from '../schemas/evolution/catalogue.ts';
import { EVOLUTION_VARIANTS, type EvolutionVariant } from '../schemas/evolution/types.ts';
import { renderEvolutionTerminal } from './evolve-terminal.ts';
import { colourEnabled } from './terminal.ts';

interface EvolveFlags {
  change?: string[];
  protocols?: EvolutionVariant[];
  checkers: boolean;
  json?: boolean;
  out?: string;
  write: boolean;
}

function parseVariants(text: string, previous: EvolutionVariant[] = []): EvolutionVariant[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(EVOLUTION_VARIANTS as readonly string[]).includes(n));
  if (unknown.length > 0)
    throw new InvalidArgumentError(
      `unknown variant: ${unknown.join(', ')} (known: ${EVOLUTION_VARIANTS.join(', ')})`,
    );
  return [...previous, ...(names as EvolutionVariant[])];
}

export interface EvolveOutput {
  write?: (text: string) => void;
  colour?: boolean;
}

/** Writes the results and their report section; returns the folder. */
export function writeEvolution(results: EvolutionResults, dir: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, EVOLUTION_FILE), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(dir, 'evolution.md'), renderEvolutionMarkdown(results));
  return dir;
}

export function registerEvolveCommand(program: Command, output: EvolveOutput = {}): Command {
  const write = output.write ?? ((text: string) => process.stdout.write(text));
  const colour = output.colour ?? (output.write === undefined && colourEnabled(process.stdout));
  return program
    .command('evolve')
    .description(
      'schema evolution lab: old clients against new servers and back, over every variant, ' +
        'beside what buf breaking, graphql-inspector and an OpenAPI diff predict',
    )
    .addOption(
      new Option('--change <name...>', 'change sets to run (default: all)').choices(
        CHANGE_SETS.map((c) => c.name),
      ),
    )
    .addOption(
      new Option(
        '--protocols <list>',
        `variants, comma-separated (${EVOLUTION_VARIANTS.join(', ')})`,
      ).argParser(parseVariants),
    )
    .option('--no-checkers', 'skip the static checkers')
    .option('--json', 'print the results as JSON instead of the matrix')
    .option('--out <dir>', 'write evolution.json and evolution.md here (default reports/runs/<id>)')
    .option('--no-write', 'write no files')
    .addHelpText(
      'after',
      [
        '',
        'Each cell is one read and one write between a client of one version and a server of the',
        'other, classified by what the programs on both sides saw: works, silent loss, silent',
        'wrong data, loud failure. Equal-version pairs run too; if one does not work the lab is',
        'broken, and the command exits 1. The whole catalogue takes about a minute.',
        '',
      ].join('\n'),
    )
    .action(async (flags: EvolveFlags) => {
      const progress = (done: number, total: number) => {
        if (process.stderr.isTTY) process.stderr.write(`\r${done}/${total} cells`);
        else if (done === total || done % 100 === 0)
          process.stderr.write(`${done}/${total} cells\n`);
      };
      const results = await runEvolution({
        changes: flags.change,
        variants: flags.protocols,
        checkers: flags.checkers,
        onProgress: progress,
      });
      if (process.stderr.isTTY) process.stderr.write('\n');
      let dir: string | undefined;
      if (flags.write) {
        dir =
          flags.out ??
          join(RUNS_DIR, `${createRunId(new Date(), undefined).replace(/-nogit$/, '')}-evolve`);
        writeEvolution(results, dir);
      }
      if (flags.json) write(`${JSON.stringify(results, null, 2)}\n`);
      else write(renderEvolutionTerminal(results, { colour }));
      if (dir) process.stderr.write(`wrote ${join(dir, 'evolution.json')} and evolution.md\n`);
      if (results.baselineFailures.length > 0) process.exitCode = 1;
    });
}
