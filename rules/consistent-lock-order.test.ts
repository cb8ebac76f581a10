import { describe, expect, it } from 'vitest';
import { appFile, createRuleTester, eslintRule } from '../tests/support/rule-tester.js';
import rule from './consistent-lock-order.js';
import { lockOrderCycles, lockOrderGraph, lockOrderGraphData } from './support/consistent-lock-order-graph.js';
import { analyzeCase, at, atFixture, findingRows, span, traceLines } from '../tests/support/lock-rule-test-kit.js';

const ruleTester = createRuleTester();

/** The place one edge is made: the call that waits for `second` while `first` is held. */
interface Edge {
  site: string;
  siteOccurrence?: number;
  first: string;
  second: string;
  held: string;
  heldOccurrence?: number;
}

/** A two-lock inversion reported at `edge`, whose opposite edge is made at `other` (a case text or a ready location). */
function inversion(code: string, edge: Edge, other: { site: string; occurrence?: number } | { at: string }) {
  const callee = edge.site.slice(0, edge.site.indexOf('('));
  return {
    messageId: 'inversion',
    ...span(code, edge.site, edge.siteOccurrence),
    data: {
      first: edge.first,
      second: edge.second,
      call: `\`${callee}()\``,
      heldAt: at(code, edge.held, edge.heldOccurrence),
      otherAt: 'at' in other ? other.at : at(code, other.site, other.occurrence),
    },
  };
}

/** A cycle of three or more locks reported at `edge`; `cycle` starts at `edge.first`, `others` are the other edges' places in cycle order. */
function cycle(code: string, edge: Edge, locks: string[], others: string[]) {
  const callee = edge.site.slice(0, edge.site.indexOf('('));
  return {
    messageId: 'cycle',
    ...span(code, edge.site, edge.siteOccurrence),
    data: {
      first: edge.first,
      second: edge.second,
      call: `\`${callee}()\``,
      heldAt: at(code, edge.held, edge.heldOccurrence),
      cycle: [...locks, locks[0]].map((l) => `\`${l}\``).join(' → '),
      others: others.join(', '),
    },
  };
}

const A = 'src/app/case.ts#a';
const B = 'src/app/case.ts#b';
const C = 'src/app/case.ts#c';
const MU = 'src/app/case.ts#mu';
const ACCOUNTS = 'src/storage/accounts.ts#accountsLock';
const AUDIT = 'src/other/audit-trail.ts#auditLock';
const SESSION = 'src/net/sessions.ts#sessionLock';

const d2 = `import { Mutex } from 'async-mutex';
const a = new Mutex();
const b = new Mutex();
let n = 0;
class A {
  async sync() {
    await a.runExclusive(() => this.pushB());
  }
  async pushB() {
    await b.runExclusive(async () => { n++; });
  }
}
class B {
  async flush() {
    await b.runExclusive(() => this.takeA());
  }
  async takeA() {
    await a.runExclusive(async () => { n--; });
  }
}
export const both = [new A(), new B()];`;

const d2AcrossFiles = `import { auditLock } from '../other/audit-trail.js';
import { balance } from '../storage/accounts.js';
export async function auditBalance(id: string) {
  await auditLock.runExclusive(() => balance(id));
}`;

const p5 = `import { Mutex } from 'async-mutex';
const m1 = new Mutex();
const m2 = new Mutex();
async function lockM1Wrap() {
  await m1.acquire();
}
export async function first() {
  await lockM1Wrap();
  const r2 = await m2.acquire();
  r2();
  m1.release();
}
export async function second() {
  await m2.runExclusive(() => m1.runExclusive(async () => 0));
}`;

const three = `import { Mutex } from 'async-mutex';
const a = new Mutex();
const b = new Mutex();
const c = new Mutex();
export async function ab() {
  await a.runExclusive(() => b.runExclusive(async () => 1));
}
export async function bc() {
  await b.runExclusive(() => c.runExclusive(async () => 2));
}
export async function ca() {
  await c.runExclusive(() => a.runExclusive(async () => 3));
}`;

