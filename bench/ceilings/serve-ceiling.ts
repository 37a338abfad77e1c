// Child-process entry of a ceiling server: `node --import tsx bench/ceilings/serve-ceiling.ts
// <stack> [--host H] [--port P]`. Prints one JSON line {"msg":"serving","stack",...,"ports"}
// like `wirebench serve`, and exits on SIGTERM or SIGINT.

import { parseArgs } from 'node:util';
import { buildCeilingServer, isCeilingStack } from './servers.ts';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
  },
});
const stack = positionals[0] ?? '';
if (!isCeilingStack(stack)) {
  process.stderr.write(`unknown ceiling stack "${stack}"\n`);
  process.exit(2);
}
const server = buildCeilingServer(stack);
const port = await server.listen(Number(values.port), values.host);
process.stdout.write(
  `${JSON.stringify({ msg: 'serving', stack, pid: process.pid, host: values.host, ports: { http: port } })}\n`,
);

const shutdown = () => {
  // A benchmark server has nothing to drain: close what is open, and go even if it lingers.
  setTimeout(() => process.exit(0), 1_000).unref();
  void server.close().then(() => process.exit(0));
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
