// A run's wire-sample.json, read and written beside its results.json; clients/inspect/sample.ts
// builds the sample, markdown.ts and html.ts render it.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
// From sample.ts rather than the inspector's index: reading a report loads no client code.
import { WIRE_SAMPLE_SCHEMA, type WireSample } from '../../clients/inspect/sample.ts';

// Re-exported so the report's modules and cli/report.ts name one place for the sample.
export {
  toWireSample,
  WIRE_SAMPLE_SCHEMA,
  type WireSample,
  type WireSampleCall,
  type WireSampleLine,
  type WireSampleVariant,
} from '../../clients/inspect/sample.ts';

export const WIRE_SAMPLE_FILE = 'wire-sample.json';

/** The sample stored in a run folder, or undefined when there is none (or it is not ours). */
export function readWireSample(runDir: string): WireSample | undefined {
  const file = join(runDir, WIRE_SAMPLE_FILE);
  if (!existsSync(file)) return undefined;
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<WireSample>;
  return parsed.schema === WIRE_SAMPLE_SCHEMA ? (parsed as WireSample) : undefined;
}

export function writeWireSample(runDir: string, sample: WireSample): string {
  const file = join(runDir, WIRE_SAMPLE_FILE);
  writeFileSync(file, `${JSON.stringify(sample)}\n`);
  return file;
}
