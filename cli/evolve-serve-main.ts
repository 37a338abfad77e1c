// The evolution lab's server process (started by clients/evolution/server-process.ts): every
// server of the named change sets, each version and family on its own ephemeral port. Prints
// one JSON line, {"msg":"serving","ports":…,"control":…}, and serves until SIGTERM, SIGINT or,
// with WIREBENCH_STOP_ON_STDIN_EOF=1, the end of its stdin (the parent went away).

import { parseArgs } from 'node:util';
import { serveEvolution } from '../apis/evolution/index.ts';
import { CHANGE_SETS } from '../schemas/evolution/catalogue.ts';

const { values } = parseArgs({ options: { change: { type: 'string', multiple: true } } });
const names = values.change ?? CHANGE_SETS.map((c) => c.name);
const unknown = names.filter((n) => !CHANGE_SETS.some((c) => c.name === n));
if (unknown.length > 0) {
  process.stderr.write(`unknown change set: ${unknown.join(', ')}\n`);
  process.exit(2);
}
const servers = await serveEvolution(CHANGE_SETS.filter((c) => names.includes(c.name)));
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  servers.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGTERM', stop).once('SIGINT', stop);
if (process.env.WIREBENCH_STOP_ON_STDIN_EOF === '1') process.stdin.on('end', stop).resume();
process.stdout.write(
  `${JSON.stringify({ msg: 'serving', ports: servers.ports, control: servers.control })}\n`,
);