const threeFiles = `import { sessionLock } from '../net/sessions.js';
import { balance } from '../storage/accounts.js';
export async function sessionBalance(id: string) {
  await sessionLock.runExclusive(() => balance(id));
}`;

const deep = `import { Mutex } from 'async-mutex';
const a = new Mutex();
const b = new Mutex();
async function one() { await two(); }
async function two() { await three(); }
async function three() { await b.runExclusive(async () => {}); }
async function four() { await five(); }
async function five() { await a.runExclusive(async () => {}); }
export async function forward() {
  const release = await a.acquire();
  try { await one(); } finally { release(); }
}
export async function backward() {
  await b.runExclusive(() => four());
}`;

const d4 = `import { Mutex } from 'async-mutex';
import { registry } from '../storage/registry.js';
const a = new Mutex();
export async function save() {
  await a.runExclusive(() => registry.snapshot());
}
export async function refresh() {
  await registry.update(() => a.runExclusive(async () => {}));
}`;

const unknownKeys = `import AsyncLock from 'async-lock';
import { Mutex } from 'async-mutex';
const locks = new AsyncLock();
const mu = new Mutex();
export async function one(key: string) {
  await locks.acquire(key, () => mu.runExclusive(async () => 0));
}
export async function two(key: string) {
  await mu.runExclusive(() => locks.acquire(key, async () => 1));
}`;

const listener = `import { Mutex } from 'async-mutex';
const a = new Mutex();
const b = new Mutex();
type Handler = () => Promise<void>;
class Bus {
  private readonly handlers: Handler[] = [];
  on(handler: Handler) { this.handlers.push(handler); }
  async publish() { for (const h of this.handlers) await h(); }
}
const bus = new Bus();
bus.on(() => b.runExclusive(async () => {}));
export async function announce() {
  await a.runExclusive(() => bus.publish());
}
export async function back() {
  await b.runExclusive(() => a.runExclusive(async () => {}));
}`;

const twoCycles = `import { Mutex } from 'async-mutex';
const a = new Mutex();
const b = new Mutex();
const c = new Mutex();
export async function ab() { await a.runExclusive(() => b.runExclusive(async () => 1)); }
export async function ba() { await b.runExclusive(() => a.runExclusive(async () => 2)); }
export async function bc() { await b.runExclusive(() => c.runExclusive(async () => 3)); }
export async function cb() { await c.runExclusive(() => b.runExclusive(async () => 4)); }`;

