import { describe, expect, it } from 'vitest';
import { runRule, withDefaults } from '@lockwise/rules';
import { analyzeSources } from '../tests/support/virtual-program.js';
import { appFile, createRuleTester, eslintRule } from '../tests/support/rule-tester.js';
import rule from './no-unacknowledged-blocking.js';

const ruleTester = createRuleTester();
const header = `import { Mutex } from 'async-mutex';
import * as net from '../net/client.js';
import * as storage from '../storage/store.js';
const mu = new Mutex();
`;
const LOCK = 'src/app/case.ts#mu';
const FETCH = 'fetch (a network request)';

ruleTester.run('no-unacknowledged-blocking', eslintRule(rule), {
  valid: [
    {
      name: 'S1 (good): the region ends before the foreign await',
      filename: appFile(),
      code: `${header}
class Counter {
  x = 0;
  async bump() {
    const v = await mu.runExclusive(() => this.x + 1);
    await net.fetchPeer(String(v));
  }
}`,
    },
    {
      name: 'S4: released before the await (flow-sensitive end of region)',
      filename: appFile(),
      code: `${header}
class C {
  n = 0;
  async a() {
    const r = await mu.acquire();
    this.n++;
    r();
    await net.x();
  }
}`,
    },
    {
      name: 'S4: branches that each release before their own await',
      filename: appFile(),
      code: `${header}
export async function b(c: boolean) {
  const r = await mu.acquire();
  if (c) {
    r();
    await net.x();
  } else {
    r();
    await net.b();
  }
}`,
    },
    {
      name: 'S4: runExclusive in a loop condition, the sleep outside the region',
      filename: appFile(),
      code: `${header}
class Worker {
  q: string[] = [];
  async drain() {
    let job;
    while ((job = await mu.runExclusive(() => this.q.shift()))) {
      await net.fetchPeer(job);
    }
  }
}`,
    },
    {
      name: 'S6: a @nonBlocking callee cuts the chain for every caller',
      filename: appFile(),
      code: `${header}
const cache = new storage.Cache();
export async function read() {
  return mu.runExclusive(() => cache.getCached('k'));
}`,
    },
    {
      name: 'an async callee that never suspends does not block',
      filename: appFile(),
      code: `${header}
export async function read() {
  await mu.runExclusive(async () => {
    await net.cached('k');
  });
}`,
    },
    {
      name: 'own blocking: I/O of the lock holder itself is what an async lock is for',
      filename: appFile(),
      code: `${header}
import { promises as fs } from 'node:fs';
async function save(data: string) {
  await fs.writeFile('/tmp/state', data);
}
export async function commit(data: string) {
  await mu.runExclusive(async () => {
    await save(data);
    await fs.appendFile('/tmp/log', data);
  });
}`,
    },
    {
      name: 'acknowledged: the callee documents @blocking and the call is awaited in place',
      filename: appFile(),
      code: `${header}
export async function check() {
  await mu.runExclusive(async () => {
    await net.ping('peer-1');
  });
}`,
    },
    {
      name: 'acknowledged: a lockwise-ignore directive with a reason',
      filename: appFile(),
      code: `${header}
export async function check() {
  await mu.runExclusive(async () => {
    // lockwise-ignore no-unacknowledged-blocking -- the peer is on loopback and answers in microseconds
    await net.x();
  });
}`,
    },
    {
      name: 'acknowledged: the lock is configured as held across blocking',
      filename: appFile(),
      settings: { lockwise: { locks: { heldAcrossBlocking: [LOCK] } } },
      code: `${header}
export async function check() {
  await mu.runExclusive(async () => {
    await net.x();
  });
}`,
    },
    {
      name: 'a call that is not waited for does not block the region (no-escaping-async-in-lock owns it)',
      filename: appFile(),
      code: `${header}
export async function fire() {
  await mu.runExclusive(() => {
    void net.x();
  });
}`,
    },
  ],
  invalid: [
    {
      name: 'S1 (bad): releaser region awaits a foreign call that fetches',
      filename: appFile(),
      code: `${header}
export async function sync(id: string) {
  const r = await mu.acquire();
  await net.fetchPeer(id);
  r();
}`,
      errors: [
        {
          messageId: 'blockingUnderLock',
          line: 7,
          column: 19,
          endLine: 7,
          endColumn: 31,
          data: { lock: LOCK, calls: '`net.fetchPeer()`', subsystem: 'net', operation: FETCH },
        },
      ],
    },
    {
      name: 'S2: flagged once, at the acquisition, listing both calls and not the one before it',
      filename: appFile(),
      code: `${header}
export async function sync() {
  await net.c();
  const r = await mu.acquire();
  await net.b();
  await net.c();
  r();
}`,
      errors: [
        {
          messageId: 'blockingUnderLock',
          line: 8,
          column: 19,
          data: { lock: LOCK, calls: '`net.b()` and `net.c()`', subsystem: 'net', operation: FETCH },
        },
      ],
    },
    {
      name: 'S3: an async IIFE body is analysed like an async function',
      filename: appFile(),
      code: `${header}
export function start() {
  return (async () => {
    const r = await mu.acquire();
    await net.x();
    r();
  })();
}`,
      errors: [{ messageId: 'blockingUnderLock', line: 8, column: 21, data: { lock: LOCK, calls: '`net.x()`', subsystem: 'net', operation: FETCH } }],
    },
    {
      name: 'S6: an own-subsystem-looking call whose chain ends in another subsystem (cache.flush -> persist -> writeFile)',
      filename: appFile(),
      code: `${header}
const cache = new storage.Cache();
export async function flush() {
  await mu.runExclusive(() => cache.flush());
}`,
      errors: [
        {
          messageId: 'blockingUnderLock',
          line: 8,
          column: 9,
          endLine: 8,
          endColumn: 45,
          data: { lock: LOCK, calls: '`cache.flush()`', subsystem: 'storage', operation: 'fs/promises.writeFile (file-system I/O)' },
        },
      ],
    },
    {
      name: 'S8: emit() under the lock runs listeners other subsystems registered',
      filename: appFile(),
      code: `${header}
import { EventEmitter } from 'node:events';
class Store {
  state = '';
  readonly emitter = new EventEmitter();
  async set(s: string) {
    await mu.runExclusive(() => {
      this.state = s;
      this.emitter.emit('change', s);
    });
  }
}`,
      errors: [{ messageId: 'emitUnderLock', line: 13, column: 7, data: { lock: LOCK, call: 'this.emitter.emit()' } }],
    },
    {
      name: 'S16: fetch inside the region, then publish',
      filename: appFile(),
      code: `${header}
class Index {
  map = new Map<string, string>();
  async refresh(k: string) {
    await mu.runExclusive(async () => {
      const v = await net.get(k);
      this.map.set(k, v);
    });
  }
}`,
      errors: [{ messageId: 'blockingUnderLock', line: 9, column: 11, data: { lock: LOCK, calls: '`net.get()`', subsystem: 'net', operation: FETCH } }],
    },
    {
      name: 'blocking reached through callbacks: Promise.all(peers.map(p => p.push(x))) with interface dispatch',
      filename: appFile(),
      code: `${header}
export async function broadcast(peers: net.Peer[], entry: string) {
  await mu.runExclusive(async () => {
    await Promise.all(peers.map((p) => p.push(entry)));
  });
}`,
      errors: [{ messageId: 'blockingUnderLock', line: 7, column: 9, data: { lock: LOCK, calls: '`p.push()`', subsystem: 'net', operation: FETCH } }],
    },
    {
      name: 'a private lock wrapper: callbacks handed to it run under the lock',
      filename: appFile(),
      code: `${header}
class Controller {
  private readonly mutex = new Mutex();
  private withControllerLock<T>(fn: () => Promise<T>): Promise<T> {
    return this.mutex.runExclusive(fn);
  }
  async refresh() {
    await this.withControllerLock(async () => {
      await net.x();
    });
  }
}`,
      errors: [
        {
          messageId: 'blockingUnderLock',
          line: 12,
          column: 11,
          data: { lock: 'Controller#mutex', calls: '`net.x()`', subsystem: 'net', operation: FETCH },
        },
      ],
    },
    {
      name: 'reportOwnSubsystem: own blocking is reported when asked',
      filename: appFile(),
      options: [{ reportOwnSubsystem: true }],
      code: `${header}
import { promises as fs } from 'node:fs';
async function save(data: string) {
  await fs.writeFile('/tmp/state', data);
}
export async function commit(data: string) {
  await mu.runExclusive(async () => {
    await save(data);
  });
}`,
      errors: [{ messageId: 'blockingUnderLock', line: 11, column: 9, data: { lock: LOCK, calls: '`save()`', subsystem: 'app', operation: 'fs/promises.writeFile (file-system I/O)' } }],
    },
    {
      name: 'S10: a lock configured as "must not yield" reports even own blocking, with the chain',
      filename: appFile(),
      settings: { lockwise: { locks: { noYield: [LOCK] } } },
      code: `${header}
import { promises as fs } from 'node:fs';
async function helper() {
  await fs.readFile('/etc/hosts');
}
export async function tick() {
  await mu.runExclusive(async () => {
    await helper();
  });
}`,
      errors: [{ messageId: 'noBlockingRegion', line: 12, column: 11, data: { lock: LOCK, call: '`helper()`', operation: 'fs/promises.readFile (file-system I/O)' } }],
    },
  ],
});

