// The wirebench command line: serve, shootout, report, compare, inspect, calibrate and evolve.
// Exit codes: 0 ok, 1 runtime failure (or a broken threshold), 2 usage error.

import type { Command } from 'commander';
import { registerCalibrateCommand } from './calibrate.ts';
import { registerCompareCommand } from './compare.ts';
import { registerEvolveCommand } from './evolve.ts';
import { registerInspectCommand } from './inspect.ts';
import { createProgram, runProgram } from './program.ts';
import { registerReportCommand } from './report.ts';
import { registerServeCommand } from './serve.ts';
import { registerShootoutCommand } from './shootout.ts';

export function buildProgram(): Command {
  const program = createProgram();
  registerServeCommand(program);
  registerInspectCommand(program);
  registerShootoutCommand(program);
  registerCalibrateCommand(program);
  registerReportCommand(program);
  registerCompareCommand(program);
  registerEvolveCommand(program);
  return program;
}

/** Parses argv and runs the chosen command; errors print a message, never a stack. */
export async function run(argv: string[]): Promise<void> {
  await runProgram(buildProgram(), argv);
}

if (process.argv[1]?.endsWith('cli/main.ts')) await run(process.argv);