/** One inversion per lock library: `first` holds the library's lock and takes `mu`, `second` the opposite. */
const libraries: { name: string; imports: string; decl: string; first: string; held: string; take: string; takeCall: string; takeOccurrence?: number; id: string }[] = [
  {
    name: 'async-mutex Semaphore',
    imports: `import { Semaphore } from 'async-mutex';`,
    decl: 'const lk = new Semaphore(1);',
    first: `const [, release] = await lk.acquire();
  try { await mu.runExclusive(async () => 0); } finally { release(); }`,
    held: 'lk.acquire()',
    take: 'await lk.runExclusive(async () => 1);',
    takeCall: 'lk.runExclusive(async () => 1)',
    id: 'src/app/case.ts#lk',
  },
  {
    name: 'async-mutex withTimeout (the decorated mutex is the mutex)',
    imports: `import { withTimeout } from 'async-mutex';`,
    decl: 'const lk = new Mutex();\nconst timed = withTimeout(lk, 100);',
    first: 'await timed.runExclusive(() => mu.runExclusive(async () => 0));',
    held: 'timed.runExclusive(',
    take: 'await lk.runExclusive(async () => 1);',
    takeCall: 'lk.runExclusive(async () => 1)',
    id: 'src/app/case.ts#lk',
  },
  {
    name: 'await-lock',
    imports: `import AwaitLock from 'await-lock';`,
    decl: 'const lk = new AwaitLock();',
    first: `await lk.acquireAsync();
  try { await mu.runExclusive(async () => 0); } finally { lk.release(); }`,
    held: 'lk.acquireAsync()',
    take: 'await lk.acquireAsync();\n    lk.release();',
    takeCall: 'lk.acquireAsync()',
    takeOccurrence: 2,
    id: 'src/app/case.ts#lk',
  },
  {
    name: 'async-lock (a literal key)',
    imports: `import AsyncLock from 'async-lock';`,
    decl: 'const lk = new AsyncLock();',
    first: `await lk.acquire('k', () => mu.runExclusive(async () => 0));`,
    held: "lk.acquire('k', () =>",
    take: `await lk.acquire('k', async () => 1);`,
    takeCall: `lk.acquire('k', async () => 1)`,
    id: "src/app/case.ts#lk['k']",
  },
  {
    name: 'Web Locks',
    imports: '',
    decl: '',
    first: `await navigator.locks.request('n', () => mu.runExclusive(async () => 0));`,
    held: "navigator.locks.request('n', () =>",
    take: `await navigator.locks.request('n', async () => 1);`,
    takeCall: `navigator.locks.request('n', async () => 1)`,
    id: "navigator.locks['n']",
  },
  {
    name: 'proper-lockfile',
    imports: `import * as lockfile from 'proper-lockfile';`,
    decl: '',
    first: `const release = await lockfile.lock('f.json');
  try { await mu.runExclusive(async () => 0); } finally { await release(); }`,
    held: "lockfile.lock('f.json')",
    take: `const r = await lockfile.lock('f.json');\n    await r();`,
    takeCall: "lockfile.lock('f.json')",
    takeOccurrence: 2,
    id: "proper-lockfile['f.json']",
  },
  {
    name: 'redlock 4',
    imports: `import Redis from 'ioredis';\nimport Redlock from 'redlock';`,
    decl: 'const lk = new Redlock([new Redis()]);',
    first: `const l = await lk.lock('res', 1000);
  try { await mu.runExclusive(async () => 0); } finally { await l.unlock(); }`,
    held: "lk.lock('res', 1000)",
    take: `const l = await lk.lock('res', 1000);\n    await l.unlock();`,
    takeCall: "lk.lock('res', 1000)",
    takeOccurrence: 2,
    id: "src/app/case.ts#lk['res']",
  },
  {
    name: 'redlock 5',
    imports: `import Redis from 'ioredis';\nimport Redlock from 'redlock5';`,
    decl: 'const lk = new Redlock([new Redis()]);',
    first: `await lk.using(['res'], 1000, () => mu.runExclusive(async () => 0));`,
    held: 'lk.using(',
    take: `const l = await lk.acquire(['res'], 1000);\n    await l.release();`,
    takeCall: "lk.acquire(['res'], 1000)",
    id: "src/app/case.ts#lk['res']",
  },
  {
    name: 'mutexify/promise',
    imports: `import mutexify from 'mutexify/promise.js';`,
    decl: 'const lk = mutexify();',
    first: `const release = await lk();
  try { await mu.runExclusive(async () => 0); } finally { release(); }`,
    held: 'lk()',
    take: 'const r = await lk();\n    r();',
    takeCall: 'lk()',
    takeOccurrence: 2,
    id: 'src/app/case.ts#lk',
  },
  {
    name: 'semaphore-async-await Lock',
    imports: `import { Lock } from 'semaphore-async-await';`,
    decl: 'const lk = new Lock();',
    first: `await lk.acquire();
  try { await mu.runExclusive(async () => 0); } finally { lk.release(); }`,
    held: 'lk.acquire()',
    take: 'await lk.execute(async () => 1);',
    takeCall: 'lk.execute(async () => 1)',
    id: 'src/app/case.ts#lk',
  },
  {
    name: '@esfx/async-mutex',
    imports: `import { AsyncMutex } from '@esfx/async-mutex';`,
    decl: 'const lk = new AsyncMutex();',
    first: `const h = await lk.lock();
  try { await mu.runExclusive(async () => 0); } finally { h.unlock(); }`,
    held: 'lk.lock()',
    take: 'const h = await lk.lock();\n    h.unlock();',
    takeCall: 'lk.lock()',
    takeOccurrence: 2,
    id: 'src/app/case.ts#lk',
  },
  {
    name: 'a hand-rolled promise-chain lock',
    imports: '',
    decl: `class Serial {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = this.tail.then(() => result).catch(() => undefined);
    return result;
  }
}
const lk = new Serial();`,
    first: 'await lk.run(() => mu.runExclusive(async () => 0));',
    held: 'lk.run(() =>',
    take: 'await lk.run(async () => 1);',
    takeCall: 'lk.run(async () => 1)',
    id: 'src/app/case.ts#lk',
  },
  {
    name: 'a @lock class',
    imports: '',
    decl: `/** @lock */
class Lease {
  async acquire(): Promise<void> {}
  release(): void {}
}
const lk = new Lease();`,
    first: `await lk.acquire();
  try { await mu.runExclusive(async () => 0); } finally { lk.release(); }`,
    held: 'lk.acquire()',
    take: 'await lk.acquire();\n    lk.release();',
    takeCall: 'lk.acquire()',
    takeOccurrence: 2,
    id: 'src/app/case.ts#lk',
  },
];

