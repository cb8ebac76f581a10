import { describe, expect, it } from 'vitest';
import type { Analysis } from '@lockwise/analyzer';
import { EditableProject, findingLines } from './support/editable-project.js';
import { expectSame } from './support/analysis-digest.js';

// Typing inside a method body re-walks that method (and the functions holding it), and takes
// every other function's facts from the file's previous version, at the new version's nodes.
// Each case compares the editor's analysis with one from scratch: facts at the same nodes (none
// left pointing into the previous version), findings with their traces, locks.

/** The next version, analysed both ways; how many files the editor walked and functions it carried. */
function step(project: EditableProject): { warm: Analysis; walked: number; carried: number; answers: number } {
  const { warm, cold, counters } = project.analyseBothWays();
  expectSame(warm, cold);
  return { warm, walked: counters.filesWalked, carried: counters.functionsCarried, answers: counters.answersCarried };
}

const store = `import { Mutex } from 'async-mutex';
const audit = new Mutex();
export class Store {
  private readonly mutex = new Mutex();
  private items: string[] = [];
  private withLock<T>(fn: () => Promise<T>): Promise<T> {
    return this.mutex.runExclusive(fn);
  }
  async put(item: string): Promise<void> {
    await this.withLock(async () => {
      this.items.push(item);
    });
  }
  async flush(): Promise<number> {
    const release = await this.mutex.acquire();
    try {
      const batch = this.items.splice(0);
      await Promise.all(batch.map((b) => fetch(b)));
      return batch.length;
    } finally {
      release();
    }
  }
  async log(line: string): Promise<void> {
    await audit.runExclusive(async () => { await this.put(line); });
  }
}
export async function drain(store: Store): Promise<void> {
  await audit.runExclusive(() => store.flush());
}
const late = new Mutex();
export async function useLate(): Promise<void> {
  await late.runExclusive(async () => { await fetch('x'); });
}
export function helper(): number {
  return 1;
}`;
const caller = `import { Store } from './store';
export async function save(store: Store): Promise<void> {
  await store.put('x');
  await store.log('y');
}`;

function project(name: string): EditableProject {
  const p = new EditableProject(`body-edits-${name}`, { 'src/store.ts': store, 'src/caller.ts': caller });
  step(p);
  return p;
}

// module, put and put's callback are walked again; the rest of the file's functions are carried
const CARRIED_WHEN_PUT_CHANGES = ['withLock', 'flush', 'flush>(b)', 'log', 'log>callback', 'drain', 'drain>callback', 'useLate', 'useLate>callback', 'helper'].length;

