import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { afterEach, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { classifyBottleneck, parseProcStat, sampleProcess, sampleSelf } from './process-stats.ts';

const children: ChildProcess[] = [];

function startChild(source: string): ChildProcess {
  const child = spawn(process.execPath, ['-e', source], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

afterEach(async () => {
  await Promise.all(children.splice(0).map(stopChild));
});

describe('parseProcStat', () => {
  test('reads utime, stime and rss even when the command name has spaces and parentheses', () => {
    const fields = Array.from({ length: 50 }, () => '0');
    fields[11] = '150'; // utime (field 14)
    fields[12] = '50'; // stime (field 15)
    fields[21] = '2560'; // rss in pages (field 24)
    const line = `4242 (node (worker) x) ${['S', ...fields.slice(1)].join(' ')}`;
    assert.deepEqual(parseProcStat(line, 100, 4096), {
      cpuSeconds: 2,
      rssBytes: 2560 * 4096,
    });
  });

  test('rejects a line it cannot read', () => {
    assert.throws(() => parseProcStat('garbage', 100, 4096), /unexpected/);
  });
});

describe('sampleProcess', () => {
  test('measures the CPU a busy child reports spending itself', async () => {
    // The child burns in 20 ms slices and prints its own CPU time on SIGUSR2, so the sampler is
    // checked against the truth whatever share of a core a busy machine leaves it.
    const child = startChild(`
      process.on('SIGUSR2', () => {
        const u = process.cpuUsage();
        process.stdout.write((u.user + u.system) / 1e6 + '\\n');
      });
      const burn = () => { const t = Date.now(); while (Date.now() - t < 20) {} setImmediate(burn); };
      burn();
      process.stdout.write('ready\\n');
    `);
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const nextLine = async () => String((await lines.next()).value);
    const askCpu = async () => {
      child.kill('SIGUSR2');
      return Number(await nextLine());
    };
    assert.equal(await nextLine(), 'ready');
    const sampler = await sampleProcess(child.pid!, { intervalMs: 50 });
    const before = await askCpu();
    await sleep(1_000);
    const after = await askCpu();
    const stats = await sampler.stop();
    const truth = after - before;
    assert.equal(stats.pid, child.pid);
    assert.equal(stats.source, 'proc');
    assert.ok(truth > 0.05, `the child burned only ${truth} s`);
    assert.ok(
      Math.abs(stats.cpuSeconds - truth) <= 0.1 + 0.2 * truth,
      `sampled ${stats.cpuSeconds} s, the child spent ${truth} s`,
    );
    assert.ok(stats.utilisation > 0.05, `utilisation ${stats.utilisation}`);
    assert.ok(stats.peakRssBytes > 1024 * 1024);
    assert.ok(stats.samples >= 2);
    assert.equal(stats.exited, undefined);
  });

  test('sees a sleeping child as idle', async () => {
    const child = startChild('setTimeout(() => {}, 60_000)');
    await sleep(300);
    const sampler = await sampleProcess(child.pid!, { intervalMs: 50 });
    await sleep(700);
    const stats = await sampler.stop();
    assert.ok(stats.utilisation < 0.2, `utilisation ${stats.utilisation}`);
    assert.ok(stats.peakRssBytes > 1024 * 1024);
  });

  test('reports a process that exits while sampled', async () => {
    const child = startChild('setTimeout(() => {}, 60_000)');
    await sleep(100);
    const sampler = await sampleProcess(child.pid!, { intervalMs: 20 });
    await stopChild(child);
    await sleep(60);
    const stats = await sampler.stop();
    assert.equal(stats.exited, true);
  });
});

describe('sampleSelf', () => {
  test('measures the CPU this process spends', async () => {
    const sampler = sampleSelf({ intervalMs: 20 });
    const start = process.cpuUsage();
    let spent = 0;
    while (spent < 0.2) {
      const used = process.cpuUsage(start);
      spent = (used.user + used.system) / 1e6;
    }
    const stats = await sampler.stop();
    assert.equal(stats.pid, process.pid);
    assert.equal(stats.source, 'self');
    assert.ok(stats.cpuSeconds >= 0.2, `sampled ${stats.cpuSeconds} s`);
    assert.ok(stats.utilisation > 0);
    assert.ok(stats.peakRssBytes > 0);
  });
});

describe('classifyBottleneck', () => {
  test('names the side that reached ~90% of its core', () => {
    assert.equal(classifyBottleneck({ serverUtil: 0.97, generatorUtil: 0.5 }), 'server');
    assert.equal(classifyBottleneck({ serverUtil: 0.6, generatorUtil: 0.95 }), 'generator');
    assert.equal(classifyBottleneck({ serverUtil: 0.5, generatorUtil: 0.4 }), 'neither');
  });

  test('flags the generator when both are saturated', () => {
    assert.equal(classifyBottleneck({ serverUtil: 0.99, generatorUtil: 0.99 }), 'generator');
  });

  test('takes another threshold', () => {
    assert.equal(
      classifyBottleneck({ serverUtil: 0.8, generatorUtil: 0.1, threshold: 0.75 }),
      'server',
    );
  });
});
