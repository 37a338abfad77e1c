// The results of `wirebench evolve`: every cell of change set × variant × direction, what was
// observed on each leg of its read and its write, and what the static checkers said of the
// same pair. A versioned schema of its own: the shootout's results carry it as `evolution`.

import type { EvolutionVariant, Facts, Operation, Version } from '../../schemas/evolution/types.ts';
import type { CheckerResult } from './checkers.ts';
import type { Discrepancy, Outcome } from './classify.ts';

export const EVOLUTION_SCHEMA = 'wirebench.evolution/v1';

/** Old client against new server, new client against old; the baselines pair equal versions. */
export type Direction = 'old-client-new-server' | 'new-client-old-server' | 'v1-v1' | 'v2-v2';

export const DIRECTIONS: Record<Direction, { client: Version; server: Version; label: string }> = {
  'old-client-new-server': { client: 'v1', server: 'v2', label: 'old client → new server' },
  'new-client-old-server': { client: 'v2', server: 'v1', label: 'new client → old server' },
  'v1-v1': { client: 'v1', server: 'v1', label: 'v1 ↔ v1 (baseline)' },
  'v2-v2': { client: 'v2', server: 'v2', label: 'v2 ↔ v2 (baseline)' },
};

export const CROSS_DIRECTIONS: readonly Direction[] = [
  'old-client-new-server',
  'new-client-old-server',
];

export type Leg = 'request' | 'response' | 'echo';

export interface LegObservation {
  /** request: client → server; response and echo: server → client. */
  leg: Leg;
  outcome: Outcome;
  discrepancies: Discrepancy[];
  unknownToReceiver: string[];
  /** Kept only when the outcome is not 'works'. */
  sent?: Facts;
  read?: Facts;
}

export interface ExchangeObservation {
  exchange: 'read' | 'write';
  operation: Operation;
  outcome: Outcome;
  legs: LegObservation[];
  /** The error the caller saw. */
  failure?: { code: string; message: string };
  /** Kept only when the outcome is not 'works': the bytes as the libraries produced them. */
  bytes?: { clientSent?: string; clientReceived?: string; serverReceived?: string };
}

export interface EvolutionCell {
  change: string;
  variant: EvolutionVariant;
  direction: Direction;
  read: ExchangeObservation;
  write: ExchangeObservation;
}

/** A checker's prediction beside what was observed in the variants it speaks for. */
export interface Disagreement {
  change: string;
  checker: string;
  verdict: CheckerResult['verdict'];
  /**
   * 'passed-but-failed': called safe, yet a cell lost data or read wrong data without an
   * error; 'failed-but-worked': called breaking, yet every exchange of its variants worked.
   */
  kind: 'passed-but-failed' | 'failed-but-worked';
  variants: EvolutionVariant[];
  /** The directions those cells ran in. */
  directions: Direction[];
  observed: Outcome[];
}

export interface ChangeSetResult {
  name: string;
  description: string;
  use: string;
  notes?: { proto?: string; graphql?: string; openapi?: string };
  /** The cross-version cells; the equal-version baselines that failed are in baselineFailures. */
  cells: EvolutionCell[];
  checkers: CheckerResult[];
  disagreements: Disagreement[];
}

export interface EvolutionResults {
  schema: typeof EVOLUTION_SCHEMA;
  createdAt: string;
  node: string;
  variants: EvolutionVariant[];
  changes: ChangeSetResult[];
  /** Baseline cells (equal versions) that did not work: a defect of the lab, not a finding. */
  baselineFailures: EvolutionCell[];
  wallMs: number;
}