function libraryCase(l: (typeof libraries)[number]) {
  const code = `import { Mutex } from 'async-mutex';
${l.imports}
const mu = new Mutex();
${l.decl}
export async function first() {
  ${l.first}
}
export async function second() {
  await mu.runExclusive(async () => {
    ${l.take}
  });
}`;
  const firstSite = 'mu.runExclusive(async () => 0)';
  const secondHeld = 'mu.runExclusive(async () => {';
  return {
    name: `inversion between a Mutex and ${l.name}`,
    filename: appFile(),
    code,
    errors: [
      inversion(code, { site: firstSite, first: l.id, second: MU, held: l.held }, { site: l.takeCall, occurrence: l.takeOccurrence }),
      inversion(code, { site: l.takeCall, siteOccurrence: l.takeOccurrence, first: MU, second: l.id, held: secondHeld }, { site: firstSite }),
    ],
  };
}

ruleTester.run('consistent-lock-order', eslintRule(rule), {
  valid: [
    {
      name: 'one order everywhere: a → b in two functions',
      filename: appFile(),
      code: `import { Mutex } from 'async-mutex';
const a = new Mutex();
const b = new Mutex();
export async function one() { await a.runExclusive(() => b.runExclusive(async () => 1)); }
export async function two() {
  const ra = await a.acquire();
  try { await b.runExclusive(async () => 2); } finally { ra(); }
}`,
    },
    {
      name: 'P4: a release wrapper gives m1 back before m2 is taken, so there is no m1 → m2 edge',
      filename: appFile(),
      code: `import { Mutex } from 'async-mutex';
const m1 = new Mutex();
const m2 = new Mutex();
async function lockM1() { await m1.acquire(); }
function unlockM1Wrap() { m1.release(); }
export async function indirect() {
  await lockM1();
  unlockM1Wrap();
  const r2 = await m2.acquire();
  r2();
}
export async function reverse() {
  await m2.runExclusive(() => m1.runExclusive(async () => 0));
}`,
    },
    {
      name: 'D3: an inversion only between functions that always run under one outer lock',
      filename: appFile(),
      code: `import { Mutex } from 'async-mutex';
const gate = new Mutex();
const a = new Mutex();
const b = new Mutex();
async function ab() { await a.runExclusive(() => b.runExclusive(async () => 1)); }
async function ba() {
  const rb = await b.acquire();
  try { await a.runExclusive(async () => 2); } finally { rb(); }
}
export async function one() { await gate.runExclusive(() => ab()); }
export async function two() { await gate.runExclusive(async () => { await ba(); }); }`,
    },
    {
      name: 'D3: an inversion only between jobs of one concurrency-1 queue',
      filename: appFile(),
      code: `import { Mutex } from 'async-mutex';
class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  add<T>(job: () => Promise<T>): Promise<T> {
    const result = this.tail.then(job);
    this.tail = this.tail.then(() => result).catch(() => undefined);
    return result;
  }
}
const queue = new SerialQueue();
const a = new Mutex();
const b = new Mutex();
export async function one() { await queue.add(() => a.runExclusive(() => b.runExclusive(async () => 1))); }
export async function two() { await queue.add(() => b.runExclusive(() => a.runExclusive(async () => 2))); }`,
    },
    {
      name: 'an acquisition that is not awaited makes no edge (it waits until the region ends)',
      filename: appFile(),
      code: `import { Mutex } from 'async-mutex';
const a = new Mutex();
const b = new Mutex();
export async function one() { await a.runExclusive(() => b.runExclusive(async () => 1)); }
export async function two() {
  await b.runExclusive(() => {
    void a.runExclusive(async () => 2);
  });
}`,
    },
    {
      name: 'a lock nested in itself is no-reentrant-acquire, not an order between two locks',
      filename: appFile(),
      code: `import { Mutex } from 'async-mutex';
const mu = new Mutex();
export async function twice() { await mu.runExclusive(() => mu.runExclusive(async () => 1)); }`,
    },
    {
      name: 'a cycle through a keyed lock with keys that are not literals is not reported by default (reportUnknownKeys: false)',
      filename: appFile(),
      code: unknownKeys,
    },
  ],
  invalid: [
    {
      name: 'D2: a → b in A.sync(), b → a in B.flush(), both ends reported',
      filename: appFile(),
      code: d2,
      errors: [
        inversion(d2, { site: 'this.pushB()', first: A, second: B, held: 'a.runExclusive' }, { site: 'this.takeA()' }),
        inversion(d2, { site: 'this.takeA()', first: B, second: A, held: 'b.runExclusive', heldOccurrence: 2 }, { site: 'this.pushB()' }),
      ],
    },
    {
      name: 'D2 across files: app takes accounts under audit, storage takes audit under accounts',
      filename: appFile(),
      code: d2AcrossFiles,
      errors: [
        inversion(
          d2AcrossFiles,
          { site: 'balance(id)', first: 'src/other/audit-trail.ts#auditLock', second: 'src/storage/accounts.ts#accountsLock', held: 'auditLock.runExclusive' },
          { at: atFixture('src/storage/accounts.ts', 'appendAudit(`settled ${id}`)') },
        ),
      ],
    },
    {
      name: 'P5: an acquire wrapper keeps m1 held on exit, so m2 is taken under m1',
      filename: appFile(),
      code: p5,
      errors: [
        inversion(p5, { site: 'm2.acquire()', first: 'src/app/case.ts#m1', second: 'src/app/case.ts#m2', held: 'lockM1Wrap()', heldOccurrence: 2 }, { site: 'm1.runExclusive(async () => 0)' }),
        inversion(p5, { site: 'm1.runExclusive(async () => 0)', first: 'src/app/case.ts#m2', second: 'src/app/case.ts#m1', held: 'm2.runExclusive' }, { site: 'm2.acquire()' }),
      ],
    },
    {
      name: 'a cycle of three locks in one file: every edge reported',
      filename: appFile(),
      code: three,
      errors: [
        cycle(three, { site: 'b.runExclusive(async () => 1)', first: A, second: B, held: 'a.runExclusive' }, [A, B, C], [at(three, 'c.runExclusive(async () => 2)'), at(three, 'a.runExclusive(async () => 3)')]),
        cycle(three, { site: 'c.runExclusive(async () => 2)', first: B, second: C, held: 'b.runExclusive', heldOccurrence: 2 }, [B, C, A], [at(three, 'a.runExclusive(async () => 3)'), at(three, 'b.runExclusive(async () => 1)')]),
        cycle(three, { site: 'a.runExclusive(async () => 3)', first: C, second: A, held: 'c.runExclusive', heldOccurrence: 2 }, [C, A, B], [at(three, 'b.runExclusive(async () => 1)'), at(three, 'c.runExclusive(async () => 2)')]),
      ],
    },
    {
      name: 'a cycle of three locks through three files: session → accounts (app), accounts → audit (storage), audit → session (other)',
      filename: appFile(),
      code: threeFiles,
      errors: [
        cycle(
          threeFiles,
          { site: 'balance(id)', first: 'src/net/sessions.ts#sessionLock', second: 'src/storage/accounts.ts#accountsLock', held: 'sessionLock.runExclusive' },
          ['src/net/sessions.ts#sessionLock', 'src/storage/accounts.ts#accountsLock', 'src/other/audit-trail.ts#auditLock'],
          [atFixture('src/storage/accounts.ts', 'appendAudit(`settled ${id}`)'), atFixture('src/other/audit-trail.ts', "touchSession('audit')")],
        ),
      ],
    },
    {
      name: 'edges made through calls three deep on both sides',
      filename: appFile(),
      code: deep,
      errors: [
        inversion(deep, { site: 'one()', siteOccurrence: 2, first: A, second: B, held: 'a.acquire()' }, { site: 'four()', occurrence: 2 }),
        inversion(deep, { site: 'four()', siteOccurrence: 2, first: B, second: A, held: 'b.runExclusive(() =>' }, { site: 'one()', occurrence: 2 }),
      ],
    },
    {
      name: 'D4: a lock internal to the storage registry, held while it runs our callback',
      filename: appFile(),
      code: d4,
      errors: [
        inversion(d4, { site: 'registry.snapshot()', first: A, second: 'Registry#mutex', held: 'a.runExclusive' }, { site: 'a.runExclusive(async () => {})' }),
        inversion(d4, { site: 'a.runExclusive(async () => {})', first: 'Registry#mutex', second: A, held: 'registry.update(' }, { site: 'registry.snapshot()' }),
      ],
    },
    {
      name: 'a listener stored by a user event bus takes b while the publisher holds a',
      filename: appFile(),
      code: listener,
      errors: [
        inversion(listener, { site: 'bus.publish()', first: A, second: B, held: 'a.runExclusive' }, { site: 'a.runExclusive(async () => {})' }),
        inversion(listener, { site: 'a.runExclusive(async () => {})', first: B, second: A, held: 'b.runExclusive(() =>' }, { site: 'bus.publish()' }),
      ],
    },
    {
      name: 'keys that are not literals, with reportUnknownKeys: true',
      filename: appFile(),
      code: unknownKeys,
      options: [{ reportUnknownKeys: true }],
      errors: [
        inversion(unknownKeys, { site: 'mu.runExclusive(async () => 0)', first: 'src/app/case.ts#locks[*]', second: MU, held: 'locks.acquire(key, () =>' }, { site: 'locks.acquire(key, async () => 1)' }),
        inversion(unknownKeys, { site: 'locks.acquire(key, async () => 1)', first: MU, second: 'src/app/case.ts#locks[*]', held: 'mu.runExclusive(() =>' }, { site: 'mu.runExclusive(async () => 0)' }),
      ],
    },
    {
      name: 'maxCycles: 1 stops after the first cycle (a ↔ b), leaving b ↔ c unreported',
      filename: appFile(),
      code: twoCycles,
      options: [{ maxCycles: 1 }],
      errors: [
        inversion(twoCycles, { site: 'b.runExclusive(async () => 1)', first: A, second: B, held: 'a.runExclusive' }, { site: 'a.runExclusive(async () => 2)' }),
        inversion(twoCycles, { site: 'a.runExclusive(async () => 2)', first: B, second: A, held: 'b.runExclusive', heldOccurrence: 2 }, { site: 'b.runExclusive(async () => 1)' }),
      ],
    },
    ...libraries.map(libraryCase),
  ],
});

