// The layering rules of DESIGN.md, enforced: adapters depend on the domain and never on each
// other; the domain depends on no adapter; clients and benchmarks never import server code;
// the command line sits on top, so no library folder imports it, clients stand on their own
// and benchmarks never reach into the report.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = resolve(import.meta.dirname, '..');
const ADAPTERS = ['rest', 'graphql', 'grpc', 'connect'];
/** Every folder but cli/ and scripts/: code the command line is built on. */
const LIBRARY = ['apis', 'clients', 'bench', 'reports', 'schemas'];

function listTs(dir: string): string[] {
  let out: string[] = [];
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(join(ROOT, dir), { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out = out.concat(listTs(path));
    else if (entry.name.endsWith('.ts')) out.push(path);
  }
  return out;
}

/** Relative imports of a file, resolved to repository paths. */
function localImports(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specs = [...text.matchAll(/(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]/g)].map(
    (m) => m[1] as string,
  );
  const dynamic = [...text.matchAll(/import\(\s*['"](\.[^'"]+)['"]\s*\)/g)].map(
    (m) => m[1] as string,
  );
  return [...specs, ...dynamic].map((spec) => relative(ROOT, resolve(ROOT, dirname(file), spec)));
}

function violations(files: string[], forbidden: (target: string) => boolean): string[] {
  return files.flatMap((file) =>
    localImports(file)
      .filter(forbidden)
      .map((target) => `${file} -> ${target}`),
  );
}

describe('architecture', () => {
  it('finds the files it checks', () => {
    assert.ok(listTs('apis/rest').length > 3 && listTs('apis/domain').length > 3);
    for (const folder of LIBRARY) assert.ok(listTs(folder).length > 3, `${folder}/ has files`);
    assert.ok(listTs('clients/inspect').length > 3 && listTs('cli').length > 3);
  });

  for (const adapter of ADAPTERS) {
    it(`apis/${adapter} imports no other adapter`, () => {
      const others = ADAPTERS.filter((a) => a !== adapter).map((a) => `apis/${a}/`);
      const bad = violations(listTs(`apis/${adapter}`), (t) => others.some((o) => t.startsWith(o)));
      assert.deepEqual(bad, []);
    });
  }

  it('apis/domain imports nothing outside itself but the contract types', () => {
    assert.deepEqual(
      violations(
        listTs('apis/domain'),
        (t) => !t.startsWith('apis/domain/') && !t.startsWith('schemas/model/'),
      ),
      [],
    );
  });

  it('clients and benchmarks never import server code', () => {
    assert.deepEqual(
      violations([...listTs('clients'), ...listTs('bench')], (t) => t.startsWith('apis/')),
      [],
    );
  });

  it('library code (apis, clients, bench, reports, schemas) never imports cli/', () => {
    assert.deepEqual(
      violations(LIBRARY.flatMap(listTs), (t) => t.startsWith('cli/')),
      [],
    );
  });

  it('clients import nothing from apis, bench, reports or cli', () => {
    const above = ['apis/', 'bench/', 'reports/', 'cli/'];
    assert.deepEqual(
      violations(listTs('clients'), (t) => above.some((folder) => t.startsWith(folder))),
      [],
    );
  });

  it('bench imports nothing from reports or cli', () => {
    assert.deepEqual(
      violations(listTs('bench'), (t) => t.startsWith('reports/') || t.startsWith('cli/')),
      [],
    );
  });
});
