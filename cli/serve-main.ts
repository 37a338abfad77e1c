// `wirebench serve` alone, for server child processes (clients/server-process.ts): the same
// command and flags as `wirebench serve`, without loading the shootout, report and inspector
// modules, which cost about a second of every server start.

import { createProgram, runProgram } from './program.ts';
import { registerServeCommand } from './serve.ts';

const program = createProgram();
registerServeCommand(program);
await runProgram(program, process.argv);
