// The report's content as data, shared by the builders (sections.ts, evolution.ts) and the
// renderers (html.ts, markdown.ts): sections of paragraphs, tables and charts.

import type { Chart } from './charts.ts';
import type { WireSample } from './wire-sample.ts';

/** 'alarm' is worse than 'bad': the evolution matrix's silent wrong data beside silent loss. */
export type Tone = 'good' | 'bad' | 'warn' | 'muted' | 'strong' | 'alarm';

export type Cell = string | { text: string; tone?: Tone; title?: string };

export type Block =
  | { kind: 'p'; text: string; tone?: 'note' | 'warn' }
  | { kind: 'list'; items: string[]; tone?: 'warn' }
  | { kind: 'heading'; text: string }
  | { kind: 'table'; head: string[]; rows: Cell[][]; numeric?: boolean[] }
  | { kind: 'charts'; charts: Chart[] }
  | { kind: 'wire'; sample: WireSample };

export interface Section {
  id: string;
  title: string;
  blocks: Block[];
}

export interface ReportContent {
  title: string;
  subtitle: string;
  sections: Section[];
  /** Sections left out, with why (a quick run has no open loop, streams or micro). */
  skipped: { title: string; why: string }[];
}
