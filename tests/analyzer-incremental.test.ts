import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { analysisCounters, type Analysis, type FunctionSummary } from '@lockwise/analyzer';
import { EditableProject } from './support/editable-project.js';

function digest(summary: FunctionSummary | undefined) {
  if (!summary) return undefined;
  return {
    mayBlock: !!summary.mayBlock,
    blockingThrough: [...summary.blockingThrough.keys()].sort(),
    acquires: [...summary.acquires.keys()].sort(),
    heldOnEntry: [...summary.heldOnEntry.keys()].sort(),
    reads: [...summary.reads.keys()].sort(),
    writes: [...summary.writes.keys()].sort(),
  };
}

function expectSameSummaries(warm: Analysis, cold: Analysis) {
  expect([...warm.summaries.keys()].sort()).toEqual([...cold.summaries.keys()].sort());
  for (const [key, summary] of cold.summaries) expect(digest(warm.summaries.get(key)), key).toEqual(digest(summary));
}

const summaryOf = (analysis: Analysis, key: string) => analysis.summaries.get(key)!;

describe('incremental summaries: an edit recomputes only what it reaches, and agrees with a computation from scratch', () => {
  it('a blocking call added to and removed from a leaf reaches its callers two files up', () => {
    const project = new EditableProject('chain', {
      'src/store/disk.ts': `export async function save(x: number): Promise<number> { return x + 1; }`,
      'src/sync/queue.ts': `import { save } from '../store/disk';\nexport async function flush(): Promise<void> { await save(1); }`,
      'src/api/handler.ts': `import { flush } from '../sync/queue';\nexport async function handle(): Promise<void> { await flush(); }\nexport function unrelated(): number { return 1; }`,
    });
    let { warm, cold } = project.analyseBothWays();
    expect(summaryOf(warm, 'src/api/handler.ts#handle').mayBlock).toBeUndefined();

    project.edit('src/store/disk.ts', (t) => t.replace('return x + 1;', `await fetch('https://example.com'); return x + 1;`));
    let recomputed: number;
    ({ warm, cold, recomputed } = project.analyseBothWays());
    expectSameSummaries(warm, cold);
    expect(summaryOf(warm, 'src/api/handler.ts#handle').mayBlock?.chain.map((l) => l.from)).toEqual([
      'src/api/handler.ts#handle',
      'src/sync/queue.ts#flush',
      'src/store/disk.ts#save',
    ]);
    // the leaf, its two callers and their files' top levels at most; never `unrelated`
    expect(recomputed).toBeLessThan(warm.summaries.size);

    project.edit('src/store/disk.ts', (t) => t.replace(`await fetch('https://example.com'); `, ''));
    ({ warm, cold } = project.analyseBothWays());
    expectSameSummaries(warm, cold);
    expect(summaryOf(warm, 'src/api/handler.ts#handle').mayBlock).toBeUndefined();
  });

  it('removing the only blocking call from a recursive pair leaves neither blocking (no self-supporting fact survives)', () => {
    const project = new EditableProject('cycle', {
      'src/a/ping.ts': `import { pong } from '../b/pong';\nexport async function ping(n: number): Promise<void> { await fetch('https://example.com'); if (n > 0) await pong(n - 1); }`,
      'src/b/pong.ts': `import { ping } from '../a/ping';\nexport async function pong(n: number): Promise<void> { if (n > 0) await ping(n - 1); }`,
    });
    let { warm, cold } = project.analyseBothWays();
    expect(summaryOf(warm, 'src/b/pong.ts#pong').mayBlock).toBeDefined();

    project.edit('src/a/ping.ts', (t) => t.replace(`await fetch('https://example.com'); `, ''));
    ({ warm, cold } = project.analyseBothWays());
    expectSameSummaries(warm, cold);
    expect(summaryOf(warm, 'src/a/ping.ts#ping').mayBlock).toBeUndefined();
    expect(summaryOf(warm, 'src/b/pong.ts#pong').mayBlock).toBeUndefined();
  });

  it('a lock taken around a call in one file is held on entry in the callee and its callees, and gone when the edit removes it', () => {
    const project = new EditableProject('held', {
      'src/core/lock.ts': `import { Mutex } from 'async-mutex';\nexport const mutex = new Mutex();`,
      'src/core/leaf.ts': `export function leaf(): number { return 1; }`,
      'src/core/middle.ts': `import { leaf } from './leaf';\nexport function middle(): number { return leaf(); }`,
      'src/api/top.ts': `import { mutex } from '../core/lock';\nimport { middle } from '../core/middle';\nexport async function top(): Promise<number> { return mutex.runExclusive(() => middle()); }`,
    });
    let { warm, cold } = project.analyseBothWays();
    expect([...summaryOf(warm, 'src/core/leaf.ts#leaf').heldOnEntry.keys()]).toEqual(['src/core/lock.ts#mutex']);

    project.edit('src/api/top.ts', (t) => t.replace('mutex.runExclusive(() => middle())', 'middle()'));
    ({ warm, cold } = project.analyseBothWays());
    expectSameSummaries(warm, cold);
    expect(summaryOf(warm, 'src/core/leaf.ts#leaf').heldOnEntry.size).toBe(0);
    expect(summaryOf(warm, 'src/core/middle.ts#middle').heldOnEntry.size).toBe(0);

    project.edit('src/api/top.ts', (t) => t.replace('return middle()', 'return mutex.runExclusive(() => middle())'));
    ({ warm, cold } = project.analyseBothWays());
    expectSameSummaries(warm, cold);
    expect([...summaryOf(warm, 'src/core/leaf.ts#leaf').heldOnEntry.keys()]).toEqual(['src/core/lock.ts#mutex']);

    // the same functions, one call fewer: the callee it led to is no longer reached from the edit
    project.edit('src/api/top.ts', (t) => t.replace('mutex.runExclusive(() => middle())', 'mutex.runExclusive(() => 0 + middle.length)'));
    ({ warm, cold } = project.analyseBothWays());
    expectSameSummaries(warm, cold);
    expect(summaryOf(warm, 'src/core/middle.ts#middle').heldOnEntry.size).toBe(0);
    expect(summaryOf(warm, 'src/core/leaf.ts#leaf').heldOnEntry.size).toBe(0);
  });

  it('an edit that changes nothing any summary depends on recomputes only the edited file', () => {
    const project = new EditableProject('quiet', {
      'src/store/disk.ts': `export async function save(x: number): Promise<void> { await fetch('https://example.com/' + x); }`,
      'src/api/handler.ts': `import { save } from '../store/disk';\nexport async function handle(): Promise<void> { await save(1); }\nexport async function other(): Promise<void> { await save(2); }`,
    });
    project.analyseBothWays();
    project.edit('src/api/handler.ts', (t) => t.replace('await save(2)', 'await save(3)'));
    const { warm, cold, recomputed } = project.analyseBothWays();
    expectSameSummaries(warm, cold);
    // handler.ts's own functions (top level, handle, other); disk.ts's summaries are reused
    expect(recomputed).toBe(3);
  });
});

