// Prometheus metrics of a serving process (prom-client): process CPU and memory, event-loop
// delay (perf_hooks via prom-client; each scrape resets the delay histogram, so a scrape before
// and after a benchmark window gives that window's delay) and the store's query count. Served on
// a port of its own so that the protocols under test carry no metrics route.

import { createServer, type Server } from 'node:http';
import { Counter, collectDefaultMetrics, Registry } from 'prom-client';
import type { Library } from './domain/index.ts';

export interface MetricsServer {
  server: Server;
  registry: Registry;
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

export function buildMetricsServer(library: Library): MetricsServer {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 1 });
  let reported = 0;
  new Counter({
    name: 'wirebench_store_queries_total',
    help: 'SQL statements executed by the library store',
    registers: [registry],
    collect() {
      const total = library.store.queryCount;
      this.inc(total - reported);
      reported = total;
    },
  });
  const server = createServer((req, res) => {
    if ((req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': registry.contentType }).end(text);
      },
      (err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err));
      },
    );
  });
  return {
    server,
    registry,
    listen(port, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address();
          resolve(typeof address === 'object' && address ? address.port : port);
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