describe('consistent-lock-order: both ends, traces, the graph, known limitations', () => {
  it('D2: each end carries two traces, its own edge and the opposite one', () => {
    const analysis = analyzeCase(d2);
    const rows = findingRows(analysis, rule).filter((r) => r.lock === A || r.lock === B);
    expect(rows.map((r) => `${r.file}:${r.line}:${r.column}`)).toEqual([at(d2, 'this.pushB()'), at(d2, 'this.takeA()')]);
    expect(traceLines(analysis, rows[0]!.finding)).toEqual([
      `${at(d2, 'a.runExclusive')} ${A} held while this callback runs`,
      `${at(d2, 'this.pushB()')} calls A.pushB`,
      `${at(d2, 'b.runExclusive')} Mutex.runExclusive acquires ${B} while ${A} is held`,
      `${at(d2, 'b.runExclusive', 2)} elsewhere, ${B} held while this callback runs`,
      `${at(d2, 'this.takeA()')} calls B.takeA`,
      `${at(d2, 'a.runExclusive', 2)} Mutex.runExclusive acquires ${A} while ${B} is held`,
    ]);
  });

  it('the fixture subsystems alone order accounts → audit → session: edges, no cycle', () => {
    const graph = lockOrderGraph(analyzeCase('export {};'));
    const mine = new Set([ACCOUNTS, AUDIT, SESSION]);
    expect(graph.edges.filter((e) => mine.has(e.from)).map((e) => `${e.from} → ${e.to}`)).toEqual([`${AUDIT} → ${SESSION}`, `${ACCOUNTS} → ${AUDIT}`]);
    expect(lockOrderCycles(graph).filter((c) => c.some((id) => mine.has(id)))).toEqual([]);
  });

  it('D2 across files: the other end is reported in storage/accounts.ts', () => {
    const analysis = analyzeCase(d2AcrossFiles);
    const rows = findingRows(analysis, rule).filter((r) => r.lock === AUDIT || r.lock === ACCOUNTS);
    expect(rows.map((r) => `${r.file}:${r.line}:${r.column} ${r.messageId}`)).toEqual([
      `${at(d2AcrossFiles, 'balance(id)')} inversion`,
      `${atFixture('src/storage/accounts.ts', 'appendAudit(`settled ${id}`)')} inversion`,
    ]);
    expect(rows[1]!.finding.subsystems).toEqual({ from: 'storage', to: 'other' });
    expect(traceLines(analysis, rows[1]!.finding)).toEqual([
      `${atFixture('src/storage/accounts.ts', 'accountsLock.runExclusive(async')} src/storage/accounts.ts#accountsLock held while this callback runs`,
      `${atFixture('src/storage/accounts.ts', 'appendAudit(`settled ${id}`)')} calls appendAudit`,
      `${atFixture('src/other/audit-trail.ts', 'auditLock.runExclusive')} Mutex.runExclusive acquires src/other/audit-trail.ts#auditLock while src/storage/accounts.ts#accountsLock is held`,
      `${at(d2AcrossFiles, 'auditLock.runExclusive')} elsewhere, src/other/audit-trail.ts#auditLock held while this callback runs`,
      `${at(d2AcrossFiles, 'balance(id)')} calls balance`,
      `${atFixture('src/storage/accounts.ts', 'accountsLock.runExclusive(() =>')} Mutex.runExclusive acquires src/storage/accounts.ts#accountsLock while src/other/audit-trail.ts#auditLock is held`,
    ]);
  });

  it('a cycle through three files is reported at each of its three edges', () => {
    const analysis = analyzeCase(threeFiles);
    expect(findingRows(analysis, rule).filter((r) => [SESSION, ACCOUNTS, AUDIT].includes(r.lock!)).map((r) => `${r.file}:${r.line}:${r.column} ${r.messageId}`)).toEqual([
      `${at(threeFiles, 'balance(id)')} cycle`,
      `${atFixture('src/other/audit-trail.ts', "touchSession('audit')")} cycle`,
      `${atFixture('src/storage/accounts.ts', 'appendAudit(`settled ${id}`)')} cycle`,
    ]);
  });

  it('lockOrderGraph: nodes, edges and the places that make them; lockOrderCycles finds the cycles', () => {
    const analysis = analyzeCase(three);
    const graph = lockOrderGraph(analysis);
    const appEdges = graph.edges.filter((e) => e.from.startsWith('src/app/'));
    expect(appEdges.map((e) => [e.from, e.to, e.witnesses.map((w) => `${analysis.relativePath(w.location.file)}:${w.location.line}:${w.location.column}`)])).toEqual([
      [A, B, [at(three, 'b.runExclusive(async () => 1)')]],
      [B, C, [at(three, 'c.runExclusive(async () => 2)')]],
      [C, A, [at(three, 'a.runExclusive(async () => 3)')]],
    ]);
    expect(graph.nodes.map((n) => n.id)).toEqual(expect.arrayContaining([A, B, C, 'src/storage/accounts.ts#accountsLock']));
    expect(graph.nodes.find((n) => n.id === A)).toMatchObject({ library: 'async-mutex', kind: 'mutex', subsystem: 'app' });
    expect(lockOrderCycles(graph).filter((c) => c.includes(A))).toEqual([[A, B, C]]);
  });

  it('lockOrderGraphData: the same graph as plain data, for the audit report', () => {
    const analysis = analyzeCase(three);
    const data = lockOrderGraphData(analysis);
    expect(JSON.parse(JSON.stringify(data))).toEqual(data);
    const ab = data.edges.find((e) => e.from === A && e.to === B)!;
    expect(ab.witnesses).toEqual([
      {
        location: { file: expect.stringMatching(/src\/app\/case\.ts$/), ...span(three, 'b.runExclusive(async () => 1)') },
        function: 'src/app/case.ts#ab>@6:24',
        gates: [],
        trace: [
          { location: expect.objectContaining({ line: span(three, 'a.runExclusive').line, column: span(three, 'a.runExclusive').column }), message: `${A} held while this callback runs` },
          { location: expect.objectContaining(span(three, 'b.runExclusive(async () => 1)')), message: `Mutex.runExclusive acquires ${B} while ${A} is held` },
        ],
      },
    ]);
    expect(data.cycles.filter((c) => c.includes(A))).toEqual([[A, B, C]]);
  });

  it('lockOrderCycles: Johnson enumerates every simple cycle, overlapping ones included', () => {
    const node = (id: string) => ({ id, library: 'x', kind: 'mutex' as const });
    const edge = (from: string, to: string) => ({ from, to, witnesses: [] });
    const graph = {
      nodes: ['a', 'b', 'c', 'd'].map(node),
      edges: [edge('a', 'b'), edge('b', 'a'), edge('b', 'c'), edge('c', 'a'), edge('c', 'd'), edge('d', 'c')],
    };
    expect(lockOrderCycles(graph).map((c) => c.join('')).sort()).toEqual(['ab', 'abc', 'cd']);
    expect(lockOrderCycles(graph, 2)).toHaveLength(2);
  });

  it.fails('known limitation (D1-style, path sensitivity): an inversion under a constant-false condition is still reported', () => {
    const code = `import { Mutex } from 'async-mutex';
const a = new Mutex();
const b = new Mutex();
const debug = false;
export async function one() { await a.runExclusive(() => b.runExclusive(async () => 1)); }
export async function two() {
  await b.runExclusive(async () => {
    if (debug) await a.runExclusive(async () => 2);
  });
}`;
    expect(findingRows(analyzeCase(code), rule).filter((r) => r.file === 'src/app/case.ts')).toEqual([]);
  });

  it.fails('known limitation: an order between two instances of one class (transfer(a, b) against transfer(b, a)) is not seen — identities are per class', () => {
    const code = `import { Mutex } from 'async-mutex';
export class Account {
  readonly mutex = new Mutex();
  balance = 0;
}
export async function transfer(from: Account, to: Account, amount: number) {
  await from.mutex.runExclusive(() => to.mutex.runExclusive(async () => {
    from.balance -= amount;
    to.balance += amount;
  }));
}`;
    expect(findingRows(analyzeCase(code), rule).filter((r) => r.file === 'src/app/case.ts').map((r) => r.messageId)).toEqual(['inversion']);
  });

  it.fails('known limitation (D4): a lock inside a package outside the program (p-limit concurrency 1) is not a lock node', () => {
    const code = `import { Mutex } from 'async-mutex';
import pLimit from 'p-limit';
const a = new Mutex();
const serial = pLimit(1);
export async function one() { await a.runExclusive(() => serial(async () => 1)); }
export async function two() { await serial(() => a.runExclusive(async () => 2)); }`;
    expect(findingRows(analyzeCase(code), rule).filter((r) => r.file === 'src/app/case.ts').map((r) => r.messageId)).toEqual(['inversion', 'inversion']);
  });
});
