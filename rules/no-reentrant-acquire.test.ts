import { describe, expect, it } from 'vitest';
import { appFile, createRuleTester, eslintRule } from '../tests/support/rule-tester.js';
import rule from './no-reentrant-acquire.js';
import { analyzeCase, analyzeProject, at, atFixture, findingRows, span, traceLines } from '../tests/support/lock-rule-test-kit.js';

const ruleTester = createRuleTester();

interface Expected {
  /** The call made while holding the lock, exactly as written (and which occurrence). */
  site: string;
  siteOccurrence?: number;
  lock: string;
  /** Where the held lock was taken: a text of the case and its occurrence. */
  held: string;
  heldOccurrence?: number;
  api: string;
  /** Where the second acquisition is: a text of the case, or a ready `file:line:col`. */
  acquired: string | { at: string };
  acquiredOccurrence?: number;
  subsystem?: string;
  messageId?: 'reentrant' | 'reentrantUnknownKey';
  other?: string;
}

/** One expected error, positioned on the text it is about. */
function error(code: string, e: Expected) {
  const site = span(code, e.site, e.siteOccurrence);
  const acquiredAt = typeof e.acquired === 'string' ? at(code, e.acquired, e.acquiredOccurrence) : e.acquired.at;
  const callee = e.site.slice(0, e.site.indexOf('('));
  return {
    messageId: e.messageId ?? 'reentrant',
    ...site,
    data: {
      lock: e.lock,
      heldAt: at(code, e.held, e.heldOccurrence),
      call: `\`${callee}()\``,
      api: e.api,
      acquiredAt,
      subsystem: e.subsystem ?? 'app',
      ...(e.other ? { other: e.other } : {}),
    },
  };
}

const MU = 'src/app/case.ts#mu';

// ---------------------------------------------------------------- cases

const d1Bad = `import { Mutex } from 'async-mutex';
const mu = new Mutex();
export class Cache {
  private n = 0;
  async refresh() {
    await mu.runExclusive(() => this.helper());
  }
  async helper() {
    await mu.runExclusive(() => { this.n++; });
  }
}`;

const directlyNested = `import { Mutex } from 'async-mutex';
const mu = new Mutex();
export async function nested() {
  return mu.runExclusive(() => mu.runExclusive(async () => 1));
}`;

const depthTwo = `import { Mutex } from 'async-mutex';
const mu = new Mutex();
let n = 0;
async function outer() {
  const release = await mu.acquire();
  try {
    await middle();
  } finally {
    release();
  }
}
async function middle() {
  await inner();
}
async function inner() {
  await mu.runExclusive(() => { n++; });
}
export { outer };`;

const threeFiles = `import { journalLock } from '../other/journal-lock.js';
import { recordEntry } from '../storage/journal.js';
export async function checkpoint() {
  await journalLock.runExclusive(() => recordEntry('checkpoint'));
}`;

const reexported = `import { legacyJournalLock as jl } from '../other/journal-lock.js';
import { flushSink } from '../other/journal-sink.js';
export async function drain(lines: string[]) {
  await jl.runExclusive(async () => {
    await flushSink(lines);
  });
}`;

const interfaceDispatch = `import { Mutex } from 'async-mutex';
const mu = new Mutex();
interface Store { save(v: string): Promise<void>; }
class LockedStore implements Store {
  async save(v: string) { await mu.runExclusive(async () => { void v; }); }
}
export async function persist(store: Store) {
  await mu.runExclusive(() => store.save('x'));
}
export const store: Store = new LockedStore();`;

const abstractDispatch = `import { Mutex } from 'async-mutex';
const mu = new Mutex();
abstract class Job {
  abstract run(): Promise<void>;
  async runAll() {
    const release = await mu.acquire();
    try {
      await this.run();
    } finally {
      release();
    }
  }
}
export class Cleanup extends Job {
  async run() { await mu.runExclusive(async () => {}); }
}`;

const callbackReference = `import { Mutex } from 'async-mutex';
const mu = new Mutex();
async function tick() { await mu.runExclusive(async () => {}); }
export async function schedule() {
  await mu.runExclusive(tick);
}`;

const userWrapper = `import { Mutex } from 'async-mutex';
const mu = new Mutex();
function withLock<T>(fn: () => Promise<T>): Promise<T> {
  return mu.runExclusive(fn);
}
export async function twice() {
  await withLock(() => withLock(async () => 1));
}`;

