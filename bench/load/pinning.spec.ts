import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describePinning, detectPinning, SERVER_CORE, serverWrapper } from './pinning.ts';

describe('pinning', () => {
  test('the server wrapper is taskset on core 1 exactly when pinning is usable', () => {
    const support = detectPinning();
    assert.equal(typeof support.taskset, 'boolean');
    assert.ok(support.cores >= 1);
    assert.equal(support.usable, support.taskset && support.cores >= 2);
    assert.deepEqual(serverWrapper(), support.usable ? ['taskset', '-c', String(SERVER_CORE)] : []);
    assert.deepEqual(serverWrapper(support.cores), [], 'a core that does not exist is not used');
  });

  test('the report says what was applied and what was not', () => {
    const pinned = describePinning({
      serverWrapper: ['taskset', '-c', '1'],
      generator: { pinned: true },
    });
    assert.equal(pinned.server, '1');
    assert.equal(pinned.generator, '0');
    assert.deepEqual(pinned.notes, []);

    const unpinned = describePinning({
      serverWrapper: [],
      generator: { pinned: false, reason: 'taskset unavailable or fewer than 2 cores' },
    });
    assert.equal(unpinned.server, null);
    assert.equal(unpinned.generator, null);
    assert.deepEqual(unpinned.notes, [
      'server not pinned',
      'generator not pinned: taskset unavailable or fewer than 2 cores',
    ]);
  });
});
