// `wirebench serve`: the library over every protocol, or one implementation alone (--only), on
// the ports given, until SIGINT/SIGTERM (or, for a server started by a test or a benchmark, the
// end of its stdin).

import { type Command, InvalidArgumentError, Option } from 'commander';
import { Library, parseScale, type Scale } from '../apis/domain/index.ts';
import { createLogger } from '../apis/logger.ts';
import { DEFAULT_PORTS, SERVE_GROUPS, type ServeGroup, startServers } from '../apis/servers.ts';

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new InvalidArgumentError('must be a port number (0-65535)');
  }
  return port;
}

function parseSeed(text: string): number {
  const seed = Number(text);
  if (!Number.isSafeInteger(seed)) throw new InvalidArgumentError('must be an integer');
  return seed;
}

function parseScaleOption(text: string): Scale {
  try {
    return parseScale(text);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

interface ServeFlags {
  port: number;
  h2Port: number;
  grpcPort: number;
  metricsPort?: number;
  host: string;
  only?: ServeGroup;
  compression: boolean;
  db?: string;
  seed: number;
  scale: Scale;
  logLevel: string;
}

async function serve(flags: ServeFlags): Promise<void> {
  const logger = createLogger(flags.logLevel);
  const started = Date.now();
  const library = Library.open({ file: flags.db, seed: flags.seed, scale: flags.scale });
  logger.info(
    { seed: flags.seed, scale: flags.scale, db: flags.db ?? ':memory:', ms: Date.now() - started },
    'library opened',
  );
  const servers = await startServers(library, {
    host: flags.host,
    httpPort: flags.port,
    h2Port: flags.h2Port,
    grpcPort: flags.grpcPort,
    metricsPort: flags.metricsPort,
    only: flags.only,
    compression: flags.compression,
    logger,
  });
  const { http, h2, grpc } = servers.ports;
  const h1 = http === undefined ? undefined : `http://${flags.host}:${http}`;
  const only = flags.only;
  logger.info(
    {
      only: only ?? 'all',
      ports: servers.ports,
      ...(h1 && (!only || only === 'rest') ? { rest: `${h1}/v1`, docs: `${h1}/docs` } : {}),
      ...(h1 && (!only || only === 'graphql')
        ? { graphql: `${h1}/graphql`, graphqlNaive: `${h1}/graphql-naive` }
        : {}),
      ...(h1 && (!only || only === 'connect') ? { connectH1: h1 } : {}),
      ...(h2 !== undefined ? { connectH2: `http://${flags.host}:${h2}` } : {}),
      ...(grpc !== undefined ? { grpc: `${flags.host}:${grpc}` } : {}),
    },
    'serving',
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'draining');
    servers
      .close()
      .then(() => {
        library.close();
        logger.info('stopped');
        process.exit(0);
      })
      .catch((err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  // A server started by a test or a benchmark must not outlive it, even when its parent dies
  // without cleaning up (killed by a timeout): the parent holds our stdin, and its end means stop.
  if (process.env.WIREBENCH_STOP_ON_STDIN_EOF === '1') {
    process.stdin
      .on('end', () => {
        // Our stdout went with the parent: a log write there would block pino's synchronous
        // destination forever, so stop without logging.
        logger.level = 'silent';
        stop('parent exited');
      })
      .resume();
  }
}

/** Adds `serve` to the wirebench program. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve the library over every protocol')
    .addOption(
      new Option('--port <port>', 'HTTP/1.1 port (REST, GraphQL, Connect, gRPC-Web)')
        .env('WIREBENCH_PORT')
        .default(DEFAULT_PORTS.http)
        .argParser(parsePort),
    )
    .addOption(
      new Option(
        '--h2-port <port>',
        'HTTP/2 cleartext port (Connect, gRPC, gRPC-Web on connect-node)',
      )
        .env('WIREBENCH_H2_PORT')
        .default(DEFAULT_PORTS.h2)
        .argParser(parsePort),
    )
    .addOption(
      new Option('--grpc-port <port>', 'grpc-js port')
        .env('WIREBENCH_GRPC_PORT')
        .default(DEFAULT_PORTS.grpc)
        .argParser(parsePort),
    )
    .addOption(
      new Option('--metrics-port <port>', 'serve Prometheus metrics (/metrics) on this port')
        .env('WIREBENCH_METRICS_PORT')
        .argParser(parsePort),
    )
    .addOption(
      new Option('--only <protocol>', 'serve one protocol implementation alone')
        .env('WIREBENCH_ONLY')
        .choices(SERVE_GROUPS),
    )
    .addOption(
      new Option(
        '--compression',
        'gzip responses of 1 KiB or more for clients that accept it (REST, GraphQL, Connect, gRPC-Web and gRPC on connect-node; grpc-js cannot compress responses)',
      )
        .env('WIREBENCH_COMPRESSION')
        .default(false),
    )
    .addOption(
      new Option('--host <host>', 'address to bind').env('WIREBENCH_HOST').default('127.0.0.1'),
    )
    .addOption(new Option('--db <file>', 'SQLite file (default: in memory)').env('WIREBENCH_DB'))
    .addOption(
      new Option('--seed <n>', 'dataset seed')
        .env('WIREBENCH_SEED')
        .default(42)
        .argParser(parseSeed),
    )
    .addOption(
      new Option('--scale <scale>', 'dataset scale: small, default, large or a multiplier')
        .env('WIREBENCH_SCALE')
        .default('default' as Scale)
        .argParser(parseScaleOption),
    )
    .addOption(
      new Option('--log-level <level>', 'pino log level')
        .env('WIREBENCH_LOG_LEVEL')
        .default('info'),
    )
    .action(async (flags: ServeFlags) => {
      await serve(flags);
    });
}
