// protobuf-es (protoc-gen-es, target=ts) for Connect, driven by schemas/proto/buf.gen.yaml so
// that `buf generate --template schemas/proto/buf.gen.yaml` from the root gives the same files.
// Its inputs are schemas/proto and the gRPC reflection protos shipped in @grpc/reflection (the
// version package-lock.json pins, so the output stays deterministic).

import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from './run-command.ts';
import type { Generator } from './types.ts';

/** The `out` of the plugin in buf.gen.yaml, relative to the repository root. */
const TEMPLATE_OUT = 'schemas/gen/es';

export const protobufEs: Generator = {
  name: 'es',
  summary:
    'protobuf-es messages and service descriptors (Connect) from schemas/proto and gRPC reflection',
  async generate({ outDir, workDir }) {
    // --output prefixes the template's out paths, so the plugin writes below workDir and the
    // committed tree is only replaced once the whole run has succeeded.
    await runCommand('buf', [
      'generate',
      '--template',
      'schemas/proto/buf.gen.yaml',
      '--output',
      workDir,
    ]);
    await cp(join(workDir, TEMPLATE_OUT), outDir, { recursive: true });
  },
};
