// `wirebench compare RUN_A RUN_B`: per scenario, variant and metric, the change from A to B
// and whether it is beyond the runs' noise; a terminal table, markdown or JSON. Exit codes:
// 0 no chosen metric regressed past --fail-on-regression (or no gate), 1 one did (CI gating),
// 2 usage error (bad flag, no such run).

import { writeFileSync } from 'node:fs';
import { type Command, InvalidArgumentError, Option } from 'commander';
import {
  type Comparison,
  checkSelectors,
  compareRuns,
  GROUPED_HEAD,
  groupedRow,
  levelsLine,
  METRICS,
  type MetricSelector,
  matchedChanges,
  parseMetricSelector,
  renderCompareMarkdown,
  SelectorError,
  scenarioHeading,
  summaryLine,
  unmatchedLines,
} from '../reports/render/compare.ts';
import { loadRun, RunNotFoundError } from '../reports/render/load-run.ts';
import { type Io, PROCESS_IO } from './report.ts';
import { colourEnabled, type PlainRow, renderPlainTable, wrapText } from './terminal.ts';

export interface CompareFlags {
  metric?: MetricSelector[] | undefined;
  failOnRegression?: number | undefined;
  allLevels?: boolean | undefined;
  markdown?: string | undefined;
  json?: boolean;
}

/**
 * The comparison for a terminal, within 120 columns: a heading per scenario naming the level
 * its closed-loop figures were compared at, a row per variant and metric under it.
 */
export function renderCompareTable(cmp: Comparison, colour = false): string {
  const rows: PlainRow[] = [];
  let scenario: string | undefined;
  for (const c of matchedChanges(cmp)) {
    if (c.scenario !== scenario) {
      scenario = c.scenario;
      rows.push({ heading: scenarioHeading(cmp, c.scenario) });
    }
    rows.push(groupedRow(cmp, c));
  }
  const text = (line: string) => wrapText(line);
  const lines = [
    text(`A ${cmp.a.id} (${cmp.a.profile}) → B ${cmp.b.id} (${cmp.b.profile})`),
    ...cmp.notes.map((n) => text(`note: ${n}`)),
    text(levelsLine(cmp)),
    rows.length > 0
      ? renderPlainTable(GROUPED_HEAD, rows, {
          colour,
          align: ['left', 'left', 'right', 'right', 'right', 'left'],
        })
      : '(no figure in both runs to compare)',
    ...unmatchedLines(cmp).map(text),
    'cells: median (min–max) over repetitions; overlapping ranges are noise; bytes are exact',
    text(summaryLine(cmp)),
  ];
  return `${lines.join('\n')}\n`;
}

/** Compares two runs and prints the result; returns the exit code. */
export async function runCompare(
  runA: string,
  runB: string,
  flags: CompareFlags,
  io: Io = PROCESS_IO,
): Promise<number> {
  let cmp: Comparison;
  try {
    const a = loadRun(runA);
    const b = loadRun(runB);
    const selectors = flags.metric ?? [];
    checkSelectors(selectors, a.results, b.results);
    cmp = compareRuns(a.results, b.results, {
      selectors,
      failOnRegressionPercent: flags.failOnRegression,
      allLevels: flags.allLevels,
    });
  } catch (err) {
    if (err instanceof RunNotFoundError || err instanceof SelectorError) {
      io.stderr(`error: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (flags.markdown) writeFileSync(flags.markdown, renderCompareMarkdown(cmp));
  // Colour only for the real terminal; a test's io (or a pipe) gets plain text.
  const colour = io === PROCESS_IO && colourEnabled(process.stdout);
  io.stdout(flags.json ? `${JSON.stringify(cmp, null, 2)}\n` : renderCompareTable(cmp, colour));
  if (flags.markdown && !flags.json) io.stdout(`markdown: ${flags.markdown}\n`);
  return cmp.failed.length > 0 ? 1 : 0;
}

function parsePercent(text: string): number {
  const value = Number(text.replace(/%$/, ''));
  if (!Number.isFinite(value) || value < 0) {
    throw new InvalidArgumentError('must be a percentage (0 or more), e.g. 10 or 10%');
  }
  return value;
}

function parseSelectorOption(
  text: string,
  previous: MetricSelector[] | undefined,
): MetricSelector[] {
  try {
    return [...(previous ?? []), parseMetricSelector(text)];
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

/** Adds `compare` to the wirebench program (io: where it prints; tests pass their own). */
export function registerCompareCommand(program: Command, io: Io = PROCESS_IO): void {
  program
    .command('compare')
    .description('compare two runs metric by metric, telling real changes from noise')
    .argument('<run-a>', 'the baseline: a run id, a run folder or a results.json path')
    .argument('<run-b>', 'the candidate, compared against run-a')
    .addOption(
      new Option(
        '--metric <selector>',
        `SCENARIO[@VARIANT][:METRIC], repeatable; METRIC one of ${METRICS.join(', ')}; SCENARIO may be *. Only these are shown and gated (default: all)`,
      ).argParser(parseSelectorOption),
    )
    .addOption(
      new Option(
        '--fail-on-regression <pct>',
        'exit 1 when a chosen metric regresses beyond noise by more than this percentage',
      ).argParser(parsePercent),
    )
    .addOption(
      new Option(
        '--all-levels',
        "compare every closed-loop level both runs measured, not only the verdict's (the highest every variant ran)",
      ),
    )
    .addOption(new Option('--markdown <file>', 'also write the comparison as markdown'))
    .addOption(new Option('--json', 'print the comparison as JSON'))
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  wirebench compare RUN_A RUN_B',
        '  wirebench compare RUN_A RUN_B --metric crud-read:p99 --metric crud-read:throughput --fail-on-regression 10',
        '  wirebench compare reports/reference RUN --metric "*@grpc" --markdown compare.md',
        '',
        'Closed-loop figures are compared at the level the verdict reads: the highest concurrency',
        'every variant of both runs was measured at (--all-levels: every level).',
        'A change is noise when the min–max ranges of the repetitions overlap; otherwise an',
        'improvement or a regression (lower latency, bytes and CPU are better; higher throughput',
        'and capacity are better). Exit codes: 0 ok, 1 a chosen metric regressed past the',
        'threshold, 2 usage error.',
      ].join('\n'),
    )
    .action(async (runA: string, runB: string, flags: CompareFlags) => {
      process.exitCode = await runCompare(runA, runB, flags, io);
    });
}
