import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServerProcess } from './server-process.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('server child process', () => {
  it('reports its endpoints, serves, and stops with exit code 0', async () => {
    const server = await startServerProcess({ scale: 'small', metrics: true });
    try {
      const res = await fetch(`${server.endpoints.http}/healthz`);
      assert.equal(res.status, 200);
      assert.ok(server.ports.h2 && server.ports.grpc && server.ports.metrics);
    } finally {
      assert.equal(await server.stop(), 0);
    }
    assert.equal(alive(server.pid), false);
  });

  it('does not outlive a parent that dies without cleaning up', async () => {
    const script = `
      import { startServerProcess } from ${JSON.stringify(new URL('./server-process.ts', import.meta.url).href)};
      const server = await startServerProcess({ scale: 'small' });
      console.log(server.pid);
      setInterval(() => {}, 1000);
    `;
    const parent = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const [chunk] = (await once(parent.stdout!, 'data')) as [Buffer];
    const serverPid = Number(chunk.toString().trim());
    assert.ok(alive(serverPid));
    parent.kill('SIGKILL');
    for (let i = 0; i < 100 && alive(serverPid); i++) await sleep(100);
    const survived = alive(serverPid);
    if (survived) process.kill(serverPid, 'SIGKILL');
    assert.equal(survived, false, 'the orphaned server exited by itself');
  });
});
