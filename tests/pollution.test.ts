import { describe, expect, it } from 'vitest';
import { computePollution } from '@lockwise/rules';
import { RELATION_WEIGHTS } from '../rules/support/pollution.js';
import { analyzeSources } from './support/virtual-program.js';

// The audit view of knowledge pollution (docs/pollution.md): per subsystem, the locks of other
// subsystems its code must know about, and one number, "lock knowledge imported".

const sources = {
  'src/sync/engine.ts': `import { Mutex, type MutexInterface } from 'async-mutex';
import { appendEntry } from '../storage/log.js';
import { onCommit } from '../plugin/hooks.js';
export const engineLock = new Mutex();
export class SyncEngine {
  private readonly mutex = new Mutex();
  private count = 0;
  async push(entry: string) {
    const release = await this.mutex.acquire();
    await appendEntry(entry, release);
  }
  commit() {
    return this.mutex.runExclusive(async () => {
      const seen = this.count;
      await onCommit({ release: () => this.mutex.release(), reacquire: async () => { await this.mutex.acquire(); } });
      this.count = seen + 1;
    });
  }
}
export async function openTxn(): Promise<MutexInterface.Releaser> {
  return await engineLock.acquire();
}
`,
  'src/storage/log.ts': `import { promises as fs } from 'node:fs';
export async function appendEntry(entry: string, release: () => void) {
  release();
  await fs.appendFile('/tmp/log', entry);
}
`,
  'src/plugin/hooks.ts': `export interface CommitContext { release(): void; reacquire(): Promise<void>; }
export async function onCommit(ctx: CommitContext) {
  ctx.release();
  await fetch('https://hooks.invalid/commit');
  await ctx.reacquire();
}
`,
  'src/other/settle.ts': `import { openTxn, engineLock } from '../sync/engine.js';
export async function settle() {
  const release = await openTxn();
  release();
}
/** @requires engineLock */
export function audit() {}
export function peek() {
  return engineLock.runExclusive(() => 1);
}
`,
  'src/report/summary.ts': `export function summary(lines: string[]) {
  return lines.join('\\n');
}
`,
};

describe('computePollution', () => {
  const analysis = analyzeSources(sources);
  const pollution = computePollution(analysis);
  const bySubsystem = new Map(pollution.map((p) => [p.subsystem, p]));

  it('lists every subsystem, the most polluted first (ties by name)', () => {
    expect(pollution.map((p) => [p.subsystem, p.lockKnowledgeImported])).toEqual([
      ['other', 5],
      ['plugin', 4],
      ['storage', 3],
      ['report', 0],
      ['sync', 0],
    ]);
  });

  it('other: receives the releaser openTxn returns, releases it, requires the lock in a contract, takes it directly', () => {
    const other = bySubsystem.get('other')!;
    expect(other.leaksFrom).toEqual(['sync']);
    expect(other.foreignLocks.map((l) => [l.lock, l.owner, l.relations, l.weight])).toEqual([
      ['src/sync/engine.ts#engineLock', 'sync', ['receives', 'acquires', 'requires', 'releases'], 5],
    ]);
    expect(other.foreignLocks[0]!.sites.map((s) => [s.relation, s.where, analysis.relativePath(s.location.file), s.location.line])).toEqual([
      ['receives', 'src/other/settle.ts#settle', 'src/other/settle.ts', 3],
      ['releases', 'src/other/settle.ts#settle', 'src/other/settle.ts', 4],
      ['acquires', 'src/other/settle.ts#peek', 'src/other/settle.ts', 9],
      ['requires', 'src/other/settle.ts#audit', 'src/other/settle.ts', 6],
    ]);
  });

  it('plugin: receives the drop-and-retake object and drops the lock (weighted as the deepest knowledge)', () => {
    const plugin = bySubsystem.get('plugin')!;
    expect(plugin.leaksFrom).toEqual(['sync']);
    expect(plugin.foreignLocks.map((l) => [l.lock, l.relations, l.weight])).toEqual([['SyncEngine#mutex', ['receives', 'drops'], RELATION_WEIGHTS.receives + RELATION_WEIGHTS.drops]]);
  });

  it('storage: receives the releaser and releases it', () => {
    const storage = bySubsystem.get('storage')!;
    expect(storage.foreignLocks.map((l) => [l.lock, l.relations, l.weight])).toEqual([['SyncEngine#mutex', ['receives', 'releases'], 3]]);
  });

  it('the owner imports nothing and sees where its locks leak', () => {
    const sync = bySubsystem.get('sync')!;
    expect(sync.foreignLocks).toEqual([]);
    expect(sync.leaksInto).toEqual(['other', 'plugin', 'storage']);
    expect(bySubsystem.get('report')).toEqual({ subsystem: 'report', lockKnowledgeImported: 0, foreignLocks: [], leaksFrom: [], leaksInto: [] });
  });

  it('a subsystem that keeps its locks to itself imports nothing', () => {
    const clean = computePollution(
      analyzeSources({
        'src/a/x.ts': `import { Mutex } from 'async-mutex';
import { save } from '../b/y.js';
const mu = new Mutex();
export async function run() {
  await mu.runExclusive(() => 1);
  await save('x');
}
`,
        'src/b/y.ts': `export async function save(value: string) { return value; }
`,
      }),
    );
    expect(clean.map((p) => [p.subsystem, p.lockKnowledgeImported, p.leaksFrom, p.leaksInto])).toEqual([
      ['a', 0, [], []],
      ['b', 0, [], []],
    ]);
  });
});