const postedToQueue = `import { Mutex } from 'async-mutex';
import pLimit from 'p-limit';
const mu = new Mutex();
const serial = pLimit(1);
let n = 0;
export async function enqueue() {
  await mu.runExclusive(async () => {
    await serial(() => mu.runExclusive(async () => { n++; }));
  });
}`;

const lockParameter = `import { Mutex } from 'async-mutex';
import { appendUnder } from '../storage/journal.js';
const mu = new Mutex();
export async function log(line: string) {
  await mu.runExclusive(() => appendUnder(mu, line));
}`;

const iife = `import { Mutex } from 'async-mutex';
const mu = new Mutex();
async function bump() { await mu.runExclusive(async () => {}); }
export function start() {
  return (async () => {
    const r = await mu.acquire();
    await bump();
    r();
  })();
}`;

const d6 = `import { Mutex } from 'async-mutex';
const mu = new Mutex();
export class Table {
  private rows: string[] = [];
  /** @excludes mu */
  async clear() {
    await mu.runExclusive(() => { this.rows = []; });
  }
  async bar() { await this.baz(); }
  async baz() { await this.clear(); }
  async reset() {
    await mu.runExclusive(async () => {
      await this.clear();
      await this.bar();
    });
  }
}`;

const rwDeclared = `/** A readers–writer lock written by hand. */
export class RwLock {
  async readLock(): Promise<() => void> { return () => {}; }
  async writeLock(): Promise<() => void> { return () => {}; }
}
const rw = new RwLock();
let value = 0;
export async function upgrade() {
  const r = await rw.readLock();
  const w = await rw.writeLock();
  value++;
  w();
  r();
}`;

const rwTagged = `/**
 * A readers–writer lock written by hand.
 * @lock acquire=readLock acquire=writeLock
 */
export class RwLock {
  async readLock(): Promise<() => void> { return () => {}; }
  async writeLock(): Promise<() => void> { return () => {}; }
}
const rw = new RwLock();
export async function upgrade() {
  const r = await rw.readLock();
  const w = await rw.writeLock();
  w();
  r();
}`;

const unknownKey = `import AsyncLock from 'async-lock';
const locks = new AsyncLock();
export async function move(from: string, to: string) {
  await locks.acquire(from, () => locks.acquire(to, async () => 1));
}`;

const localAlias = `import { Mutex } from 'async-mutex';
export class Box {
  private readonly mutex = new Mutex();
  async put() {
    const m = this.mutex;
    const release = await m.acquire();
    try {
      await this.take();
    } finally {
      release();
    }
  }
  async take() { await this.mutex.runExclusive(async () => {}); }
}`;

const awaitUsing = `import { Mutex } from 'async-mutex';
export class ScopedMutex {
  private readonly inner = new Mutex();
  async lock(): Promise<Disposable> {
    const release = await this.inner.acquire();
    return { [Symbol.dispose]: release };
  }
}
const jobs = new ScopedMutex();
async function again() {
  using _again = await jobs.lock();
}
export async function run() {
  using _handle = await jobs.lock();
  await again();
}`;

const bus = (publish: string) => `import { Mutex } from 'async-mutex';
const mu = new Mutex();
type Handler = (event: string) => Promise<void>;
class Bus {
  private readonly handlers: Handler[] = [];
  on(handler: Handler) { this.handlers.push(handler); }
  ${publish}
}
const bus = new Bus();
let n = 0;
bus.on(() => mu.runExclusive(async () => { n++; }));
export async function change() {
  await mu.runExclusive(() => bus.publish('change'));
}`;
const awaitingBus = bus('async publish(event: string) { for (const h of this.handlers) await h(event); }');
const detachingBus = bus('async publish(event: string) { this.handlers.forEach((h) => void h(event)); }');

const recursion = `import { Mutex } from 'async-mutex';
const mu = new Mutex();
export async function walk(depth: number): Promise<void> {
  await mu.runExclusive(async () => {
    if (depth > 0) await walk(depth - 1);
  });
}`;

