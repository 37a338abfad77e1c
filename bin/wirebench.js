#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npx wirebench` works without a build step.
import { register } from 'tsx/esm/api';

register();
const { run } = await import('../cli/main.ts');
await run(process.argv);
