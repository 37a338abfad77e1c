// The wirebench program without its commands: name, description and exit codes (0 ok, 1 runtime
// failure or a broken threshold, 2 usage error). cli/main.ts adds every command; a server child
// process (clients/server-process.ts) runs cli/serve-main.ts, which adds only `serve`.

import { Command } from 'commander';

export function createProgram(): Command {
  return new Command('wirebench')
    .description(
      'API protocol shootouts: one library domain over REST, GraphQL, gRPC, gRPC-Web and Connect',
    )
    .showHelpAfterError()
    .exitOverride((err) => {
      process.exit(err.exitCode === 0 ? 0 : 2);
    });
}

/** Parses argv and runs the chosen command; errors print a message, never a stack. */
export async function runProgram(program: Command, argv: string[]): Promise<void> {
  try {
    await program.parseAsync(argv);
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