// Every lock library of the model, nested on itself.
const libraries: { name: string; code: string; expected: Omit<Expected, 'subsystem'> }[] = [
  {
    name: 'async-mutex Semaphore: a second permit taken inside the first',
    code: `import { Semaphore } from 'async-mutex';
const sem = new Semaphore(1);
export async function both() {
  const [, release] = await sem.acquire();
  try { await sem.runExclusive(async () => 1); } finally { release(); }
}`,
    expected: { site: 'sem.runExclusive(async () => 1)', lock: 'src/app/case.ts#sem', held: 'sem.acquire()', api: 'Semaphore.runExclusive', acquired: 'sem.runExclusive(async () => 1)' },
  },
  {
    name: 'async-mutex withTimeout: the decorated lock is the same lock (the second acquisition times out)',
    code: `import { Mutex, withTimeout } from 'async-mutex';
const mu = new Mutex();
const timed = withTimeout(mu, 100);
export async function twice() {
  await mu.runExclusive(() => timed.runExclusive(async () => 1));
}`,
    expected: { site: 'timed.runExclusive(async () => 1)', lock: MU, held: 'mu.runExclusive', api: 'MutexInterface.runExclusive', acquired: 'timed.runExclusive(async () => 1)' },
  },
  {
    name: 'await-lock: acquireAsync inside acquireAsync',
    code: `import AwaitLock from 'await-lock';
const lock = new AwaitLock();
export async function twice() {
  await lock.acquireAsync();
  try { await lock.acquireAsync(); } finally { lock.release(); }
}`,
    expected: { site: 'lock.acquireAsync()', siteOccurrence: 2, lock: 'src/app/case.ts#lock', held: 'lock.acquireAsync()', api: 'AwaitLock.acquireAsync', acquired: 'lock.acquireAsync()', acquiredOccurrence: 2 },
  },
  {
    name: 'async-lock: the same literal key nested',
    code: `import AsyncLock from 'async-lock';
const locks = new AsyncLock();
export async function twice() {
  await locks.acquire('orders', () => locks.acquire('orders', async () => 1));
}`,
    expected: { site: "locks.acquire('orders', async () => 1)", lock: "src/app/case.ts#locks['orders']", held: 'locks.acquire(', api: 'AsyncLock.acquire', acquired: "locks.acquire('orders', async () => 1)" },
  },
  {
    name: 'async-lock: one key of a multi-key acquisition taken again',
    code: `import AsyncLock from 'async-lock';
const locks = new AsyncLock();
export async function twice() {
  await locks.acquire(['stock', 'orders'], () => locks.acquire('orders', async () => 1));
}`,
    expected: { site: "locks.acquire('orders', async () => 1)", lock: "src/app/case.ts#locks['orders']", held: 'locks.acquire(', api: 'AsyncLock.acquire', acquired: "locks.acquire('orders', async () => 1)" },
  },
  {
    name: 'Web Locks: the same name requested inside its own callback',
    code: `export async function twice() {
  await navigator.locks.request('auth', () => navigator.locks.request('auth', async () => 1));
}`,
    expected: { site: "navigator.locks.request('auth', async () => 1)", lock: "navigator.locks['auth']", held: 'navigator.locks.request(', api: 'LockManager.request', acquired: "navigator.locks.request('auth', async () => 1)" },
  },
  {
    name: 'Web Locks: an exclusive request inside a shared one',
    code: `export async function upgrade() {
  await navigator.locks.request('cache', { mode: 'shared' }, () => navigator.locks.request('cache', async () => 1));
}`,
    expected: { site: "navigator.locks.request('cache', async () => 1)", lock: "navigator.locks['cache']", held: 'navigator.locks.request(', api: 'LockManager.request', acquired: "navigator.locks.request('cache', async () => 1)" },
  },
  {
    name: 'proper-lockfile: the same file locked twice',
    code: `import * as lockfile from 'proper-lockfile';
export async function twice() {
  const release = await lockfile.lock('state.json');
  try { await lockfile.lock('state.json'); } finally { await release(); }
}`,
    expected: { site: "lockfile.lock('state.json')", siteOccurrence: 2, lock: "proper-lockfile['state.json']", held: "lockfile.lock('state.json')", api: 'proper-lockfile.lock', acquired: "lockfile.lock('state.json')", acquiredOccurrence: 2 },
  },
  {
    name: 'redlock 4: the same resource locked twice',
    code: `import Redis from 'ioredis';
import Redlock from 'redlock';
const redlock = new Redlock([new Redis()]);
export async function twice() {
  const lock = await redlock.lock('billing', 1000);
  try { await redlock.lock('billing', 1000); } finally { await lock.unlock(); }
}`,
    expected: { site: "redlock.lock('billing', 1000)", siteOccurrence: 2, lock: "src/app/case.ts#redlock['billing']", held: "redlock.lock('billing', 1000)", api: 'Redlock.lock', acquired: "redlock.lock('billing', 1000)", acquiredOccurrence: 2 },
  },
  {
    name: 'redlock 5: acquire of a resource inside using() of it',
    code: `import Redis from 'ioredis';
import Redlock from 'redlock5';
const redlock = new Redlock([new Redis()]);
export async function twice() {
  await redlock.using(['ledger'], 1000, async () => {
    await redlock.acquire(['ledger'], 1000);
  });
}`,
    expected: { site: "redlock.acquire(['ledger'], 1000)", lock: "src/app/case.ts#redlock['ledger']", held: 'redlock.using(', api: 'Redlock.acquire', acquired: "redlock.acquire(['ledger'], 1000)" },
  },
  {
    name: 'mutexify/promise: the lock called while held',
    code: `import mutexify from 'mutexify/promise.js';
const lock = mutexify();
export async function twice() {
  const release = await lock();
  try { await lock(); } finally { release(); }
}`,
    expected: { site: 'lock()', siteOccurrence: 2, lock: 'src/app/case.ts#lock', held: 'lock()', api: 'mutexify()', acquired: 'lock()', acquiredOccurrence: 2 },
  },
  {
    name: 'semaphore-async-await Lock: execute inside acquire',
    code: `import { Lock } from 'semaphore-async-await';
const lock = new Lock();
export async function twice() {
  await lock.acquire();
  try { await lock.execute(async () => 1); } finally { lock.release(); }
}`,
    expected: { site: 'lock.execute(async () => 1)', lock: 'src/app/case.ts#lock', held: 'lock.acquire()', api: 'Semaphore.execute', acquired: 'lock.execute(async () => 1)' },
  },
  {
    name: '@esfx/async-mutex: lock() while holding its handle',
    code: `import { AsyncMutex } from '@esfx/async-mutex';
const mutex = new AsyncMutex();
export async function twice() {
  const handle = await mutex.lock();
  try { await mutex.lock(); } finally { handle.unlock(); }
}`,
    expected: { site: 'mutex.lock()', siteOccurrence: 2, lock: 'src/app/case.ts#mutex', held: 'mutex.lock()', api: 'AsyncMutex.lock', acquired: 'mutex.lock()', acquiredOccurrence: 2 },
  },
  {
    name: 'hand-rolled promise-chain lock: run() inside run()',
    code: `export class Serial {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = this.tail.then(() => result).catch(() => undefined);
    return result;
  }
}
const serial = new Serial();
export async function twice() {
  await serial.run(() => serial.run(async () => 1));
}`,
    expected: { site: 'serial.run(async () => 1)', lock: 'src/app/case.ts#serial', held: 'serial.run(', api: 'Serial.run', acquired: 'serial.run(async () => 1)' },
  },
  {
    name: 'a @lock class (JSDoc-declared): acquire() while held',
    code: `/** @lock */
export class Lease {
  async acquire(): Promise<void> {}
  release(): void {}
}
const lease = new Lease();
export async function twice() {
  await lease.acquire();
  try { await lease.acquire(); } finally { lease.release(); }
}`,
    expected: { site: 'lease.acquire()', siteOccurrence: 2, lock: 'src/app/case.ts#lease', held: 'lease.acquire()', api: 'Lease.acquire', acquired: 'lease.acquire()', acquiredOccurrence: 2 },
  },
  {
    name: 'async-mutex waitForUnlock while holding the lock waits for itself',
    code: `import { Mutex } from 'async-mutex';
const mu = new Mutex();
export async function settle() {
  await mu.runExclusive(async () => {
    await mu.waitForUnlock();
  });
}`,
    expected: { site: 'mu.waitForUnlock()', lock: MU, held: 'mu.runExclusive', api: 'Mutex.waitForUnlock', acquired: 'mu.waitForUnlock()' },
  },
];

