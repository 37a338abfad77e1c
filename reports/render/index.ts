// Renders a run's report: report.md, a self-contained report.html and the charts as SVG files
// (charts/, linked from the markdown), all next to the run's results.json.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ShootoutResults } from '../../bench/shootout/results.ts';
import { renderHtml } from './html.ts';
import { CHART_DIR, renderMarkdown } from './markdown.ts';
import { buildReportContent, chartsOf, type ReportContent } from './sections.ts';
import type { WireSample } from './wire-sample.ts';

export type { Verdict } from './analysis.ts';
export { verdictsOf } from './analysis.ts';
export { type LoadedRun, loadRun, RunNotFoundError, resolveRunFile } from './load-run.ts';
export type { ReportContent } from './sections.ts';
export { buildReportContent } from './sections.ts';

export interface WrittenReport {
  markdown: string;
  html: string;
  charts: string[];
}

/** Builds the report of a run and writes it into `dir` (the run folder). */
export function writeReport(
  results: ShootoutResults,
  dir: string,
  sample: WireSample | undefined,
  now = new Date(),
): WrittenReport {
  const content: ReportContent = buildReportContent(results, sample);
  const chartDir = join(dir, CHART_DIR);
  const charts = chartsOf(content);
  if (charts.length > 0) mkdirSync(chartDir, { recursive: true });
  const chartFiles = charts.map((c) => {
    const file = join(chartDir, `${c.id}.svg`);
    writeFileSync(file, `${c.svg}\n`);
    return file;
  });
  const markdown = join(dir, 'report.md');
  const html = join(dir, 'report.html');
  writeFileSync(markdown, renderMarkdown(content, now));
  writeFileSync(html, renderHtml(content, now));
  return { markdown, html, charts: chartFiles };
}
