// Every evolution server of a lab run in one process: for each change set, version and server
// family one server on its own ephemeral port, and a control port where the lab reads what
// each server decoded (GET /records/<exchange>). One process instead of one per server keeps
// a full matrix (about 150 servers) within seconds of start-up.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  ChangeSet,
  ServerFamily,
  ServerRecord,
  StartEvolutionServer,
  StartedEvolutionServer,
  Version,
} from '../../schemas/evolution/types.ts';
import { VERSIONS } from '../../schemas/evolution/types.ts';
import { startConnectServer } from './connect.ts';
import { startGraphqlServer } from './graphql.ts';
import { startGrpcServer } from './grpc.ts';
import { startRestServer } from './rest.ts';

export const STARTERS: Record<ServerFamily, StartEvolutionServer> = {
  rest: startRestServer,
  graphql: startGraphqlServer,
  grpc: startGrpcServer,
  connect: startConnectServer,
};

/** change set → version → family → port. */
export type EvolutionPorts = Record<string, Record<Version, Record<ServerFamily, number>>>;

export interface EvolutionServers {
  ports: EvolutionPorts;
  /** The control port: GET /records/<exchange> answers the records of that exchange. */
  control: number;
  records(exchange: string): ServerRecord[];
  close(): Promise<void>;
}

/** Records kept per exchange; a lab run reads each once, so a bound is only a safety net. */
const MAX_EXCHANGES = 100_000;

export async function serveEvolution(
  changes: readonly ChangeSet[],
  families: readonly ServerFamily[] = ['rest', 'graphql', 'grpc', 'connect'],
): Promise<EvolutionServers> {
  const log = new Map<string, ServerRecord[]>();
  const record = (entry: ServerRecord) => {
    if (log.size >= MAX_EXCHANGES && !log.has(entry.exchange)) return;
    const list = log.get(entry.exchange) ?? [];
    list.push(entry);
    log.set(entry.exchange, list);
  };
  const started: StartedEvolutionServer[] = [];
  const ports: EvolutionPorts = {};
  let control: Server | undefined;
  const close = async () => {
    await Promise.allSettled(started.map((s) => s.close()));
    if (control) {
      const server = control;
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    }
  };
  try {
    for (const change of changes) {
      const byVersion = {} as Record<Version, Record<ServerFamily, number>>;
      for (const version of VERSIONS) {
        const byFamily = {} as Record<ServerFamily, number>;
        for (const family of families) {
          const server = await STARTERS[family]({ change, version, record });
          started.push(server);
          byFamily[family] = server.port;
        }
        byVersion[version] = byFamily;
      }
      ports[change.name] = byVersion;
    }
    control = createServer((req, res) => {
      const match = /^\/records\/([\w-]{1,100})$/.exec(req.url ?? '');
      if (req.method !== 'GET' || !match?.[1]) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('GET /records/<exchange>\n');
        return;
      }
      const body = JSON.stringify(log.get(match[1]) ?? []);
      log.delete(match[1]);
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
    const server = control;
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(0, '127.0.0.1', () => done());
    });
  } catch (err) {
    await close();
    throw err;
  }
  return {
    ports,
    control: (control.address() as AddressInfo).port,
    records: (exchange) => log.get(exchange) ?? [],
    close,
  };
}
