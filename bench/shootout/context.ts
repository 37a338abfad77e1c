// What a shootout phase is and what it is given: the run's options and context, and for the
// phases that load a server, a started server group. A phase returns its part of the results;
// the pipeline (pipeline.ts) runs phases in order and merges the parts into one result.

import type { Variant } from '../../clients/contract.ts';
import type { WireSample } from '../../clients/inspect/index.ts';
import type { ServerProcess } from '../../clients/server-process.ts';
import type { ServerGroup } from '../../clients/variants.ts';
import type { EvolutionResults } from '../evolution/results.ts';
import type { Scenario } from '../scenarios/index.ts';
import type {
  CeilingResult,
  H2loadCheck,
  MicroResult,
  PhaseTiming,
  ScenarioResult,
} from './results.ts';

export interface ShootoutOptions {
  profile: 'quick' | 'full';
  variants: Variant[];
  scenarios: Scenario[];
  concurrency: number[];
  /** True when the command line named the concurrency: it then overrides the scenarios' own. */
  concurrencyExplicit: boolean;
  /**
   * Open-loop arrival rate (ops/s) for crud-read; default: half of what the variant can carry,
   * the lower of its server-only capacity and its client's best closed-loop throughput.
   */
  rate: number | undefined;
  openLoop: boolean;
  durationMs: number;
  warmupMs: number;
  repeat: number;
  seed: number;
  scale: string;
  capacity: { enabled: boolean; h1Connections: number; h2Connections: number; h2Streams: number };
  ceilings: boolean;
  h2loadCheck: boolean;
  /** Capture GetBook on the wire for every variant against the measured servers. */
  wireSample: boolean;
  micro: ((log: (line: string) => void) => Promise<MicroResult[]>) | undefined;
  /** The schema evolution lab, when the profile runs it. */
  evolution?: ((log: (line: string) => void) => Promise<EvolutionResults>) | undefined;
  argv: string[];
  onProgress?: ((event: ProgressEvent) => void) | undefined;
  log?: ((line: string) => void) | undefined;
}

export interface ProgressEvent {
  step: string;
  done: number;
  total: number;
}

/** A server group of the run: the process that serves these selected variants. */
export interface GroupRef {
  name: ServerGroup;
  variants: Variant[];
}

/** The books and authors a fresh server serves, read once before any phase writes. */
export interface Catalog {
  bookIds: number[];
  authorIds: number[];
  /** The highest seeded book id: capacity requests draw ids from 1..maxId. */
  maxId: number;
}

/** A group's server, started by withServerGroup (server-group.ts) and stopped after its phases. */
export interface StartedGroup extends GroupRef {
  /** The group's server right now: restart() replaces it. */
  server: ServerProcess;
  /** Prometheus endpoint of the server, when it was started with metrics. */
  metricsUrl: string | undefined;
  /** The seeded catalog: the same on every fresh server of the run (same seed and scale). */
  catalog: Catalog;
  /** Stops the server and starts a fresh one, with the same settings, on the seeded dataset. */
  restart(): Promise<void>;
}

/** How a group's server is started for a stage: with metrics, with gzip responses. */
export interface ServerSettings {
  metrics?: boolean | undefined;
  compression?: boolean | undefined;
}

/** Figures a phase adds to a row that an earlier phase created (matched by variant, scenario). */
export type ScenarioPatch = Partial<ScenarioResult> & { variant: string; scenario: string };

/** A phase's part of the results. */
export interface PhaseOutput {
  /** New rows, one per (variant, scenario). */
  results?: ScenarioResult[];
  /** Figures added to existing rows. */
  patches?: ScenarioPatch[];
  ceilings?: CeilingResult[];
  h2loadChecks?: H2loadCheck[];
  micro?: MicroResult[];
  evolution?: EvolutionResults;
  /** GetBook on the wire for the group's variants; the groups' samples are put together. */
  wireSample?: WireSample;
  /** About the run itself: a measurement that failed, a check that did not hold. */
  warnings?: string[];
}

/** Everything the phases returned so far, merged. */
export interface Collected {
  results: ScenarioResult[];
  ceilings: CeilingResult[];
  h2loadChecks: H2loadCheck[];
  micro: MicroResult[];
  evolution: EvolutionResults | undefined;
  wireSample: WireSample | undefined;
  warnings: string[];
  phases: PhaseTiming[];
}

export interface RunContext {
  readonly options: ShootoutOptions;
  /** Prefix of every server command: pins servers to their core where taskset exists. */
  readonly wrapper: string[];
  log(line: string): void;
  /** One step of the progress bar done (the steps phases declare). */
  progress(step: string): void;
  /** What the phases before this one returned, merged: read, never written. */
  readonly sofar: Readonly<Collected>;
}

interface PhaseBase {
  /** kebab-case, as the results' run.phases and the log name it. */
  name: string;
}

/** A phase that runs once for the whole run. */
export interface RunPhase extends PhaseBase {
  scope: 'run';
  applies?(ctx: RunContext): boolean;
  /** Progress steps it reports (default none). */
  steps?(options: ShootoutOptions): number;
  run(ctx: RunContext): Promise<PhaseOutput>;
}

/** A phase that runs once per server group, with no server of the group running. */
export interface GroupPhase extends PhaseBase {
  scope: 'group';
  applies?(ctx: RunContext, group: GroupRef): boolean;
  steps?(options: ShootoutOptions, group: GroupRef): number;
  run(ctx: RunContext, group: GroupRef): Promise<PhaseOutput>;
}

/** A phase that runs once per server group against the group's started server. */
export interface ServerPhase extends PhaseBase {
  scope: 'server';
  /**
   * What the server must be started with (absent: off). The pipeline refuses to put the phase
   * on another server: load never meets a compressing server, compressed bytes never a plain one.
   */
  server: ServerSettings;
  applies?(ctx: RunContext, group: GroupRef): boolean;
  steps?(options: ShootoutOptions, group: GroupRef): number;
  run(ctx: RunContext, group: StartedGroup): Promise<PhaseOutput>;
}

export type Phase = RunPhase | GroupPhase | ServerPhase;

/** The rows of a group's variants in what the run has so far. */
export function rowsOf(ctx: RunContext, group: GroupRef): ScenarioResult[] {
  return ctx.sofar.results.filter((r) => (group.variants as string[]).includes(r.variant));
}

/** The row of one variant and scenario, if a phase created it. */
export function rowOf(
  ctx: RunContext,
  variant: Variant,
  scenario: string,
): ScenarioResult | undefined {
  return ctx.sofar.results.find((r) => r.variant === variant && r.scenario === scenario);
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
