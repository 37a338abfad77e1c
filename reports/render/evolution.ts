// The schema evolution lab in the report: a summary per variant, the checkers' disagreements,
// then one table per change set (variant × direction × read/write), one tone per outcome and
// the evidence of every cell that did not work on hover (HTML) and in a list below (markdown).

import type { Discrepancy, Outcome } from '../../bench/evolution/classify.ts';
import { OUTCOME_LABEL, OUTCOMES } from '../../bench/evolution/classify.ts';
import type {
  ChangeSetResult,
  Disagreement,
  EvolutionCell,
  EvolutionResults,
  ExchangeObservation,
} from '../../bench/evolution/results.ts';
import { CROSS_DIRECTIONS, DIRECTIONS } from '../../bench/evolution/results.ts';
import type { PlainValue } from '../../schemas/evolution/types.ts';
import { formatNumber } from './analysis.ts';
import type { Block, Cell, Section, Tone } from './content.ts';
import { sectionMarkdown } from './markdown.ts';

export const OUTCOME_TONE: Record<Outcome, Tone> = {
  works: 'good',
  'loud-failure': 'warn',
  'silent-loss': 'bad',
  'silent-wrong-data': 'alarm',
};

const EVIDENCE_CHARS = 160;

function clip(text: string, max = EVIDENCE_CHARS): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function valueText(value: PlainValue | undefined): string {
  return value === undefined ? 'nothing' : clip(JSON.stringify(value), 60);
}

export function discrepancyText(d: Discrepancy): string {
  switch (d.kind) {
    case 'dropped':
      return `${d.fact}: sent ${valueText(d.sent)}, read nothing`;
    case 'changed':
      return `${d.fact}: sent ${valueText(d.sent)}, read ${valueText(d.read)}`;
    case 'defaulted':
      return `${d.fact}: never sent, read ${valueText(d.read)}`;
    case 'required-missing':
      return `${d.fact}: required by the reader's contract, absent, no error`;
  }
}

/** The short text of an exchange's cell: the outcome, and the code of a loud failure. */
export function exchangeLabel(e: ExchangeObservation, codeChars = 32): string {
  if (e.outcome === 'loud-failure' && e.failure) return `loud: ${clip(e.failure.code, codeChars)}`;
  return OUTCOME_LABEL[e.outcome];
}

/** Where a disagreement was seen: 'old client → new server', or both directions. */
export function directionsText(d: Disagreement): string {
  return d.directions.map((x) => DIRECTIONS[x].label).join(' and ');
}

/** What was observed, in a sentence or two: the failure, the facts that differed, the bytes. */
export function evidenceOf(e: ExchangeObservation): string {
  if (e.outcome === 'works') return '';
  const parts: string[] = [];
  if (e.failure) parts.push(`${e.failure.code}: ${clip(e.failure.message)}`);
  for (const leg of e.legs) {
    if (leg.outcome === 'works') continue;
    parts.push(`${leg.leg}: ${leg.discrepancies.map(discrepancyText).join('; ')}`);
  }
  const b = e.bytes;
  if (b?.clientSent) parts.push(`client sent ${clip(b.clientSent, 80)}`);
  if (b?.clientReceived) parts.push(`client received ${clip(b.clientReceived, 80)}`);
  if (b?.serverReceived) parts.push(`server received ${clip(b.serverReceived, 80)}`);
  return parts.join(' · ');
}

function exchangeCell(e: ExchangeObservation): Cell {
  const title = evidenceOf(e);
  return { text: exchangeLabel(e), tone: OUTCOME_TONE[e.outcome], ...(title ? { title } : {}) };
}

/** Outcome counts over every cross-version exchange (a read and a write per cell). */
export function outcomeCounts(cells: readonly EvolutionCell[]): Record<Outcome, number> {
  const counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  for (const cell of cells) {
    counts[cell.read.outcome]++;
    counts[cell.write.outcome]++;
  }
  return counts;
}

