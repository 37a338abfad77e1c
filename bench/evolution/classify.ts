// What happened to the data on one leg of an exchange, decided from what the two sides saw,
// never from a rule about the change: the sender's facts beside the receiver's, read through
// the receiver's vocabulary (what its contract has a place for, what it calls required).

import { isDeepStrictEqual } from 'node:util';
import type { Facts, PlainValue } from '../../schemas/evolution/types.ts';
import type { Vocabulary } from './vocabulary.ts';

/** Outcomes from the best to the worst; a loud failure beats silence, which is the point. */
export const OUTCOMES = ['works', 'loud-failure', 'silent-loss', 'silent-wrong-data'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const OUTCOME_LABEL: Record<Outcome, string> = {
  works: 'works',
  'loud-failure': 'loud failure',
  'silent-loss': 'silent loss',
  'silent-wrong-data': 'silent wrong data',
};

/** One fact that did not arrive as it was sent. */
export interface Discrepancy {
  fact: string;
  kind: 'dropped' | 'changed' | 'defaulted' | 'required-missing';
  /** What the sender had; absent when it sent nothing there. */
  sent?: PlainValue;
  /** What the receiver's program read; absent when it read nothing there. */
  read?: PlainValue;
}

export interface LegVerdict {
  outcome: Outcome;
  discrepancies: Discrepancy[];
  /** Facts the sender had that the receiver's contract has no place for (not a loss). */
  unknownToReceiver: string[];
}

const present = (facts: Facts, key: string): boolean =>
  Object.hasOwn(facts, key) && facts[key] !== null && facts[key] !== undefined;

/**
 * Compares one leg. A fact the receiver can hold that did not arrive is a loss; one that
 * arrived different, or that the receiver read although the sender never sent it (a zero
 * default read as a real value), is wrong data; a fact the receiver's contract requires and
 * neither side had is a loss too (the program reads nothing where its contract promised a
 * value, and nobody said so).
 */
export function classifyLeg(sent: Facts, read: Facts, receiver: Vocabulary): LegVerdict {
  const discrepancies: Discrepancy[] = [];
  const unknownToReceiver: string[] = [];
  for (const fact of Object.keys(sent).sort()) {
    if (!present(sent, fact)) continue;
    const value = sent[fact] as PlainValue;
    if (!receiver.known.has(fact)) {
      unknownToReceiver.push(fact);
      continue;
    }
    if (!present(read, fact)) discrepancies.push({ fact, kind: 'dropped', sent: value });
    else if (!isDeepStrictEqual(read[fact], value))
      discrepancies.push({ fact, kind: 'changed', sent: value, read: read[fact] as PlainValue });
  }
  for (const fact of Object.keys(read).sort()) {
    if (present(sent, fact) || !present(read, fact)) continue;
    discrepancies.push({ fact, kind: 'defaulted', read: read[fact] as PlainValue });
  }
  for (const fact of [...receiver.required].sort()) {
    if (!present(sent, fact) && !present(read, fact))
      discrepancies.push({ fact, kind: 'required-missing' });
  }
  const wrong = discrepancies.some((d) => d.kind === 'changed' || d.kind === 'defaulted');
  const outcome: Outcome = wrong
    ? 'silent-wrong-data'
    : discrepancies.length > 0
      ? 'silent-loss'
      : 'works';
  return { outcome, discrepancies, unknownToReceiver };
}

/** The worse of outcomes, in OUTCOMES order. */
export function worst(outcomes: readonly Outcome[]): Outcome {
  let index = 0;
  for (const o of outcomes) index = Math.max(index, OUTCOMES.indexOf(o));
  return OUTCOMES[index] ?? 'works';
}
