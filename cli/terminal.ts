// What the command line prints to a person: tables through one helper that leaves colour out
// when the output is not a terminal or NO_COLOR is set (https://no-color.org), and lines kept
// within TERMINAL_WIDTH columns. Every cli-table3 table of wirebench is made here.

import Table from 'cli-table3';

/** The widest line the terminal output aims for: a CI log, a split pane, an issue comment. */
export const TERMINAL_WIDTH = 120;

interface ColourTarget {
  isTTY?: boolean | undefined;
}

/** Colour only on a terminal, and never when NO_COLOR is present and not empty. */
export function colourEnabled(
  stream: ColourTarget = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  const noColour = env.NO_COLOR;
  if (noColour !== undefined && noColour !== '') return false;
  return stream.isTTY === true;
}

export type TableOptions = ConstructorParameters<typeof Table>[0];

/**
 * A cli-table3 table; with colour off its head and border styles are emptied (cli-table3 colours
 * them by default, into pipes too).
 */
export function createTable(options: TableOptions = {}, colour = colourEnabled()): Table.Table {
  if (colour) return new Table(options);
  return new Table({ ...options, style: { ...options.style, head: [], border: [] } });
}

/** No borders, two spaces between columns, no padding: the compact look of the summaries. */
export const PLAIN_CHARS = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '  ',
} as const;

/** A row of a plain table: its cells, or a heading across every column (a group's name). */
export type PlainRow = string[] | { heading: string };

/**
 * A borderless table whose widths fit `width`: every column as wide as its widest cell, the
 * last (notes) taking what is left and wrapping its words. The head is underlined with dashes.
 */
export function renderPlainTable(
  head: string[],
  rows: PlainRow[],
  options: { width?: number; colour?: boolean; align?: ('left' | 'right')[] } = {},
): string {
  const width = options.width ?? TERMINAL_WIDTH;
  const columns = head.length;
  const cells = rows.filter((r): r is string[] => Array.isArray(r));
  const widest = (i: number) =>
    Math.max(
      head[i]?.length ?? 0,
      ...cells.map((r) => Math.max(...(r[i] ?? '').split('\n').map((line) => line.length))),
    );
  const widths = head.map((_, i) => widest(i));
  const fixed = widths.slice(0, -1).reduce((a, b) => a + b, 0) + 2 * (columns - 1);
  widths[columns - 1] = Math.max(12, Math.min(widths[columns - 1] ?? 0, width - fixed));
  const table = createTable(
    {
      chars: PLAIN_CHARS,
      style: { 'padding-left': 0, 'padding-right': 0, head: [], border: [] },
      colWidths: widths,
      ...(options.align ? { colAligns: options.align } : {}),
      wordWrap: true,
    },
    options.colour ?? colourEnabled(),
  );
  table.push(
    head,
    widths.map((w) => '─'.repeat(w)),
  );
  for (const row of rows) {
    table.push(
      Array.isArray(row) ? row : [{ colSpan: columns, content: row.heading, hAlign: 'left' }],
    );
  }
  return table
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n');
}

/**
 * Wraps a line at spaces to `width` columns, keeping its own spacing (aligned columns stay
 * aligned); continuation lines get the line's indentation plus `indent`. A word longer than a
 * line is cut, so that no line is ever wider than `width`.
 */
export function wrapLine(text: string, width = TERMINAL_WIDTH, indent = '    '): string[] {
  if (text.length <= width) return [text];
  const lead = /^ */.exec(text)?.[0] ?? '';
  const next = lead + indent;
  const lines: string[] = [];
  let line = '';
  for (const token of text.match(/ +|[^ ]+/g) ?? []) {
    const space = token.startsWith(' ');
    if (space) {
      // Spacing is kept inside a line, dropped where a line breaks.
      if (line.trim() !== '') line += token;
      else if (lines.length === 0) line = token;
      continue;
    }
    let word = token;
    while (word.length > 0) {
      if (line.length + word.length <= width) {
        line += word;
        word = '';
      } else if (line.trim() !== '') {
        lines.push(line.trimEnd());
        line = next;
      } else {
        const room = Math.max(1, width - line.length);
        lines.push(line + word.slice(0, room));
        word = word.slice(room);
        line = next;
      }
    }
  }
  if (line.trim() !== '') lines.push(line.trimEnd());
  return lines;
}

/** Every line of `text` wrapped to `width`. */
export function wrapText(text: string, width = TERMINAL_WIDTH, indent = '    '): string {
  return text
    .split('\n')
    .flatMap((line) => wrapLine(line, width, indent))
    .join('\n');
}
