import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { colourEnabled, renderPlainTable, wrapLine, wrapText } from './terminal.ts';

const ESC = '\x1b[';
const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('colour', () => {
  test('only on a terminal, and never when NO_COLOR is present and not empty', () => {
    assert.equal(colourEnabled({ isTTY: true }, {}), true);
    assert.equal(colourEnabled({ isTTY: false }, {}), false);
    assert.equal(colourEnabled({}, {}), false);
    assert.equal(colourEnabled({ isTTY: true }, { NO_COLOR: '1' }), false);
    // https://no-color.org: an empty NO_COLOR does not count
    assert.equal(colourEnabled({ isTTY: true }, { NO_COLOR: '' }), true);
  });

  test('a table rendered with colour off holds no ANSI escape, even where colour is forced', () => {
    // @colors/colors (under cli-table3) decides from TERM, CI and FORCE_COLOR when it loads, so
    // the check runs in a child with FORCE_COLOR=1: there cli-table3 colours head and borders,
    // pipes or not, and the helper is what removes them.
    const script = [
      "import { createTable, renderPlainTable } from './cli/terminal.ts';",
      "const off = createTable({ head: ['scenario', 'ops/s'] }, false);",
      "off.push(['crud-read', '5,200 (4,992–5,408)']);",
      "const on = createTable({ head: ['scenario'] }, true);",
      "on.push(['crud-read']);",
      "const plain = renderPlainTable(['a', 'b'], [['x', 'y']], { colour: false });",
      'console.log(JSON.stringify({ off: off.toString(), on: on.toString(), plain }));',
    ].join('\n');
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '--eval', script],
      { cwd: ROOT, env: { ...process.env, FORCE_COLOR: '1', NO_COLOR: '' }, encoding: 'utf8' },
    );
    const { off, on, plain } = JSON.parse(out) as { off: string; on: string; plain: string };
    assert.ok(off.includes('crud-read'));
    assert.ok(!off.includes(ESC), JSON.stringify(off));
    assert.ok(on.includes(ESC), JSON.stringify(on));
    assert.ok(!plain.includes(ESC), JSON.stringify(plain));
  });
});

describe('width', () => {
  test('a plain table fits the width, wrapping its last column', () => {
    const notes =
      'a long note that cannot fit in what is left of the line once the others are laid';
    const text = renderPlainTable(
      ['scenario', 'variant', 'notes'],
      [['crud-read', 'connect-proto-h2', notes], { heading: 'nested-naive at c=16' }],
      { width: 60, colour: false },
    );
    const lines = text.split('\n');
    for (const line of lines) assert.ok(line.length <= 60, `${line.length}: ${line}`);
    assert.match(lines[0] ?? '', /^scenario +variant +notes$/);
    assert.match(lines[1] ?? '', /^─+ +─+ +─+$/);
    assert.equal(lines.at(-1), 'nested-naive at c=16');
    assert.equal(text.replace(/\s+/g, ' ').includes(notes), true);
  });

  test('lines wrap at spaces, keep their own spacing, and never pass the width', () => {
    const line = `  crud-read     grpc wins on throughput at c=64: ${'+21% '.repeat(30)}`;
    const wrapped = wrapLine(line.trimEnd(), 80, '    ');
    assert.ok(wrapped.length > 1);
    assert.ok(wrapped[0]?.startsWith('  crud-read     grpc wins'));
    for (const l of wrapped.slice(1)) assert.ok(l.startsWith('      +21%'), l);
    for (const l of wrapped) assert.ok(l.length <= 80);
    // a word longer than a line is cut rather than left over-wide
    for (const l of wrapText(`x ${'y'.repeat(50)}`, 20).split('\n')) assert.ok(l.length <= 20);
    assert.equal(wrapText('short\nlines', 20), 'short\nlines');
  });
});