describe('a cold analysis walks each file once when its lock wrappers were walked before their callers', () => {
  const wrapperModule = `import { Mutex } from 'async-mutex';
const mutex = new Mutex();
export function withLock<T>(fn: () => Promise<T>): Promise<T> { return mutex.runExclusive(fn); }`;

  it('callers in the same file and in a later file see the wrapper on the first walk, and hold its lock in their callbacks', () => {
    const project = new EditableProject('provisional', {
      'src/core/lock.ts': `${wrapperModule}
export async function touch(): Promise<void> { await withLock(async () => { await fetch('https://example.com'); }); }`,
      'src/core/use.ts': `import { withLock } from './lock';
export async function save(): Promise<void> { await withLock(async () => { await fetch('https://example.com'); }); }`,
    });
    const before = analysisCounters.filesWalked;
    const { warm, cold } = project.analyseBothWays();
    // two files, one walk each (the "cold" run of the pair has its own cache slot: two more)
    expect(analysisCounters.filesWalked - before).toBe(4);
    expectSameSummaries(warm, cold);
    for (const key of ['src/core/lock.ts#touch', 'src/core/use.ts#save']) {
      const caller = warm.functions.get(key)!.node;
      const callback = [...warm.facts.values()].find((f) => f.info.key !== key && f.info.node.pos > caller.pos && f.info.node.end <= caller.end);
      expect(callback?.calls.some((c) => c.held.some((h) => h.lock.id === 'src/core/lock.ts#mutex')), key).toBe(true);
    }
  });

  it('a recursive wrapper gets no guess from its own unfinished walk, and its summary is still right', () => {
    const project = new EditableProject('recursive-wrapper', {
      'src/core/lock.ts': `import { Mutex } from 'async-mutex';
const mutex = new Mutex();
export function retrying<T>(fn: () => Promise<T>, tries: number): Promise<T> {
  return tries > 1 ? retrying(fn, tries - 1) : mutex.runExclusive(fn);
}
export async function use(): Promise<void> { await retrying(async () => { await fetch('https://example.com'); }, 3); }`,
    });
    const { warm, cold } = project.analyseBothWays();
    expectSameSummaries(warm, cold);
    expect([...(warm.wrappers.get('src/core/lock.ts#retrying')?.paramsUnderLock.get(0) ?? [])].map((l) => l.id)).toEqual(['src/core/lock.ts#mutex']);
  });
});

/** Every wrapper summary as a caller reads it: the lock ids per parameter, in order. */
function wrapperDigest(analysis: Analysis) {
  return Object.fromEntries(
    [...analysis.wrappers]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, w]) => [
        key,
        {
          heldOnExit: w.heldOnExit.map((l) => l.id),
          releasedOnExit: w.releasedOnExit.map((l) => l.id),
          returns: w.returns?.lock.id,
          under: [...w.paramsUnderLock].map(([i, locks]) => [i, locks.map((l) => l.id)]),
          immediate: [...w.paramsImmediate],
        },
      ]),
  );
}