function changeSetBlocks(result: ChangeSetResult, variants: readonly string[]): Block[] {
  const blocks: Block[] = [{ kind: 'heading', text: `${result.name}: ${result.description}` }];
  const notes = Object.entries(result.notes ?? {})
    .map(([contract, note]) => `${contract}: ${note}`)
    .join('; ');
  blocks.push({ kind: 'p', text: `What for: ${result.use}.${notes ? ` ${notes}.` : ''}` });
  const head = ['variant'];
  for (const d of CROSS_DIRECTIONS) head.push(`${DIRECTIONS[d].label}: read`, 'write');
  const cells = result.cells;
  const rows: Cell[][] = variants.map((variant) => {
    const row: Cell[] = [variant];
    for (const direction of CROSS_DIRECTIONS) {
      const cell = cells.find((c) => c.variant === variant && c.direction === direction);
      row.push(cell ? exchangeCell(cell.read) : '–', cell ? exchangeCell(cell.write) : '–');
    }
    return row;
  });
  blocks.push({ kind: 'table', head, rows });
  const checkers = result.checkers.map((c) =>
    c.verdict === 'error'
      ? `${c.checker}: error (${clip(c.error ?? '', 80)})`
      : `${c.checker}: ${c.verdict}`,
  );
  if (checkers.length > 0) blocks.push({ kind: 'p', text: `Checkers: ${checkers.join(' · ')}.` });
  for (const d of result.disagreements) {
    blocks.push({
      kind: 'p',
      tone: 'warn',
      text:
        d.kind === 'passed-but-failed'
          ? `${d.checker} called it ${d.verdict}, yet ${d.variants.join(', ')} showed ${d.observed.map((o) => OUTCOME_LABEL[o]).join(', ')} (${directionsText(d)}).`
          : `${d.checker} called it ${d.verdict}, yet every exchange of ${d.variants.join(', ')} worked.`,
    });
  }
  const evidence = cells.flatMap((c) =>
    [c.read, c.write]
      .filter((e) => e.outcome !== 'works')
      .map(
        (e) => `${c.variant}, ${DIRECTIONS[c.direction].label}, ${e.exchange}: ${evidenceOf(e)}`,
      ),
  );
  if (evidence.length > 0) blocks.push({ kind: 'list', items: evidence });
  return blocks;
}

export function buildEvolutionSection(results: EvolutionResults): Section {
  const all = results.changes.flatMap((c) => c.cells);
  const counts = outcomeCounts(all);
  const exchanges = all.length * 2;
  const blocks: Block[] = [
    {
      kind: 'p',
      text:
        `${results.changes.length} change sets × ${results.variants.length} variants × 2 directions, ` +
        `a read and a write each: ${formatNumber(exchanges)} exchanges between a client built from one ` +
        `version and a server built from the other, classified by what both programs saw ` +
        `(${OUTCOMES.map((o) => `${OUTCOME_LABEL[o]} ${counts[o]}`).join(', ')}), ` +
        `in ${formatNumber(results.wallMs / 1_000)} s on Node ${results.node}.`,
    },
  ];
  if (results.baselineFailures.length > 0) {
    blocks.push({
      kind: 'p',
      tone: 'warn',
      text: `The lab is broken: ${results.baselineFailures.length} equal-version exchanges did not work (${results.baselineFailures
        .slice(0, 5)
        .map((c) => `${c.change} ${c.variant} ${c.direction}`)
        .join(', ')}); the matrix below cannot be trusted.`,
    });
  }
  const summary: Cell[][] = results.variants.map((variant) => {
    const c = outcomeCounts(all.filter((cell) => cell.variant === variant));
    return [
      variant,
      ...OUTCOMES.map(
        (o): Cell => ({ text: String(c[o]), ...(c[o] > 0 ? { tone: OUTCOME_TONE[o] } : {}) }),
      ),
    ];
  });
  blocks.push({
    kind: 'table',
    head: ['variant', ...OUTCOMES.map((o) => OUTCOME_LABEL[o])],
    rows: summary,
    numeric: [false, true, true, true, true],
  });
  const disagreements = results.changes.flatMap((c) => c.disagreements);
  if (disagreements.length > 0) {
    blocks.push({
      kind: 'table',
      head: ['change set', 'checker', 'said', 'observed'],
      rows: disagreements.map((d) => [
        d.change,
        d.checker,
        d.verdict,
        d.kind === 'passed-but-failed'
          ? {
              text: `${d.observed.map((o) => OUTCOME_LABEL[o]).join(', ')}: ${d.variants.join(', ')}, ${directionsText(d)}`,
              tone: 'bad',
            }
          : { text: `works (${d.variants.join(', ')})`, tone: 'warn' },
      ]),
    });
  }
  for (const change of results.changes) blocks.push(...changeSetBlocks(change, results.variants));
  return { id: 'evolution', title: 'Schema evolution', blocks };
}

export function renderEvolutionMarkdown(results: EvolutionResults): string {
  return `# wirebench evolve · ${results.createdAt.slice(0, 16).replace('T', ' ')} UTC\n\n${sectionMarkdown(buildEvolutionSection(results))}\n`;
}