ruleTester.run('no-reentrant-acquire', eslintRule(rule), {
  valid: [
    {
      name: 'D1 (ok): two sequential regions of the same lock',
      filename: appFile(),
      code: `import { Mutex } from 'async-mutex';
const mu = new Mutex();
let n = 0;
async function helper() { await mu.runExclusive(() => { n++; }); }
export async function twice() {
  await mu.runExclusive(() => { n++; });
  await helper();
}`,
    },
    {
      name: 'D1 (ok): a lock configured reentrant (locks.reentrant)',
      filename: appFile(),
      settings: { lockwise: { locks: { reentrant: [MU] } } },
      code: d1Bad,
    },
    {
      name: 'async-lock created with domainReentrant: true',
      filename: appFile(),
      code: `import AsyncLock from 'async-lock';
const locks = new AsyncLock({ domainReentrant: true });
export async function twice() {
  await locks.acquire('orders', () => locks.acquire('orders', async () => 1));
}`,
    },
    {
      name: 'async-lock: different literal keys are different locks',
      filename: appFile(),
      code: `import AsyncLock from 'async-lock';
const locks = new AsyncLock();
export async function both() {
  await locks.acquire('stock', () => locks.acquire('orders', async () => 1));
}`,
    },
    {
      name: 'async-lock: a key that is not a literal is not reported by default (reportUnknownKeys: false)',
      filename: appFile(),
      code: unknownKey,
    },
    {
      name: 'a nested acquisition that is not awaited is queued until the region ends',
      filename: appFile(),
      code: `import { Mutex } from 'async-mutex';
const mu = new Mutex();
let n = 0;
export async function later() {
  await mu.runExclusive(() => {
    mu.runExclusive(async () => { n++; });
  });
}`,
    },
    {
      name: 'a callback scheduled for later (setTimeout) runs after the region',
      filename: appFile(),
      code: `import { Mutex } from 'async-mutex';
const mu = new Mutex();
let n = 0;
export async function later() {
  await mu.runExclusive(() => {
    setTimeout(() => mu.runExclusive(async () => { n++; }), 10);
  });
}`,
    },
    {
      name: 'an event listener taking the lock: emit() does not wait for it',
      filename: appFile(),
      code: `import { EventEmitter } from 'node:events';
import { Mutex } from 'async-mutex';
const mu = new Mutex();
const emitter = new EventEmitter();
let n = 0;
emitter.on('change', () => mu.runExclusive(async () => { n++; }));
export async function change() {
  await mu.runExclusive(() => {
    emitter.emit('change');
  });
}`,
    },
    {
      name: 'the lock is released before the call',
      filename: appFile(),
      code: `import { Mutex } from 'async-mutex';
const mu = new Mutex();
async function helper() { await mu.runExclusive(async () => {}); }
export async function done() {
  const release = await mu.acquire();
  release();
  await helper();
}`,
    },
    {
      name: 'two instances of one class: from.mutex inside to.mutex is a transfer, not a reentrancy',
      filename: appFile(),
      code: `import { Mutex } from 'async-mutex';
export class Account {
  readonly mutex = new Mutex();
  balance = 0;
  async transferTo(to: Account, amount: number) {
    await this.mutex.runExclusive(() => to.mutex.runExclusive(async () => {
      this.balance -= amount;
      to.balance += amount;
    }));
  }
}
export async function transfer(from: Account, to: Account) {
  await from.mutex.runExclusive(() => to.mutex.runExclusive(async () => {}));
}`,
    },
    {
      name: 'lock coupling over a linked list: a node holds its lock while the next node takes its own',
      filename: appFile(),
      code: `import { Mutex } from 'async-mutex';
export class Node {
  readonly mu = new Mutex();
  next?: Node;
  async walk(): Promise<void> {
    await this.mu.runExclusive(async () => {
      await this.next?.walk();
    });
  }
}`,
    },
    {
      name: 'a user event bus that does not wait for its listeners: the listener queues for the lock',
      filename: appFile(),
      code: detachingBus,
    },
    {
      name: 'Web Locks: a shared request inside a shared one',
      filename: appFile(),
      code: `export async function read() {
  await navigator.locks.request('cache', { mode: 'shared' }, () => navigator.locks.request('cache', { mode: 'shared' }, async () => 1));
}`,
    },
    {
      name: 'Web Locks: ifAvailable does not wait',
      filename: appFile(),
      code: `export async function compact() {
  await navigator.locks.request('cache', () => navigator.locks.request('cache', { ifAvailable: true }, async () => 1));
}`,
    },
    {
      name: 'await-lock tryAcquire() inside the region fails instead of waiting',
      filename: appFile(),
      code: `import AwaitLock from 'await-lock';
const lock = new AwaitLock();
export async function probe() {
  await lock.acquireAsync();
  try {
    if (lock.tryAcquire()) lock.release();
  } finally {
    lock.release();
  }
}`,
    },
    {
      name: 'async-mutex tryAcquire(mu) fails fast (E_ALREADY_LOCKED) instead of waiting',
      filename: appFile(),
      code: `import { Mutex, tryAcquire } from 'async-mutex';
const mu = new Mutex();
export async function peek() {
  await mu.runExclusive(() => tryAcquire(mu).runExclusive(async () => 1));
}`,
    },
    {
      name: 'mutexify callback style: the nested lock(cb) is queued and runs after release()',
      filename: appFile(),
      code: `import mutexify from 'mutexify';
const lock = mutexify();
export function log(line: string) {
  lock((release) => {
    lock((inner) => inner());
    release();
  });
}`,
    },
    {
      name: 'D6 (guarded-access): @excludes on a function that takes no lock is left to guarded-access',
      filename: appFile(),
      code: `import { Mutex } from 'async-mutex';
const mu = new Mutex();
export class Table {
  private rows: string[] = [];
  /** @excludes mu */
  async clear() { this.rows = []; }
  async reset() {
    await mu.runExclusive(() => this.clear());
  }
}`,
    },
    {
      name: 'a helper that drops the lock it is handed before taking it again (P7) is not a reentrancy',
      filename: appFile(),
      code: `import { Mutex, type MutexInterface } from 'async-mutex';
import * as net from '../net/client.js';
const mu = new Mutex();
async function pause(release: MutexInterface.Releaser): Promise<MutexInterface.Releaser> {
  release();
  await net.x();
  return mu.acquire();
}
export async function work() {
  let release = await mu.acquire();
  release = await pause(release);
  release();
}`,
    },
  ],
  invalid: [
    {
      name: 'D1: a region calls a helper that takes the same lock (trace outer → inner)',
      filename: appFile(),
      code: d1Bad,
      errors: [error(d1Bad, { site: 'this.helper()', lock: MU, held: 'mu.runExclusive', api: 'Mutex.runExclusive', acquired: 'mu.runExclusive', acquiredOccurrence: 2 })],
    },
    {
      name: 'directly nested runExclusive',
      filename: appFile(),
      code: directlyNested,
      errors: [error(directlyNested, { site: 'mu.runExclusive(async () => 1)', lock: MU, held: 'mu.runExclusive', api: 'Mutex.runExclusive', acquired: 'mu.runExclusive(async () => 1)' })],
    },
    {
      name: 'depth 2: releaser region → middle() → inner() → runExclusive',
      filename: appFile(),
      code: depthTwo,
      errors: [error(depthTwo, { site: 'middle()', lock: MU, held: 'mu.acquire()', api: 'Mutex.runExclusive', acquired: 'mu.runExclusive' })],
    },
    {
      name: 'depth 3+ through three files: app → storage/journal.ts → other/journal-sink.ts',
      filename: appFile(),
      code: threeFiles,
      errors: [
        error(threeFiles, {
          site: "recordEntry('checkpoint')",
          lock: 'src/other/journal-lock.ts#journalLock',
          held: 'journalLock.runExclusive',
          api: 'Mutex.runExclusive',
          acquired: { at: atFixture('src/other/journal-sink.ts', 'journalLock.runExclusive') },
          subsystem: 'other',
        }),
      ],
    },
    {
      name: 'aliases and re-exports: the legacy name of the journal lock is the same lock',
      filename: appFile(),
      code: reexported,
      errors: [
        error(reexported, {
          site: 'flushSink(lines)',
          lock: 'src/other/journal-lock.ts#journalLock',
          held: 'jl.runExclusive',
          api: 'Mutex.runExclusive',
          acquired: { at: atFixture('src/other/journal-sink.ts', 'journalLock.runExclusive') },
          subsystem: 'other',
        }),
      ],
    },
    {
      name: 'interface dispatch: the implementation of Store.save takes the lock',
      filename: appFile(),
      code: interfaceDispatch,
      errors: [error(interfaceDispatch, { site: "store.save('x')", lock: MU, held: 'mu.runExclusive', heldOccurrence: 2, api: 'Mutex.runExclusive', acquired: 'mu.runExclusive' })],
    },
    {
      name: 'abstract dispatch: this.run() reaches the override that takes the lock',
      filename: appFile(),
      code: abstractDispatch,
      errors: [error(abstractDispatch, { site: 'this.run()', lock: MU, held: 'mu.acquire()', api: 'Mutex.runExclusive', acquired: 'mu.runExclusive' })],
    },
    {
      name: 'a function reference run as the callback of runExclusive takes the lock again',
      filename: appFile(),
      code: callbackReference,
      errors: [error(callbackReference, { site: 'mu.runExclusive(tick)', lock: MU, held: 'mu.runExclusive(tick)', api: 'Mutex.runExclusive', acquired: 'mu.runExclusive' })],
    },
    {
      name: 'a user lock wrapper nested in itself',
      filename: appFile(),
      code: userWrapper,
      errors: [error(userWrapper, { site: 'withLock(async () => 1)', lock: MU, held: 'withLock(', api: 'Mutex.runExclusive', acquired: 'mu.runExclusive' })],
    },
    {
      name: 'S13: a callback posted to a concurrency-1 queue that the region awaits needs the lock',
      filename: appFile(),
      code: postedToQueue,
      errors: [error(postedToQueue, { site: 'serial(() => mu.runExclusive(async () => { n++; }))', lock: MU, held: 'mu.runExclusive', api: 'Mutex.runExclusive', acquired: 'mu.runExclusive', acquiredOccurrence: 2 })],
    },
    {
      name: 'across subsystems, the lock handed to storage as a parameter is taken there again',
      filename: appFile(),
      code: lockParameter,
      errors: [
        error(lockParameter, {
          site: 'appendUnder(mu, line)',
          lock: MU,
          held: 'mu.runExclusive',
          api: 'Mutex.runExclusive',
          acquired: { at: atFixture('src/storage/journal.ts', 'lock.runExclusive') },
          subsystem: 'storage',
        }),
      ],
    },
    {
      name: 'an async IIFE is analysed like an async function',
      filename: appFile(),
      code: iife,
      errors: [error(iife, { site: 'bump()', siteOccurrence: 2, lock: MU, held: 'mu.acquire()', api: 'Mutex.runExclusive', acquired: 'mu.runExclusive' })],
    },
    {
      name: 'D6: an @excludes mu method that takes mu, called in a mu region directly and through bar → baz',
      filename: appFile(),
      code: d6,
      errors: [
        error(d6, { site: 'this.clear()', siteOccurrence: 2, lock: MU, held: 'mu.runExclusive', heldOccurrence: 2, api: 'Mutex.runExclusive', acquired: 'mu.runExclusive' }),
        error(d6, { site: 'this.bar()', lock: MU, held: 'mu.runExclusive', heldOccurrence: 2, api: 'Mutex.runExclusive', acquired: 'mu.runExclusive' }),
      ],
    },
    {
      name: 'D5: upgrading a read lock to a write lock of an RW lock declared in configuration',
      filename: appFile(),
      settings: { lockwise: { locks: { declare: [{ target: 'RwLock', kind: 'rw', acquire: ['readLock', 'writeLock'] }] } } },
      code: rwDeclared,
      errors: [error(rwDeclared, { site: 'rw.writeLock()', lock: 'src/app/case.ts#rw', held: 'rw.readLock()', api: 'RwLock.writeLock', acquired: 'rw.writeLock()' })],
    },
    {
      name: 'D5: upgrading a read lock to a write lock of a @lock-declared RW class',
      filename: appFile(),
      code: rwTagged,
      errors: [error(rwTagged, { site: 'rw.writeLock()', lock: 'src/app/case.ts#rw', held: 'rw.readLock()', api: 'RwLock.writeLock', acquired: 'rw.writeLock()' })],
    },
    {
      name: 'async-lock: a key that is not a literal, with reportUnknownKeys: true',
      filename: appFile(),
      code: unknownKey,
      options: [{ reportUnknownKeys: true }],
      errors: [
        error(unknownKey, {
          messageId: 'reentrantUnknownKey',
          site: 'locks.acquire(to, async () => 1)',
          lock: 'src/app/case.ts#locks[*]',
          other: 'src/app/case.ts#locks[*]',
          held: 'locks.acquire(from',
          api: 'AsyncLock.acquire',
          acquired: 'locks.acquire(to, async () => 1)',
        }),
      ],
    },
    {
      name: 'a local alias of the field (const m = this.mutex) is the same lock',
      filename: appFile(),
      code: localAlias,
      errors: [error(localAlias, { site: 'this.take()', lock: 'Box#mutex', held: 'm.acquire()', api: 'Mutex.runExclusive', acquired: 'this.mutex.runExclusive' })],
    },
    {
      name: 'await using: a disposable lock handle is held to the end of its scope',
      filename: appFile(),
      code: awaitUsing,
      errors: [error(awaitUsing, { site: 'again()', siteOccurrence: 2, lock: 'ScopedMutex#inner', held: 'jobs.lock()', heldOccurrence: 2, api: 'Mutex.acquire', acquired: 'this.inner.acquire()' })],
    },
    {
      name: 'a listener stored by a user event bus takes the lock the publisher holds (the bus awaits it)',
      filename: appFile(),
      code: awaitingBus,
      errors: [error(awaitingBus, { site: "bus.publish('change')", lock: MU, held: 'mu.runExclusive(() =>', api: 'Mutex.runExclusive', acquired: 'mu.runExclusive' })],
    },
    {
      name: 'a region that recurses into itself',
      filename: appFile(),
      code: recursion,
      errors: [error(recursion, { site: 'walk(depth - 1)', lock: MU, held: 'mu.runExclusive', api: 'Mutex.runExclusive', acquired: 'mu.runExclusive' })],
    },
    ...libraries.map(({ name, code, expected }) => ({ name, filename: appFile(), code, errors: [error(code, expected)] })),
  ],
});