describe('incremental wrapper summaries: only the edited files and the wrappers that forward into them are recomputed', () => {
  it('a lock wrapper two forwards away changes its lock, gains a second one and loses it again; an unrelated wrapper keeps its summary object', () => {
    const project = new EditableProject('wrapper-chain', {
      'src/core/lock.ts': `import { Mutex } from 'async-mutex';
const mutex = new Mutex();
const other = new Mutex();
export function withLock<T>(fn: () => Promise<T>): Promise<T> { return mutex.runExclusive(fn); }
export function withOther<T>(fn: () => Promise<T>): Promise<T> { return other.runExclusive(fn); }`,
      'src/sync/guard.ts': `import { withLock } from '../core/lock';
export function guarded<T>(fn: () => Promise<T>): Promise<T> { return withLock(fn); }`,
      'src/api/run.ts': `import { guarded } from '../sync/guard';
export function run<T>(work: () => Promise<T>): Promise<T> { return guarded(work); }
export async function go(): Promise<void> { await run(async () => { await fetch('https://example.com'); }); }`,
      'src/api/apart.ts': `import { withOther } from '../core/lock';
export function apart<T>(work: () => Promise<T>): Promise<T> { return withOther(work); }`,
    });
    let { warm, cold } = project.analyseBothWays();
    expect(wrapperDigest(warm)['src/api/run.ts#run']?.under).toEqual([[0, ['src/core/lock.ts#mutex']]]);
    // the inner wrapper takes the other lock: `run`, two files up, follows
    project.edit('src/core/lock.ts', (t) => t.replace('return mutex.runExclusive(fn); }', 'return other.runExclusive(fn); }'));
    ({ warm, cold } = project.analyseBothWays());
    expect(wrapperDigest(warm)).toEqual(wrapperDigest(cold));
    expect(wrapperDigest(warm)['src/api/run.ts#run']?.under).toEqual([[0, ['src/core/lock.ts#other']]]);
    const apart = warm.wrappers.get('src/api/apart.ts#apart');
    expect(apart).toBeDefined();

    // the middle one runs its callback under a second lock of its own (found in a different order than from scratch)
    project.edit('src/sync/guard.ts', (t) =>
      t
        .replace(`import { withLock } from '../core/lock';`, `import { withLock } from '../core/lock';\nimport { Mutex } from 'async-mutex';\nconst mine = new Mutex();`)
        .replace('return withLock(fn); }', 'return mine.runExclusive(() => withLock(fn)); }'),
    );
    ({ warm, cold } = project.analyseBothWays());
    expect(wrapperDigest(warm)).toEqual(wrapperDigest(cold));
    expect(wrapperDigest(warm)['src/api/run.ts#run']?.under).toEqual([[0, ['src/core/lock.ts#other', 'src/sync/guard.ts#mine']]]);
    expect(warm.wrappers.get('src/api/apart.ts#apart'), 'a wrapper that forwards into no edited file is not recomputed').toBe(apart);

    // and stops being a wrapper at all
    project.edit('src/sync/guard.ts', (t) => t.replace('return mine.runExclusive(() => withLock(fn)); }', 'return fn(); }'));
    ({ warm, cold } = project.analyseBothWays());
    expect(wrapperDigest(warm)).toEqual(wrapperDigest(cold));
    expect(wrapperDigest(warm)['src/api/run.ts#run']).toEqual(wrapperDigest(cold)['src/api/run.ts#run']);
    expect(wrapperDigest(warm)['src/api/run.ts#run']?.under ?? []).toEqual([]);
    expectSameSummaries(warm, cold);
  });
});

describe('an import that changes the order of the program files', () => {
  it('leaves the summaries and the callers of a function in the order a computation from scratch gives', () => {
    const project = new EditableProject('file-order', {
      'src/app/entry.ts': `import { first } from '../p/first';\nimport { second } from '../q/second';\nexport async function main(): Promise<void> { await first(); await second(); }`,
      'src/p/first.ts': `import { leaf } from '../z/leaf';\nexport async function first(): Promise<void> { await leaf(); }`,
      'src/q/second.ts': `import { leaf } from '../z/leaf';\nexport async function second(): Promise<void> { await leaf(); }`,
      'src/r/third.ts': `import { leaf } from '../z/leaf';\nexport async function third(): Promise<void> { await leaf(); }`,
      'src/z/leaf.ts': `export async function leaf(): Promise<void> { await fetch('https://example.com'); }`,
    });
    const orderOf = (analysis: Analysis) => ({
      summaries: [...analysis.summaries.keys()],
      callers: (analysis.callers.get('src/z/leaf.ts#leaf') ?? []).map((site) => site.caller),
    });
    let { warm, cold } = project.analyseBothWays();
    expect(orderOf(warm)).toEqual(orderOf(cold));
    // third.ts is now found before first.ts and second.ts, neither of them edited
    project.edit('src/app/entry.ts', (t) => `import '../r/third';\n${t}`);
    ({ warm, cold } = project.analyseBothWays());
    expect(orderOf(cold).callers[0]).toBe('src/r/third.ts#third');
    expect(orderOf(warm)).toEqual(orderOf(cold));
    expectSameSummaries(warm, cold);
  });
});
