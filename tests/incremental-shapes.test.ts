import { describe, expect, it } from 'vitest';
import { analysisCounters, type Analysis } from '@lockwise/analyzer';
import type ts from 'typescript';
import { EditableProject, findingLines } from './support/editable-project.js';
import { expectSame } from './support/analysis-digest.js';

// An edit inside a body no other file can see (a method with a declared return type) re-walks the
// edited file only: the files that resolve into it keep their facts. Every other edit must still
// re-walk them. Each case compares everything an editor shows with an analysis from scratch.

/** Analyses the next version both ways; returns how many files the editor's analysis walked and kept across the edit. */
function step(project: EditableProject): { warm: Analysis; walked: number; kept: number } {
  const before = { ...analysisCounters };
  const program = project.nextProgram();
  void program;
  const { warm, cold } = project.analyseBothWays();
  // analyseBothWays builds one program and analyses it twice (warm, then in a slot of its own)
  const walkedBoth = analysisCounters.filesWalked - before.filesWalked;
  const coldWalks = cold.sourceFiles.length;
  expectSame(warm, cold);
  return { warm, walked: walkedBoth - coldWalks, kept: analysisCounters.filesKeptAcrossEdits - before.filesKeptAcrossEdits };
}

const service = `import { Mutex } from 'async-mutex';
export class Store {
  private readonly mutex = new Mutex();
  private items: string[] = [];
  async put(item: string): Promise<void> {
    await this.mutex.runExclusive(async () => {
      this.items.push(item);
    });
  }
  snapshot() {
    return [...this.items];
  }
}`;
const caller = `import { Mutex } from 'async-mutex';
import { Store } from './store';
const outer = new Mutex();
export async function save(store: Store): Promise<void> {
  await outer.runExclusive(async () => {
    await store.put('x');
  });
}`;

// An interface with a method a body edit can change (count has a declared return type), and a class implementing it.
const TASK_API = `export interface Task { run(): Promise<void>; }
export function count(): number {
  return 1;
}`;
const SLOW_TASK = `import type { Task } from './api';
export class Slow implements Task { async run(): Promise<void> { await fetch('https://example.com'); } }`;

