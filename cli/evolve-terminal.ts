// `wirebench evolve` for a person: the counts per variant first, then per change set a table of
// variant × direction × read/write, the checkers' verdicts and where they disagree with what was
// observed. Every line within 120 columns; the evidence is in evolution.md and the JSON.

import { OUTCOME_LABEL, OUTCOMES } from '../bench/evolution/classify.ts';
import type { EvolutionResults } from '../bench/evolution/results.ts';
import { CROSS_DIRECTIONS } from '../bench/evolution/results.ts';
import { formatNumber } from '../reports/render/analysis.ts';
import { directionsText, exchangeLabel, outcomeCounts } from '../reports/render/evolution.ts';
import { renderPlainTable, wrapText } from './terminal.ts';

/** A loud failure's code is cut to this many characters, so that four columns fit in 120. */
const CODE_CHARS = 18;

export function renderEvolutionTerminal(
  results: EvolutionResults,
  options: { colour?: boolean } = {},
): string {
  const colour = options.colour ?? false;
  const cells = results.changes.flatMap((c) => c.cells);
  const lines: string[] = [];
  const counts = outcomeCounts(cells);
  lines.push(
    wrapText(
      `${results.changes.length} change sets × ${results.variants.length} variants × 2 directions, a read and a write each: ` +
        `${OUTCOMES.map((o) => `${OUTCOME_LABEL[o]} ${counts[o]}`).join(', ')} (${formatNumber(results.wallMs / 1_000)} s)`,
    ),
  );
  if (results.baselineFailures.length > 0) {
    lines.push(
      wrapText(
        `LAB DEFECT: ${results.baselineFailures.length} equal-version exchanges did not work: ` +
          results.baselineFailures
            .slice(0, 8)
            .map((c) => `${c.change} ${c.variant} ${c.direction}`)
            .join(', '),
      ),
    );
  }
  lines.push(
    '',
    renderPlainTable(
      ['variant', ...OUTCOMES.map((o) => OUTCOME_LABEL[o])],
      results.variants.map((variant) => {
        const c = outcomeCounts(cells.filter((cell) => cell.variant === variant));
        return [variant, ...OUTCOMES.map((o) => String(c[o]))];
      }),
      { colour, align: ['left', 'right', 'right', 'right', 'right'] },
    ),
  );
  for (const change of results.changes) {
    lines.push('', wrapText(`${change.name}: ${change.description}`));
    const rows = results.variants.map((variant) => {
      const row: string[] = [variant];
      for (const direction of CROSS_DIRECTIONS) {
        const cell = change.cells.find((c) => c.variant === variant && c.direction === direction);
        row.push(
          cell ? exchangeLabel(cell.read, CODE_CHARS) : '–',
          cell ? exchangeLabel(cell.write, CODE_CHARS) : '–',
        );
      }
      return row;
    });
    lines.push(
      renderPlainTable(
        ['  variant', 'old→new read', 'old→new write', 'new→old read', 'new→old write'],
        rows.map(([v, ...rest]) => [`  ${v}`, ...rest]),
        { colour },
      ),
    );
    if (change.checkers.length > 0) {
      lines.push(
        wrapText(
          `  checkers: ${change.checkers.map((c) => `${c.checker} ${c.verdict}`).join(', ')}`,
        ),
      );
    }
    for (const d of change.disagreements) {
      lines.push(
        wrapText(
          d.kind === 'passed-but-failed'
            ? `  ! ${d.checker} said ${d.verdict}; ${d.variants.join(', ')}: ${d.observed.map((o) => OUTCOME_LABEL[o]).join(', ')} (${directionsText(d)})`
            : `  ! ${d.checker} said ${d.verdict}; every exchange of ${d.variants.join(', ')} worked`,
        ),
      );
    }
  }
  lines.push(
    '',
    'codes are cut to fit; evolution.md and --json have them whole, with the evidence of every cell',
  );
  return `${lines.join('\n')}\n`;
}