const libraries: { name: string; code: string; line: number; column: number; lock: string }[] = [
  {
    name: 'await-lock',
    code: `import AwaitLock from 'await-lock';
import * as net from '../net/client.js';
const lock = new AwaitLock();
export async function run() {
  await lock.acquireAsync();
  try {
    await net.x();
  } finally {
    lock.release();
  }
}`,
    line: 5,
    column: 9,
    lock: 'src/app/case.ts#lock',
  },
  {
    name: 'async-lock (keyed)',
    code: `import AsyncLock from 'async-lock';
import * as net from '../net/client.js';
const locks = new AsyncLock();
export async function run() {
  await locks.acquire('users', async () => {
    await net.x();
  });
}`,
    line: 5,
    column: 9,
    lock: "src/app/case.ts#locks['users']",
  },
  {
    name: 'Web Locks',
    code: `import * as net from '../net/client.js';
export async function run() {
  await navigator.locks.request('sync', async () => {
    await net.x();
  });
}`,
    line: 3,
    column: 9,
    lock: "navigator.locks['sync']",
  },
  {
    name: 'proper-lockfile',
    code: `import lockfile from 'proper-lockfile';
import * as net from '../net/client.js';
export async function run() {
  const release = await lockfile.lock('/var/lib/app/db');
  await net.x();
  await release();
}`,
    line: 4,
    column: 25,
    lock: "proper-lockfile['/var/lib/app/db']",
  },
  {
    name: 'redlock 4',
    code: `import Redlock from 'redlock';
import * as net from '../net/client.js';
declare const redlock: Redlock;
export async function run() {
  const lock = await redlock.lock('locks:account', 1000);
  await net.x();
  await lock.unlock();
}`,
    line: 5,
    column: 22,
    lock: "src/app/case.ts#redlock['locks:account']",
  },
  {
    name: 'redlock 5 using()',
    code: `import Redlock from 'redlock5';
import * as net from '../net/client.js';
declare const redlock: Redlock;
export async function run() {
  await redlock.using(['locks:account'], 5000, async () => {
    await net.x();
  });
}`,
    line: 5,
    column: 9,
    lock: "src/app/case.ts#redlock['locks:account']",
  },
  {
    name: 'mutexify/promise',
    code: `import mutexify from 'mutexify/promise';
import * as net from '../net/client.js';
const lock = mutexify();
export async function run() {
  const release = await lock();
  await net.x();
  release();
}`,
    line: 5,
    column: 25,
    lock: 'src/app/case.ts#lock',
  },
  {
    name: 'semaphore-async-await',
    code: `import Semaphore from 'semaphore-async-await';
import * as net from '../net/client.js';
const sem = new Semaphore(2);
export async function run() {
  await sem.acquire();
  await net.x();
  sem.release();
}`,
    line: 5,
    column: 9,
    lock: 'src/app/case.ts#sem',
  },
  {
    name: '@esfx/async-mutex',
    code: `import { AsyncMutex } from '@esfx/async-mutex';
import * as net from '../net/client.js';
const mutex = new AsyncMutex();
export async function run() {
  const handle = await mutex.lock();
  await net.x();
  handle.unlock();
}`,
    line: 5,
    column: 24,
    lock: 'src/app/case.ts#mutex',
  },
  {
    name: 'async-mutex Semaphore with withTimeout',
    code: `import { Semaphore, withTimeout } from 'async-mutex';
import * as net from '../net/client.js';
const sem = new Semaphore(3);
export async function run() {
  const [, release] = await withTimeout(sem, 500).acquire();
  await net.x();
  release();
}`,
    line: 5,
    column: 29,
    lock: 'src/app/case.ts#sem',
  },
  {
    name: 'a hand-rolled promise-chain mutex',
    code: `import * as net from '../net/client.js';
class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = this.tail.then(() => result.catch(() => undefined));
    return result;
  }
}
const queue = new SerialQueue();
export async function run() {
  await queue.run(async () => {
    await net.x();
  });
}`,
    line: 12,
    column: 9,
    lock: 'src/app/case.ts#queue',
  },
];