describe('an edit inside a body other files cannot see re-walks only the edited file', () => {
  it('keeps the importer when a method with a declared return type changes, and the findings still agree', () => {
    const project = new EditableProject('shapes-hidden', { 'src/store.ts': service, 'src/caller.ts': caller });
    step(project);
    project.edit('src/store.ts', (t) => t.replace('this.items.push(item);', 'this.items.push(item);\n      this.items.push(item.toUpperCase());\n      await fetch(item);'));
    const { walked, kept } = step(project);
    expect(walked).toBe(1);
    expect(kept).toBe(1);
  });

  it('re-walks the importer when the edit changes what a function without a declared return type returns', () => {
    const project = new EditableProject('shapes-inferred', {
      'src/store.ts': `import { Mutex } from 'async-mutex';
const shared = new Mutex();
export function lockFor(name: string) {
  return name.length > 0 ? undefined : undefined;
}
export function other(): number { return shared.isLocked() ? 1 : 0; }`,
      'src/caller.ts': `import { lockFor } from './store';
export async function use(): Promise<void> {
  const lock = lockFor('a');
  await lock?.acquire();
}`,
    });
    step(project);
    project.edit('src/store.ts', (t) => t.replace('return name.length > 0 ? undefined : undefined;', 'return name.length > 0 ? shared : undefined;'));
    const { warm, walked, kept } = step(project);
    expect(walked).toBe(2);
    expect(kept).toBe(0);
    expect(warm.facts.get('src/caller.ts#use')!.lockOps.map((o) => o.op.lock.id)).toEqual(['src/store.ts#shared']);
  });

  it('re-walks the importer when a body declares a class that implements an interface the importer calls through', () => {
    const project = new EditableProject('shapes-dispatch', {
      'src/api.ts': `export interface Task { run(): Promise<void>; }`,
      'src/impl.ts': `import type { Task } from './api';
export function make(): Task {
  return { run: async () => {} };
}`,
      'src/caller.ts': `import type { Task } from './api';
export async function go(task: Task): Promise<void> { await task.run(); }`,
    });
    step(project);
    project.edit('src/impl.ts', (t) =>
      t.replace('return { run: async () => {} };', `class Slow implements Task { async run(): Promise<void> { await fetch('https://example.com'); } }\n  return new Slow();`),
    );
    const { warm } = step(project);
    expect(warm.facts.get('src/caller.ts#go')!.calls[0]!.targets).toEqual(['src/impl.ts#Slow.run']);
  });

  it('moves the dispatch answers of a kept importer to the new nodes of the edited file: an implementation added later is still seen', () => {
    const project = new EditableProject('shapes-dispatch-moved', {
      'src/api.ts': TASK_API,
      'src/caller.ts': `import type { Task } from './api';
export async function go(task: Task): Promise<void> { await task.run(); }`,
      'src/impl.ts': `export const nothing = 1;`,
    });
    step(project);
    project.edit('src/api.ts', (t) => t.replace('return 1;', 'return 1 + 1;'));
    expect(step(project).kept).toBe(1);
    project.edit('src/impl.ts', () => SLOW_TASK);
    const { warm } = step(project);
    expect(warm.facts.get('src/caller.ts#go')!.calls[0]!.targets).toEqual(['src/impl.ts#Slow.run']);
  });

  it('re-walks the importer when its facts hold a node the edit moves (a lock declared after the edited body)', () => {
    const project = new EditableProject('shapes-moved', {
      'src/store.ts': `import { Mutex } from 'async-mutex';
export class Store {
  touch(): number {
    return 1;
  }
  readonly mutex = new Mutex();
}`,
      'src/caller.ts': `import { Store } from './store';
export async function use(store: Store): Promise<void> {
  const release = await store.mutex.acquire();
  release();
}`,
    });
    step(project);
    project.edit('src/store.ts', (t) => t.replace('return 1;', 'const a = 1;\n    const b = 2;\n    return a + b;'));
    const { warm, walked } = step(project);
    expect(walked).toBe(2);
    expect(warm.locks.get('Store#mutex')?.declaredAt?.line).toBe(8);
  });

  it('re-walks the importers when a body edit changes what a hand-rolled lock class is taken for', () => {
    const project = new EditableProject('shapes-hand-rolled', {
      'src/lock.ts': `export class Gate {
  private tail: Promise<void> = Promise.resolve();
  acquire(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((resolve) => { release = resolve; });
    const ready = this.tail.then(() => release);
    this.tail = next;
    return ready;
  }
}`,
      'src/caller.ts': `import { Gate } from './lock';
const gate = new Gate();
export async function use(): Promise<void> {
  const release = await gate.acquire();
  await fetch('https://example.com');
  release();
}`,
    });
    const first = step(project);
    const before = first.warm.facts.get('src/caller.ts#use')!.lockOps.length;
    expect(before).toBeGreaterThan(0);
    // no promise is made or chained any more: not a lock
    project.edit('src/lock.ts', (t) =>
      t
        .replace('const next = new Promise<void>((resolve) => { release = resolve; });', 'release = () => {};')
        .replace('const ready = this.tail.then(() => release);', 'const ready = Promise.resolve(release);')
        .replace('this.tail = next;', ''),
    );
    const { warm } = step(project);
    expect(warm.facts.get('src/caller.ts#use')!.lockOps).toEqual([]);
  });

  it('keeps the answers the rules asked about a kept importer, at the moved nodes of the edited file', () => {
    const project = new EditableProject('shapes-kept-answers', {
      'src/registry.ts': `export function size(): number {
  return 1;
}
export const handlers: (() => Promise<void>)[] = [];`,
      'src/emit.ts': `import { Mutex } from 'async-mutex';
import { handlers } from './registry';
const gate = new Mutex();
export async function emit(): Promise<void> {
  await gate.runExclusive(async () => {
    for (const h of handlers) await h();
  });
}`,
    });
    step(project);
    const lines = findingLines(project.analyseBothWays().warm);
    const before = { ...analysisCounters };
    // lines added above the container: its declaration moves
    project.edit('src/registry.ts', (t) => t.replace('return 1;', 'const one = 1;\n  return one;'));
    const { warm, kept } = step(project);
    expect(kept).toBe(1);
    expect(analysisCounters.answersKept - before.answersKept).toBeGreaterThan(0);
    expect(findingLines(warm)).toEqual(lines);
    // which container \`h()\` runs the elements of, as the rules asked it before the edit: the new version's declaration
    const call = [...warm.facts.values()].flatMap((f) => f.calls).find((c) => c.calleeText === 'h')!;
    const MISSING = 'not kept';
    const container = warm.memo<ts.Node | string>('invoked-container', call.node, () => MISSING);
    expect(container).not.toBe(MISSING);
    expect((container as ts.Node).getSourceFile()).toBe(warm.program.getSourceFile(`${project.rootDir}/src/registry.ts`));
    expect((container as ts.Node).getStart()).toBe(project.text('src/registry.ts').indexOf('handlers'));
  });

  it('builds the heritage index again when the file of a base changes, though it declares no heritage itself', () => {
    const project = new EditableProject('shapes-heritage-base', {
      'src/api.ts': TASK_API,
      'src/impl.ts': SLOW_TASK,
      'src/caller.ts': `import type { Task } from './api';
export async function go(task: Task): Promise<number> {
  await task.run();
  return 1;
}`,
    });
    step(project);
    project.edit('src/api.ts', (t) => t.replace('return 1;', 'return 2;'));
    step(project);
    // the caller's walk asks which implementations \`task.run()\` runs, of the new version of Task
    project.edit('src/caller.ts', (t) => t.replace('return 1;', 'return 2;'));
    const { warm } = step(project);
    expect(warm.facts.get('src/caller.ts#go')!.calls[0]!.targets).toEqual(['src/impl.ts#Slow.run']);
  });
});