describe('no-reentrant-acquire: traces and known limitations', () => {
  it('D1: the trace runs from the outer acquisition to the inner one', () => {
    const analysis = analyzeCase(d1Bad);
    const [row, ...rest] = findingRows(analysis, rule).filter((r) => r.file === 'src/app/case.ts');
    expect(rest).toEqual([]);
    expect(traceLines(analysis, row!.finding)).toEqual([
      `${at(d1Bad, 'mu.runExclusive')} ${MU} held while this callback runs`,
      `${at(d1Bad, 'this.helper()')} calls Cache.helper`,
      `${at(d1Bad, 'mu.runExclusive', 2)} Mutex.runExclusive acquires ${MU} again`,
    ]);
  });

  it('depth 3+: the trace names every call through the three files', () => {
    const analysis = analyzeCase(threeFiles);
    const rows = findingRows(analysis, rule).filter((r) => r.lock === 'src/other/journal-lock.ts#journalLock');
    expect(rows.map((r) => `${r.file}:${r.line}:${r.column}`)).toEqual([at(threeFiles, "recordEntry('checkpoint')")]);
    expect(traceLines(analysis, rows[0]!.finding)).toEqual([
      `${at(threeFiles, 'journalLock.runExclusive')} src/other/journal-lock.ts#journalLock held while this callback runs`,
      `${at(threeFiles, "recordEntry('checkpoint')")} calls recordEntry`,
      `${atFixture('src/storage/journal.ts', 'flushPending()')} calls flushPending`,
      `${atFixture('src/storage/journal.ts', 'flushSink(pending.splice(0))')} calls flushSink`,
      `${atFixture('src/other/journal-sink.ts', 'journalLock.runExclusive')} Mutex.runExclusive acquires src/other/journal-lock.ts#journalLock again`,
    ]);
    expect(rows[0]!.finding.subsystems).toEqual({ from: 'other', to: 'other' });
  });

  it('D6: the trace notes the @excludes annotation on the way', () => {
    const analysis = analyzeCase(d6);
    const viaBar = findingRows(analysis, rule).find((r) => r.line === span(d6, 'this.bar()').line)!;
    expect(traceLines(analysis, viaBar.finding)).toEqual([
      `${at(d6, 'mu.runExclusive', 2)} ${MU} held while this callback runs`,
      `${at(d6, 'this.bar()')} calls Table.bar`,
      `${at(d6, 'this.baz()')} calls Table.baz`,
      `${at(d6, 'this.clear()')} calls Table.clear (documented @excludes mu)`,
      `${at(d6, 'mu.runExclusive')} Mutex.runExclusive acquires ${MU} again`,
    ]);
  });

  it('scenario deadlock-three-files: the one finding EXPECTED.md lists, and quiet elsewhere', () => {
    const analysis = analyzeProject('fixtures/scenarios/deadlock-three-files');
    const rows = findingRows(analysis, rule);
    expect(rows.map((r) => `${r.file}:${r.line}:${r.column} ${r.messageId}`)).toEqual(['src/billing/invoices.ts:25:14 reentrant']);
    expect(traceLines(analysis, rows[0]!.finding)).toEqual([
      'src/billing/invoices.ts:22:12 InvoiceService#mutex held while this callback runs',
      'src/billing/invoices.ts:25:14 calls PdfRenderer.render',
      'src/billing/pdf.ts:19:13 calls Footer.compose',
      'src/billing/footer.ts:8:31 calls InvoiceService.count',
      'src/billing/invoices.ts:31:12 Mutex.runExclusive acquires InvoiceService#mutex again',
    ]);
  });

  it.fails('known limitation (D1): a nested acquisition under a constant-false condition is still reported (not path-sensitive)', () => {
    const code = `import { Mutex } from 'async-mutex';
const mu = new Mutex();
const flag = false;
async function nestedAcquire() { await mu.runExclusive(async () => {}); }
export async function guarded() {
  await mu.runExclusive(async () => {
    if (flag) await nestedAcquire();
  });
}`;
    expect(findingRows(analyzeCase(code), rule).filter((r) => r.file === 'src/app/case.ts')).toEqual([]);
  });
});
