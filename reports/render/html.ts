// The report as one self-contained HTML page: inline CSS, inline SVG charts, no script and no
// URL; a Content-Security-Policy that forbids every fetch makes "opens from disk with no
// network" something the browser enforces, not just something we hope.

import { inlineSvg } from './charts.ts';
import type { Block, Cell, ReportContent, Section } from './content.ts';
import type { WireSample, WireSampleCall } from './wire-sample.ts';

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** `code` spans in the report's plain text become <code>. */
function inline(text: string): string {
  return escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

const CSS = `
:root { --fg: #1d2330; --muted: #5d6677; --line: #dde2ea; --bg: #fff; --soft: #f5f7fa;
  --good: #137a3d; --good-bg: #e3f4e8; --bad: #b3261e; --bad-bg: #fbe4e2; --warn: #8a5a00;
  --warn-bg: #fff1d1; --accent: #1a56b8; --alarm: #fff; --alarm-bg: #8c1d18; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: var(--bg);
  font: 14px/1.5 system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif; }
header { padding: 20px 32px 12px; border-bottom: 1px solid var(--line); background: var(--soft); }
h1 { margin: 0 0 4px; font-size: 22px; }
.sub { margin: 0 0 10px; color: var(--muted); }
nav { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 13px; }
nav a { color: var(--accent); text-decoration: none; }
main { padding: 8px 32px 40px; max-width: 1480px; }
section { margin-top: 28px; }
h2 { font-size: 19px; margin: 0 0 8px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 15px; margin: 22px 0 6px; }
p { margin: 6px 0 10px; max-width: 1000px; }
p.note { color: var(--muted); }
ul { margin: 6px 0 12px; padding-left: 22px; }
ul.answers { padding-left: 0; list-style: none; }
ul.answers li { margin: 4px 0; padding: 6px 10px; background: var(--soft); border-left: 4px solid var(--accent); }
ul.warn li { color: var(--warn); }
.table-wrap { overflow-x: auto; margin: 8px 0 14px; }
table { border-collapse: collapse; font-size: 13px; }
th, td { padding: 4px 9px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody tr:hover { background: #fafbfd; }
.good { color: var(--good); background: var(--good-bg); font-weight: 600; }
.bad { color: var(--bad); background: var(--bad-bg); font-weight: 600; }
.warn { color: var(--warn); background: var(--warn-bg); }
.alarm { color: var(--alarm); background: var(--alarm-bg); font-weight: 700; }
.muted { color: var(--muted); }
.strong { font-weight: 700; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; margin: 8px 0; }
.chart { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 4px; background: #fff; }
.pair { display: flex; flex-wrap: wrap; gap: 4px 18px; align-items: flex-start; }
.pair > .table-wrap { flex: 0 1 auto; min-width: 0; }
.chart svg { display: block; max-width: 100%; height: auto; }
code { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--soft); padding: 0 3px; }
.wire-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 12px; }
.wire-card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; background: #fff; min-width: 0; }
.wire-card h4 { margin: 0 0 6px; font-size: 14px; }
.wire-card h4 span { font-weight: 400; color: var(--muted); font-size: 12px; }
pre.wire { margin: 0; font: 11.5px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  white-space: pre-wrap; overflow-wrap: anywhere; }
pre.wire .rq { color: #0b4f9c; }
pre.wire .rs { color: #7a2e0b; }
pre.wire .b { color: var(--muted); }
details { margin-top: 6px; }
summary { cursor: pointer; color: var(--accent); font-size: 12px; }
footer { padding: 12px 32px; color: var(--muted); border-top: 1px solid var(--line); font-size: 12px; }
`;

function cellHtml(cell: Cell, numeric: boolean): string {
  const c = typeof cell === 'string' ? { text: cell } : cell;
  const classes = [numeric ? 'num' : '', c.tone ?? ''].filter(Boolean).join(' ');
  const title = c.title ? ` title="${escapeHtml(c.title)}"` : '';
  return `<td${classes ? ` class="${classes}"` : ''}${title}>${inline(c.text).replace(/\n/g, '<br>')}</td>`;
}

function wireLines(call: WireSampleCall): string {
  return call.lines
    .map((line) => {
      const arrow = line.dir === 'request' ? '→' : '←';
      const cls = line.dir === 'request' ? 'rq' : 'rs';
      const bytes =
        line.bytes > 0 ? ` <span class="b">${line.bytes.toLocaleString('en-US')} B</span>` : '';
      const continuation = line.text.startsWith('  ');
      return `<span class="${cls}">${continuation ? '  ' : `${arrow} `}${escapeHtml(continuation ? line.text.trimStart() : line.text)}</span>${bytes}`;
    })
    .join('\n');
}

function wireHtml(sample: WireSample): string {
  const cards = sample.variants.map((v) => {
    if (!v.steady || !v.first) {
      return `<article class="wire-card"><h4>${escapeHtml(v.variant)}</h4><p class="bad">${escapeHtml(v.error ?? 'not captured')}</p></article>`;
    }
    const total = v.steady.request.total + v.steady.response.total;
    const coding = v.steady.encodings.length > 0 ? `, ${v.steady.encodings.join(',')}` : '';
    return [
      `<article class="wire-card"><h4>${escapeHtml(v.variant)} <span>${v.steady.transport}${coding} · ${total.toLocaleString('en-US')} B per call on a warm connection</span></h4>`,
      `<pre class="wire">${wireLines(v.steady)}</pre>`,
      `<details><summary>first call, new connection (${(v.first.request.total + v.first.response.total).toLocaleString('en-US')} B)</summary><pre class="wire">${wireLines(v.first)}</pre></details>`,
      '</article>',
    ].join('');
  });
  return `<div class="wire-grid">${cards.join('\n')}</div>`;
}

function blockHtml(block: Block, isVerdict: boolean): string {
  switch (block.kind) {
    case 'p':
      return `<p${block.tone ? ` class="${block.tone}"` : ''}>${inline(block.text)}</p>`;
    case 'heading':
      return `<h3>${inline(block.text)}</h3>`;
    case 'list': {
      const cls = block.tone === 'warn' ? 'warn' : isVerdict ? 'answers' : '';
      return `<ul${cls ? ` class="${cls}"` : ''}>${block.items.map((i) => `<li>${inline(i)}</li>`).join('')}</ul>`;
    }
    case 'table': {
      const head = block.head.some((h) => h !== '')
        ? `<thead><tr>${block.head.map((h) => `<th>${inline(h)}</th>`).join('')}</tr></thead>`
        : '';
      const rows = block.rows
        .map(
          (row) =>
            `<tr>${row.map((cell, i) => cellHtml(cell, block.numeric?.[i] ?? false)).join('')}</tr>`,
        )
        .join('\n');
      return `<div class="table-wrap"><table>${head}<tbody>${rows}</tbody></table></div>`;
    }
    case 'charts':
      return `<div class="charts">${block.charts
        .map((c) => `<figure class="chart" id="chart-${escapeHtml(c.id)}">${inlineSvg(c)}</figure>`)
        .join('\n')}</div>`;
    case 'wire':
      return wireHtml(block.sample);
  }
}

function sectionHtml(section: Section): string {
  const charts = section.blocks.reduce(
    (n, b) => n + (b.kind === 'charts' ? b.charts.length : 0),
    0,
  );
  const parts: string[] = [];
  const blocks = section.blocks;
  for (let i = 0; i < blocks.length; i++) {
    const block = blocks[i] as Block;
    const next = blocks[i + 1];
    // A chart and the table of its figures sit side by side where the page is wide enough.
    if (block.kind === 'charts' && next?.kind === 'table') {
      parts.push(`<div class="pair">${blockHtml(block, false)}${blockHtml(next, false)}</div>`);
      i++;
      continue;
    }
    parts.push(blockHtml(block, section.id === 'verdict'));
  }
  const body = parts.join('\n');
  return `<section id="${section.id}" data-charts="${charts}">\n<h2>${inline(section.title)}</h2>\n${body}\n</section>`;
}

export function renderHtml(content: ReportContent, generatedAt = new Date()): string {
  const nav = content.sections.map((s) => `<a href="#${s.id}">${escapeHtml(s.title)}</a>`).join('');
  const skipped =
    content.skipped.length > 0
      ? `<section id="not-in-run" data-charts="0"><h2>Not in this run</h2><ul>${content.skipped
          .map((s) => `<li>${escapeHtml(s.title)}: ${escapeHtml(s.why)}</li>`)
          .join('')}</ul></section>`
      : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(content.title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${escapeHtml(content.title)}</h1>
<p class="sub">${escapeHtml(content.subtitle)}</p>
<nav>${nav}</nav>
</header>
<main>
${content.sections.map(sectionHtml).join('\n')}
${skipped}
</main>
<footer>Generated by wirebench report at ${generatedAt.toISOString()}. Every figure is the median of the repetitions with its min–max; byte counts are exact.</footer>
</body>
</html>
`;
}
