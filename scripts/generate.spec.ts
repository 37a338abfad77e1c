// Proves the committed schemas/gen is exactly what `npm run generate` produces (so drift fails
// CI, and output that varied between runs or machines would too), that every generated file
// says so, and that the proto module passes buf lint and buf format.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { GEN_ROOT, generate, generators } from './generate.ts';
import { REPO_ROOT, resolveBin } from './generators/run-command.ts';

const execFileAsync = promisify(execFile);

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

/**
 * The comment lines a file opens with: where tools look for the marker. Not a fixed number of
 * lines, since protoc-gen-es puts the licence comment of a .proto (25 lines for the gRPC
 * reflection v1 proto) above its own @generated line.
 */
function readLeadingComments(text: string): string {
  const lines = text.split('\n');
  const end = lines.findIndex((line) => line.trim() !== '' && !line.startsWith('//'));
  return lines.slice(0, end === -1 ? lines.length : end).join('\n');
}

describe('npm run generate', () => {
  let scratch = '';

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'wirebench-drift-'));
    await generate({ genRoot: scratch });
  });

  after(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  for (const generator of generators) {
    test(`schemas/gen/${generator.name} matches a fresh regeneration`, async () => {
      const fresh = join(scratch, generator.name);
      const committed = join(GEN_ROOT, generator.name);
      const freshFiles = await listFiles(fresh);
      assert.ok(freshFiles.length > 0, `${generator.name} generated nothing`);
      assert.deepEqual(
        await listFiles(committed),
        freshFiles,
        `files differ: run \`npm run generate\` and commit schemas/gen/${generator.name}`,
      );
      for (const file of freshFiles) {
        const expected = await readFile(join(fresh, file), 'utf8');
        const actual = await readFile(join(committed, file), 'utf8');
        assert.ok(
          actual === expected,
          `schemas/gen/${generator.name}/${file} differs from a fresh regeneration: run \`npm run generate\``,
        );
      }
    });

    test(`every file of schemas/gen/${generator.name} is marked @generated`, async () => {
      const dir = join(scratch, generator.name);
      for (const file of await listFiles(dir)) {
        const head = readLeadingComments(await readFile(join(dir, file), 'utf8'));
        assert.match(head, /@generated/, `${file} has no @generated marker in its header`);
      }
    });
  }
});

describe('schemas/proto', () => {
  const buf = (args: string[]) => execFileAsync(resolveBin('buf'), args, { cwd: REPO_ROOT });

  test('passes buf lint', async () => {
    const { stdout, stderr } = await buf(['lint', 'schemas/proto', '--error-format', 'text']);
    assert.equal(`${stdout}${stderr}`, '');
  });

  test('is formatted as buf format formats it', async () => {
    const { stdout } = await buf(['format', 'schemas/proto', '--diff', '--exit-code']);
    assert.equal(stdout, '');
  });

  test('buf lint fails on a contract that breaks its rules', async () => {
    // Guards the test above against a lint that checks nothing (a wrong module path).
    const dir = await mkdtemp(join(tmpdir(), 'wirebench-lint-'));
    try {
      await copyFile(join(REPO_ROOT, 'schemas/proto/buf.yaml'), join(dir, 'buf.yaml'));
      await mkdir(join(dir, 'library/v1'), { recursive: true });
      await writeFile(
        join(dir, 'library/v1/bad.proto'),
        'syntax = "proto3";\npackage library.v1;\nenum color { RED = 0; }\n',
      );
      await assert.rejects(buf(['lint', dir]), (err: { stdout?: string }) => {
        assert.match(err.stdout ?? '', /should be suffixed with "_UNSPECIFIED"/);
        return true;
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