describe('typing inside a method body re-walks the method and carries the rest of the file', () => {
  it('carries every function the edit does not hold, and finds the deadlock typed into the callback (and loses it when it is typed away)', () => {
    const p = project('carry');
    const before = findingLines(p.analyseBothWays().warm);
    p.edit('src/store.ts', (t) => t.replace('this.items.push(item);', 'this.items.push(item); await this.flush();'));
    const { warm, walked, carried, answers } = step(p);
    expect(walked).toBe(1);
    expect(carried).toBe(CARRIED_WHEN_PUT_CHANGES);
    // what the rules asked the checker about the carried functions' nodes (lock instances, places) came along
    expect(answers).toBeGreaterThan(0);
    const added = findingLines(warm).filter((line) => !before.includes(line));
    expect(added.map((line) => line.split(' ').slice(0, 2).join(' '))).toEqual(['lockwise/no-reentrant-acquire src/store.ts:11:36']);
    // and typing it away again
    p.edit('src/store.ts', (t) => t.replace(' await this.flush();', ''));
    const again = step(p);
    expect(again.carried).toBe(CARRIED_WHEN_PUT_CHANGES);
    expect(findingLines(again.warm)).toEqual(before);
  });

  it('carries the functions around an edit inside a callback, and re-walks the method holding it', () => {
    const p = project('callback');
    p.edit('src/store.ts', (t) => t.replace('batch.map((b) => fetch(b))', 'batch.map((b) => fetch(b + "/"))'));
    const { warm, carried } = step(p);
    // all but the module, flush and its callback: as many as when put changes
    expect(carried).toBe(CARRIED_WHEN_PUT_CHANGES);
    expect(warm.facts.get('src/store.ts#Store.flush')!.calls.map((c) => c.calleeText)).toContain('Promise.all');
  });

  it('walks the whole file again when the edit changes a lock wrapper the carried functions called', () => {
    const p = project('wrapper');
    p.edit('src/store.ts', (t) => t.replace('return this.mutex.runExclusive(fn);', 'return audit.runExclusive(fn);'));
    const { warm, walked } = step(p);
    // the partial walk, then the whole file with the wrapper's new summary (the caller is kept: put is no wrapper)
    expect(walked).toBe(2);
    const callback = [...warm.facts.values()].find((f) => f.info.key.startsWith('src/store.ts#Store.put>'))!;
    expect(callback.regions.map((r) => r.lock.id)).toEqual(['src/store.ts#audit']);
  });

  it('carries the same functions when the edit adds a line: those without a name keep their keys, their labels name the new lines', () => {
    const p = project('lines');
    const labelsBefore = new Map([...p.analyseBothWays().warm.functions].map(([key, info]) => [key, info.label]));
    p.edit('src/store.ts', (t) => t.replace('this.items.push(item);', 'this.items.push(item);\n      this.items.push(item);'));
    const { warm, carried } = step(p);
    expect(carried).toBe(CARRIED_WHEN_PUT_CHANGES);
    expect([...warm.functions.keys()]).toEqual([...labelsBefore.keys()]);
    // every function after the edit moved a line down: its label says so, its key does not
    const anonymous = [...warm.functions.values()].filter((info) => info.label.includes('@'));
    expect(anonymous.length).toBeGreaterThan(0);
    for (const info of anonymous) {
      expect(info.key).toMatch(/>#\d+$|<anonymous>#\d+$/);
      expect(info.location.line).toBe(Number(/@(\d+):/.exec(info.label)![1]));
    }
    expect(anonymous.filter((info) => labelsBefore.get(info.key) !== info.label).map((info) => info.key)).toEqual([
      'src/store.ts#Store.flush>#1',
      'src/store.ts#Store.log>#1',
      'src/store.ts#drain>#1',
      'src/store.ts#useLate>#1',
    ]);
  });

  it('carries the rest of the file when the edited function has no declared return type, as long as the type it shows is the same', () => {
    const p = project('inferred');
    p.edit('src/store.ts', (t) => t.replace('export function helper(): number {\n  return 1;', 'export function helper() {\n  return 2;'));
    step(p);
    p.edit('src/store.ts', (t) => t.replace('return 2;', 'const typed = 1;\n  return 3 + typed;'));
    const same = step(p);
    // everything but the module and helper itself
    expect(same.carried).toBe(CARRIED_WHEN_PUT_CHANGES + ['put', 'put>callback'].length - ['helper'].length);
    expect(same.walked).toBe(1);
  });

  it('carries nothing when the edit changes the type a function without a declared return type shows', () => {
    const p = project('retyped');
    p.edit('src/store.ts', (t) => t.replace('export function helper(): number {\n  return 1;', 'export function helper() {\n  return 2;'));
    step(p);
    p.edit('src/store.ts', (t) => t.replace('return 2;', "return 'two';"));
    const { carried, walked } = step(p);
    expect(carried).toBe(0);
    // and its importer is walked again: what it learns from the file may have changed
    expect(walked).toBe(2);
  });

  it('carries nothing when a function typed into the body takes the key of one after it', () => {
    const p = project('renamed');
    // \`const helper = …\` inside put is keyed \`src/store.ts#helper\`: the top-level helper becomes \`helper~2\`
    p.edit('src/store.ts', (t) => t.replace('this.items.push(item);', 'const helper = () => 1; this.items.push(item);'));
    const { warm, carried } = step(p);
    expect(carried).toBe(0);
    expect(warm.functions.has('src/store.ts#helper~2')).toBe(true);
  });

  it('carries a place named by line and column when the added line comes after it, not when it comes before', () => {
    const files = {
      'src/inline.ts': `import { Mutex } from 'async-mutex';
export class Inline {
  first(): number {
    return 1;
  }
  async guarded(): Promise<void> {
    await new Mutex().runExclusive(async () => { await fetch('x'); });
  }
  last(): number {
    return 1;
  }
}`,
    };
    const p = new EditableProject('body-edits-inline-place', files);
    const lockIds = (analysis: Analysis) => analysis.facts.get('src/inline.ts#Inline.guarded')!.lockOps.map((op) => op.op.lock.id);
    expect(lockIds(step(p).warm)).toEqual(['src/inline.ts@7:11']);
    // after the inline lock: guarded and its callback are carried with the rest
    p.edit('src/inline.ts', (t) => t.replace('  last(): number {\n    return 1;', '  last(): number {\n    const typed = 1;\n    return typed;'));
    const after = step(p);
    expect(after.carried).toBe(['first', 'guarded', 'guarded>#1'].length);
    // before it: the lock is made a line further down now, and the file is walked again (the carried facts go together)
    p.edit('src/inline.ts', (t) => t.replace('  first(): number {\n    return 1;', '  first(): number {\n    const typed = 1;\n    return typed;'));
    const before = step(p);
    expect(lockIds(before.warm)).toEqual(['src/inline.ts@8:11']);
    expect(before.carried).toBe(0);
  });

  it('keeps the importers of a class with a base when the edit falls inside a method body', () => {
    const files = {
      'src/base.ts': `export abstract class Task { abstract run(): Promise<void>; }`,
      'src/impl.ts': `import { Task } from './base';
export class Slow extends Task {
  async run(): Promise<void> { await fetch('https://example.com'); }
  count(): number {
    return 1;
  }
}
export class Slower extends Slow {
  async run(): Promise<void> { await fetch('https://example.org'); }
}`,
      'src/use.ts': `import { Slow } from './impl';
export async function go(slow: Slow): Promise<void> { await slow.run(); }`,
    };
    const p = new EditableProject('body-edits-heritage', files);
    step(p);
    p.edit('src/impl.ts', (t) => t.replace('return 1;', 'const typed = 1;\n    return typed;'));
    const typed = step(p);
    expect(typed.walked).toBe(1);
    // the call runs the method and its override: the answer the kept file took still holds
    expect(typed.warm.facts.get('src/use.ts#go')!.calls[0]!.targets).toEqual(['src/impl.ts#Slow.run', 'src/impl.ts#Slower.run']);
    // the heritage clause itself: every file whose calls dispatch through it is walked again
    p.edit('src/impl.ts', (t) => t.replace('export class Slow extends Task {', 'export class Slow {'));
    expect(step(p).walked).toBeGreaterThan(1);
  });

  it('moves the carried dispatch answers to the new nodes: an implementation added later is still seen', () => {
    const p = new EditableProject('body-edits-dispatch', {
      'src/api.ts': `export interface Task { run(): Promise<void>; }
export async function go(task: Task): Promise<void> { await task.run(); }
export function count(): number {
  return 1;
}`,
      'src/impl.ts': `export const nothing = 1;`,
    });
    step(p);
    p.edit('src/api.ts', (t) => t.replace('return 1;', 'return 2;'));
    expect(step(p).carried).toBe(1);
    p.edit('src/impl.ts', () => `import type { Task } from './api';
export class Slow implements Task { async run(): Promise<void> { await fetch('https://example.com'); } }`);
    const { warm } = step(p);
    expect(warm.facts.get('src/api.ts#go')!.calls[0]!.targets).toEqual(['src/impl.ts#Slow.run']);
  });

  // A lock created where it is used is named by its place: carried facts would keep the old place.
  const inline = `import { Mutex } from 'async-mutex';
export class One {
  size(): number { return 1; } async run(): Promise<void> { const release = await new Mutex().acquire(); release(); }
  async later(): Promise<void> {
    const release = await new Mutex().acquire();
    release();
  }
}`;
  const lockIds = (analysis: Analysis) => ['One.run', 'One.later'].map((name) => analysis.facts.get(`src/one.ts#${name}`)!.lockOps[0]!.op.lock.id);

  it('carries nothing when the edit moves a position-named lock on its line', () => {
    const p = new EditableProject('body-edits-columns', { 'src/one.ts': inline });
    step(p);
    p.edit('src/one.ts', (t) => t.replace('return 1;', 'return 12;'));
    const { warm, carried } = step(p);
    expect(carried).toBe(0);
    expect(lockIds(warm)).toEqual(['src/one.ts@3:84', 'src/one.ts@5:27']);
  });

  it('carries nothing when the edit moves a position-named lock to another line', () => {
    const p = new EditableProject('body-edits-line-shift', { 'src/one.ts': inline.replace('size(): number { return 1; }', 'size(): number {\n    return 1;\n  }') });
    step(p);
    p.edit('src/one.ts', (t) => t.replace('return 1;', 'const one = 1;\n    return one;'));
    const { warm, carried } = step(p);
    expect(carried).toBe(0);
    expect(lockIds(warm)).toEqual(['src/one.ts@6:56', 'src/one.ts@8:27']);
  });
});