ruleTester.run('no-unacknowledged-blocking: every lock library', eslintRule(rule), {
  valid: [],
  invalid: libraries.map((lib) => ({
    name: lib.name,
    filename: appFile(),
    code: lib.code,
    errors: [{ messageId: 'blockingUnderLock', line: lib.line, column: lib.column, data: { lock: lib.lock, calls: '`net.x()`', subsystem: 'net', operation: FETCH } }],
  })),
});

describe('no-unacknowledged-blocking traces and acknowledgements', () => {
  const sources = {
    'src/sync/engine.ts': `import { Mutex } from 'async-mutex';
import { Cache } from '../storage/cache.js';
import { ping } from '../net/peer.js';
export class Engine {
  private readonly mutex = new Mutex();
  private readonly cache = new Cache();
  flush() {
    return this.mutex.runExclusive(() => this.cache.flush());
  }
  check() {
    return this.mutex.runExclusive(async () => {
      await ping();
    });
  }
}
`,
    'src/storage/cache.ts': `import { persist } from './store.js';
export class Cache {
  async flush() {
    await persist('{}');
  }
}
`,
    'src/storage/store.ts': `import { promises as fs } from 'node:fs';
export async function persist(data: string) {
  await fs.writeFile('/tmp/state.json', data);
}
`,
    'src/net/peer.ts': `/** @blocking a network round trip */
export async function ping() {
  await fetch('https://peer.invalid/ping');
}
`,
  };

  it('S6: the trace is the whole chain, from the region to the blocking operation', () => {
    const analysis = analyzeSources(sources);
    const { findings } = runRule(analysis, rule, withDefaults(rule, {}));
    expect(findings).toHaveLength(1);
    const [finding] = findings;
    expect(finding!.subsystems).toEqual({ from: 'sync', to: 'storage' });
    expect(finding!.trace.map((t) => [analysis.relativePath(t.location.file), t.location.line, t.message])).toEqual([
      ['src/sync/engine.ts', 8, 'Engine#mutex held while this callback runs'],
      ['src/sync/engine.ts', 8, 'calls Cache.flush'],
      ['src/storage/cache.ts', 4, 'calls persist'],
      ['src/storage/store.ts', 3, 'fs/promises.writeFile (file-system I/O)'],
    ]);
  });

  it('lists the @blocking acknowledgement with its reason instead of reporting it', () => {
    const analysis = analyzeSources(sources);
    const { acknowledgements } = runRule(analysis, rule, withDefaults(rule, {}));
    expect(acknowledgements.map((a) => [analysis.relativePath(a.location.file), a.location.line, a.by, a.reason])).toEqual([
      ['src/sync/engine.ts', 12, 'jsdoc', 'a network round trip'],
    ]);
  });

  const conditionSources = {
    'src/sync/condition.ts': `import type { Mutex } from 'async-mutex';
/** A condition variable: wait() gives the mutex back while it waits and retakes it after. */
export class Condition {
  private waiters: (() => void)[] = [];
  async wait(mu: Mutex): Promise<void> {
    mu.release();
    await new Promise<void>((resolve) => this.waiters.push(resolve));
    await mu.acquire();
  }
  signal(): void {
    this.waiters.shift()?.();
  }
}
`,
  };

  // The condition class has the shape of a resolver-queue lock, so `wait` is taken for a lock
  // operation of its own rather than a foreign blocking call: right verdict, coarse reason.
  it('S5: a wait that gives the held lock back while suspended is not reported', () => {
    const analysis = analyzeSources({
      ...conditionSources,
      'src/app/main.ts': `import { Mutex } from 'async-mutex';
import { Condition } from '../sync/condition.js';
const mu = new Mutex();
const ready = new Condition();
export async function consume() {
  await mu.acquire();
  await ready.wait(mu);
  mu.release();
}
`,
    });
    expect(runRule(analysis, rule, withDefaults(rule, {})).findings).toEqual([]);
  });

  it.fails('known limitation (S5): holding a and waiting on b’s condition keeps a held across the wait', () => {
    const analysis = analyzeSources({
      ...conditionSources,
      'src/app/main.ts': `import { Mutex } from 'async-mutex';
import { Condition } from '../sync/condition.js';
const a = new Mutex();
const b = new Mutex();
const condB = new Condition();
export async function consume() {
  const releaseA = await a.acquire();
  await b.acquire();
  await condB.wait(b);
  b.release();
  releaseA();
}
`,
    });
    const locks = runRule(analysis, rule, withDefaults(rule, {})).findings.map((f) => f.lock);
    expect(locks).toContain('src/app/main.ts#a');
  });

  it('S9: a synchronous lock held across await is reported at the await, and cannot be acknowledged by configuration', () => {
    const sources = {
      'src/app/main.ts': `/** A spin lock over a SharedArrayBuffer: it cannot be handed to another task. */
class SpinLock {
  private readonly cell = new Int32Array(new SharedArrayBuffer(4));
  acquire(): void {
    while (Atomics.compareExchange(this.cell, 0, 0, 1) !== 0) Atomics.wait(this.cell, 0, 1);
  }
  release(): void {
    Atomics.store(this.cell, 0, 0);
    Atomics.notify(this.cell, 0, 1);
  }
}
const spin = new SpinLock();
declare function flushToDisk(): Promise<void>;
export async function write() {
  spin.acquire();
  await flushToDisk();
  spin.release();
}
`,
    };
    const declare = [{ target: 'SpinLock', kind: 'sync' as const }];
    for (const locks of [{ declare }, { declare, heldAcrossBlocking: ['src/app/main.ts#spin'] }]) {
      const analysis = analyzeSources(sources, { locks });
      const { findings } = runRule(analysis, rule, withDefaults(rule, {}));
      expect(findings.map((f) => [f.messageId, f.location.line, f.location.column, f.lock])).toEqual([['syncLockAcrossYield', 16, 3, 'src/app/main.ts#spin']]);
    }
  });

  it.fails('known limitation (S7): a wait bounded below the threshold is not blocking', () => {
    const analysis = analyzeSources({
      'src/app/main.ts': `import { Mutex } from 'async-mutex';
import { ping } from '../net/peer.js';
const mu = new Mutex();
function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms))]);
}
export async function check() {
  await mu.runExclusive(async () => {
    await withTimeout(ping(), 200);
  });
}
`,
      'src/net/peer.ts': `export async function ping() {
  await fetch('https://peer.invalid/ping');
}
`,
    });
    expect(runRule(analysis, rule, withDefaults(rule, {})).findings).toEqual([]);
  });
});
