// `wirebench inspect`: what one real call (or, with --compare, every variant) put on the wire both
// ways; the work is clients/inspect, this file parses arguments, starts a server and prints.

import { type Command, InvalidArgumentError, Option } from 'commander';
import { type Endpoints, VARIANTS } from '../clients/contract.ts';
import {
  compareVariants,
  findOperation,
  inspectVariant,
  OPERATION_NAMES,
  renderCompare,
  renderReport,
} from '../clients/inspect/index.ts';
import { type ServerProcess, startServerProcess } from '../clients/server-process.ts';
import { isVariant } from '../clients/variants.ts';

export interface InspectFlags {
  compare?: boolean;
  json?: boolean;
  warm?: boolean;
  http?: string;
  h2?: string;
  grpc?: string;
  bodyLimit: number;
}

class UsageError extends Error {}

function usage(message: string): never {
  throw new UsageError(message);
}

/** The given servers, or a fresh small one that is stopped whatever the work does. */
async function withEndpoints<T>(
  flags: InspectFlags,
  work: (endpoints: Endpoints) => Promise<T>,
): Promise<T> {
  if (flags.http || flags.h2 || flags.grpc) {
    return work({
      http: flags.http ?? 'http://127.0.0.1:8080',
      h2: flags.h2 ?? 'http://127.0.0.1:8081',
      grpc: flags.grpc ?? '127.0.0.1:50051',
    });
  }
  let server: ServerProcess | undefined;
  try {
    server = await startServerProcess({ scale: 'small' });
    return await work(server.endpoints);
  } finally {
    await server?.stop();
  }
}

/** Drops payload bytes from JSON output (they are shown decoded). */
function toJsonOutput(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (v instanceof Uint8Array ? undefined : v), 2);
}

export async function runInspect(args: string[], flags: InspectFlags): Promise<number> {
  const variantList = VARIANTS.join(', ');
  const operationList = OPERATION_NAMES.join(', ');
  if (flags.compare) {
    if (args.length !== 1) usage(`inspect --compare takes one OPERATION (${operationList})`);
    const operation = findOperation(args[0] as string);
    if (!operation) usage(`unknown operation "${args[0]}"; valid: ${operationList}`);
    const rows = await withEndpoints(flags, (endpoints) => compareVariants(operation, endpoints));
    process.stdout.write(
      flags.json
        ? `${toJsonOutput({ operation, variants: rows })}\n`
        : `${renderCompare(operation, rows)}\n`,
    );
    return rows.every((row) => row.cold?.ok && row.warm?.ok) ? 0 : 1;
  }
  if (args.length !== 2) usage(`inspect takes PROTOCOL OPERATION (or --compare OPERATION)`);
  const [variant, operationName] = args as [string, string];
  if (!isVariant(variant)) usage(`unknown protocol "${variant}"; valid: ${variantList}`);
  const operation = findOperation(operationName);
  if (!operation) usage(`unknown operation "${operationName}"; valid: ${operationList}`);
  const report = await withEndpoints(flags, (endpoints) =>
    inspectVariant(variant, operation, endpoints, { warm: flags.warm }),
  );
  process.stdout.write(
    flags.json ? `${toJsonOutput(report)}\n` : `${renderReport(report, flags.bodyLimit)}\n`,
  );
  return report.ok ? 0 : 1;
}

function parseLimit(text: string): number {
  const n = Number(text);
  // InvalidArgumentError: commander reports it as a usage error (exit 2), not a crash.
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number');
  return n;
}

/** Adds `inspect` to the wirebench program. */
export function registerInspectCommand(program: Command): void {
  program
    .command('inspect')
    .description('make one real call and print what crossed the wire, both ways')
    .argument('[protocol]', `a protocol variant: ${VARIANTS.join(', ')}`)
    .argument('[operation]', `an operation: ${OPERATION_NAMES.join(', ')}`)
    .addOption(new Option('--compare', 'every variant side by side for OPERATION'))
    .addOption(new Option('--json', 'print the structured result instead of text'))
    .addOption(
      new Option(
        '--warm',
        'make one unreported call first, so the reported one reuses the connection',
      ),
    )
    .addOption(new Option('--http <url>', 'use this HTTP/1.1 server instead of starting one'))
    .addOption(new Option('--h2 <url>', 'use this HTTP/2 (connect-node) server'))
    .addOption(new Option('--grpc <host:port>', 'use this grpc-js server'))
    .addOption(
      new Option('--body-limit <chars>', 'truncate printed bodies past this many characters')
        .default(2048)
        .argParser(parseLimit),
    )
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  wirebench inspect grpc GetBook              frames, HPACK headers, envelope, trailers',
        '  wirebench inspect rest GetAuthorTreeNaive   every request of the naive nested read',
        '  wirebench inspect --compare GetBook         every protocol side by side, byte totals',
        '  wirebench inspect connect-proto-h2 ListBooks --warm --json',
        '',
        'Without --http/--h2/--grpc a server is started (small dataset) and stopped afterwards.',
        'Exit codes: 0 the call succeeded, 1 it failed, 2 usage error.',
      ].join('\n'),
    )
    .action(
      async (
        protocol: string | undefined,
        operation: string | undefined,
        flags: InspectFlags,
        command: Command,
      ) => {
        const args = [protocol, operation].filter((a): a is string => a !== undefined);
        try {
          process.exitCode = await runInspect(args, flags);
        } catch (err) {
          if (err instanceof UsageError) command.error(`error: ${err.message}`, { exitCode: 2 });
          throw err;
        }
      },
    );
}
