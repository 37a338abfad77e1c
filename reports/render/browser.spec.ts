// The HTML report opened from disk in headless Chromium (Debian's, driven by playwright-core):
// it must render with no console error, request nothing, and show every chart.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { type BrowserContext, chromium } from 'playwright-core';
import {
  buildFixtureRun,
  buildFixtureWireSample,
  writeFixtureRun,
} from '../fixtures/fixture-run.ts';
import { writeReport } from './index.ts';
import { loadRun } from './load-run.ts';

const CHROMIUM = process.env.WIREBENCH_CHROMIUM ?? '/usr/bin/chromium';

// Skipped on a developer machine without Chromium; in CI (CI=true) a missing browser fails.
const skip =
  !existsSync(CHROMIUM) && !process.env.CI && `no ${CHROMIUM} (apt-get install chromium)`;

describe('the HTML report in Chromium', { skip }, () => {
  let dir: string;
  let profile: string;
  let context: BrowserContext;
  const reports: Record<'full' | 'quick', string> = { full: '', quick: '' };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wirebench-browser-'));
    for (const kind of ['full', 'quick'] as const) {
      const run = loadRun(
        writeFixtureRun(dir, buildFixtureRun({ profile: kind }), { wireSample: false }),
      );
      reports[kind] = writeReport(
        run.results,
        run.dir,
        kind === 'full' ? buildFixtureWireSample() : undefined,
      ).html;
    }
    // A fresh profile every time: nothing cached, nothing synced.
    profile = mkdtempSync(join(tmpdir(), 'wirebench-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  after(async () => {
    await context?.close();
    rmSync(profile, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(file: string) {
    const page = await context.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    const sections = await page.$$eval('section', (list) =>
      list.map((s) => ({
        id: s.id,
        declared: Number(s.getAttribute('data-charts')),
        svgs: s.querySelectorAll('svg').length,
        // A chart that rendered has marks: paths or text inside a box of real size.
        drawn: [...s.querySelectorAll('svg')].filter((svg) => {
          const box = svg.getBoundingClientRect();
          return (
            box.width > 100 && box.height > 100 && svg.querySelectorAll('path, text').length > 5
          );
        }).length,
      })),
    );
    const title = await page.title();
    await page.close();
    return { problems, requests, sections, title };
  }

  test('the full report renders with no error, no request beyond itself, every chart drawn', async () => {
    const { problems, requests, sections, title } = await open(reports.full);
    assert.deepEqual(problems, []);
    assert.deepEqual(requests, [pathToFileURL(reports.full).href]);
    assert.equal(title, 'wirebench report · 20260101T000000Z-fixture-full');
    const charts = Object.fromEntries(sections.map((s) => [s.id, s.svgs]));
    assert.deepEqual(charts, {
      verdict: 0,
      flags: 0,
      latency: 8,
      throughput: 5,
      'open-loop': 1,
      bytes: 15,
      serialization: 4,
      streams: 2,
      queries: 1,
      capacity: 1,
      wire: 0,
      evolution: 0,
      capabilities: 0,
      environment: 0,
    });
    for (const s of sections) {
      assert.equal(s.svgs, s.declared, `section ${s.id}`);
      assert.equal(s.drawn, s.svgs, `every chart of ${s.id} is drawn`);
    }
  });

  test('the committed reference report renders, every section of a full run drawn', async (t) => {
    const reference = join(import.meta.dirname, '../reference/report.html');
    if (!existsSync(reference)) return t.skip('no reference report');
    const { problems, requests, sections } = await open(reference);
    assert.deepEqual(problems, []);
    assert.deepEqual(requests, [pathToFileURL(reference).href]);
    const ids = sections.map((s) => s.id);
    for (const id of [
      'verdict',
      'latency',
      'throughput',
      'open-loop',
      'bytes',
      'serialization',
      'streams',
      'queries',
      'capacity',
      'wire',
      'capabilities',
      'environment',
    ]) {
      assert.ok(ids.includes(id), `section ${id}`);
    }
    assert.ok(!ids.includes('not-in-run'), 'a full run leaves nothing out');
    for (const s of sections) {
      assert.equal(s.svgs, s.declared, `section ${s.id}`);
      assert.equal(s.drawn, s.svgs, `every chart of ${s.id} is drawn`);
    }
  });

  test('the quick report renders too, with its missing sections listed', async () => {
    const { problems, requests, sections } = await open(reports.quick);
    assert.deepEqual(problems, []);
    assert.equal(requests.length, 1);
    const ids = sections.map((s) => s.id);
    assert.ok(ids.includes('not-in-run'));
    assert.ok(!ids.includes('open-loop'));
    for (const s of sections) assert.equal(s.drawn, s.declared, `section ${s.id}`);
  });
});
