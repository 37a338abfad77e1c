// The one way a shootout starts a server: a fresh `serve --only <group>` process, pinned by the
// run's wrapper, handed to a phase (or several) and always stopped afterwards, whatever they do.

import type { Variant } from '../../clients/contract.ts';
import { createClient } from '../../clients/index.ts';
import { type ServerProcess, startServerProcess } from '../../clients/server-process.ts';
import type { Catalog, GroupRef, RunContext, ServerSettings, StartedGroup } from './context.ts';

/** The seeded catalog as the fresh server first serves it, read through one of its clients. */
async function readCatalog(
  variant: Variant,
  endpoints: ServerProcess['endpoints'],
): Promise<Catalog> {
  const client = createClient(variant, endpoints);
  try {
    const books = await client.exportCatalog();
    const bookIds = books.map((b) => b.id);
    return {
      bookIds,
      authorIds: [...new Set(books.map((b) => b.authorId))],
      maxId: bookIds.length > 0 ? Math.max(...bookIds) : 1,
    };
  } finally {
    await client.close();
  }
}

/** Starts the group's server, runs `use` against it and stops the server, also on failure. */
export async function withServerGroup<T>(
  ctx: Pick<RunContext, 'options' | 'wrapper'>,
  group: GroupRef,
  settings: ServerSettings,
  use: (started: StartedGroup) => Promise<T>,
): Promise<T> {
  const [first] = group.variants;
  if (!first) throw new Error(`server group ${group.name} has no variant to serve`);
  const start = () =>
    startServerProcess({
      only: group.name,
      seed: ctx.options.seed,
      scale: ctx.options.scale,
      metrics: settings.metrics,
      compression: settings.compression,
      wrapper: ctx.wrapper,
    });
  const metricsUrlOf = (server: ServerProcess) =>
    server.ports.metrics ? `http://127.0.0.1:${server.ports.metrics}/metrics` : undefined;
  let server: ServerProcess | undefined = await start();
  try {
    const catalog = await readCatalog(first, server.endpoints);
    const started: StartedGroup = {
      ...group,
      server,
      metricsUrl: metricsUrlOf(server),
      catalog,
      async restart() {
        const old = server;
        server = undefined;
        await old?.stop();
        server = await start();
        started.server = server;
        started.metricsUrl = metricsUrlOf(server);
      },
    };
    return await use(started);
  } finally {
    await server?.stop();
  }
}
