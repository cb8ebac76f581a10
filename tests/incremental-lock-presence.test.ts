import { describe, expect, it } from 'vitest';
import ts from 'typescript';
import { analyzeProgram, type Analysis } from '@lockwise/analyzer';
import { EditableProject, findingLines } from './support/editable-project.js';
import { expectSame } from './support/analysis-digest.js';
import { programFromSources } from './support/virtual-program.js';
import { holdAndWaitCounters } from '../packages/analyzer/src/queries/hold-and-wait.js';

// A program that declares no lock type (no modelled library among its files, no lock class of
// its own) has no lock-typed value, so the walk does not ask any value's type. An edit that
// brings the first lock type in must reach every file, including one that gets the lock through
// modules that do not import the library.

const passings = (analysis: Analysis) => findingLines(analysis, { trace: false }).filter((line) => line.startsWith('lockwise/no-lock-passing'));

const files = {
  'src/factory/make.ts': `export function make() {
  return new Map<string, number>();
}`,
  'src/relay/shared.ts': `import { make } from '../factory/make';
export const shared = make();`,
  'src/app/run.ts': `import { shared } from '../relay/shared';
import { keep } from '../store/keep';
export async function run(): Promise<void> {
  const lock = shared;
  keep(lock);
}`,
  'src/store/keep.ts': `export function keep(value: unknown): void {
  void value;
}`,
};

describe('whether the program declares any lock type, across edits', () => {
  it('finds the lock a body edit brings in through modules that do not import its library, and forgets it again', () => {
    const p = new EditableProject('lock-presence', files);
    const first = p.analyseBothWays();
    expectSame(first.warm, first.cold);
    expect(passings(first.warm)).toEqual([]);

    p.edit('src/factory/make.ts', (t) => `import { Mutex } from 'async-mutex';\n${t.replace('new Map<string, number>()', 'new Mutex()')}`);
    const locked = p.analyseBothWays();
    const before = holdAndWaitCounters.acquisitionsComputed;
    expectSame(locked.warm, locked.cold);
    expect(holdAndWaitCounters.acquisitionsComputed).toBeGreaterThan(before);
    // handing the mutex to another subsystem is seen only through the value's type
    expect(passings(locked.warm)).toEqual([
      'lockwise/no-lock-passing src/app/run.ts:5:8 The `app` lock `src/relay/shared.ts#shared` (not acquired on this path) flows into `store.keep`: the lock itself is passed from `app` to `store`. `store` now has to know about a lock it does not own: release it before the call, or let `store` use a lock of its own.',
    ]);

    p.edit('src/factory/make.ts', (t) => t.replace("import { Mutex } from 'async-mutex';\n", '').replace('new Mutex()', 'new Map<string, number>()'));
    const unlocked = p.analyseBothWays();
    expectSame(unlocked.warm, unlocked.cold);
    expect(passings(unlocked.warm)).toEqual([]);
  });

  it('asks no value its type in a program without lock types, and does once one is declared', () => {
    const typesAsked = (sources: Record<string, string>): number => {
      const { program, rootDir } = programFromSources(sources);
      const checker = program.getTypeChecker();
      let asked = 0;
      const getTypeOfSymbol = checker.getTypeOfSymbol;
      checker.getTypeOfSymbol = function (this: ts.TypeChecker, symbol: ts.Symbol) {
        asked++;
        return getTypeOfSymbol.call(this, symbol);
      };
      analyzeProgram(program, { rootDir });
      return asked;
    };
    const without = typesAsked(files);
    const withLibrary = typesAsked({ ...files, 'src/factory/types.ts': `export type { Mutex } from 'async-mutex';` });
    expect(without).toBe(0);
    expect(withLibrary).toBeGreaterThan(0);
    // the web-lock words count where the code names them, not where a comment or a string says them
    const said = typesAsked({ ...files, 'src/store/keep.ts': `// cleanup locks: no Lock is held here
export function keep(value: unknown): void {
  void value, 'locks';
}` });
    const named = typesAsked({ ...files, 'src/store/keep.ts': `export async function keep(value: unknown): Promise<void> {
  await navigator.locks.request('keep', async () => value);
}` });
    expect(said).toBe(0);
    expect(named).toBeGreaterThan(0);
  });
});

// Whether a call into a package (or the platform) returns a promise decides whether it blocks a
// lock holder. A program without lock types holds no lock, so the call is not typed to find out;
// the first lock type brings the answer to every file, an untouched one included.
describe('whether an external call returns a promise, in programs with and without locks', () => {
  const clipboard = {
    'src/clip/read.ts': `export async function pasted(): Promise<string> {
  return navigator.clipboard.readText();
}`,
    'src/app/run.ts': `import { pasted } from '../clip/read';
export async function run(): Promise<string> {
  return pasted();
}`,
  };

  it('types no external call while the program has no lock type, and every one once it has', () => {
    const callsTyped = (sources: Record<string, string>): string[] => {
      const { program, rootDir } = programFromSources(sources);
      const checker = program.getTypeChecker();
      const typed: string[] = [];
      const getTypeAtLocation = checker.getTypeAtLocation;
      checker.getTypeAtLocation = function (this: ts.TypeChecker, node: ts.Node) {
        if (ts.isCallExpression(node)) typed.push(node.getText());
        return getTypeAtLocation.call(this, node);
      };
      analyzeProgram(program, { rootDir });
      return typed;
    };
    expect(callsTyped(clipboard)).not.toContain('navigator.clipboard.readText()');
    expect(callsTyped({ ...clipboard, 'src/app/types.ts': `export type { Mutex } from 'async-mutex';` })).toContain('navigator.clipboard.readText()');
  });

  it('finds the external async call under a lock an edit brings in, in a file the edit did not touch', () => {
    const p = new EditableProject('external-promises', clipboard);
    const first = p.analyseBothWays();
    expectSame(first.warm, first.cold);
    expect(findingLines(first.warm, { trace: false })).toEqual([]);

    p.edit('src/app/run.ts', (t) => `import { Mutex } from 'async-mutex';\nconst mu = new Mutex();\n${t.replace('return pasted();', 'return mu.runExclusive(() => pasted());')}`);
    const locked = p.analyseBothWays();
    expectSame(locked.warm, locked.cold);
    expect(findingLines(locked.warm, { trace: false }).filter((line) => line.includes('readText'))).toEqual([
      'lockwise/no-unacknowledged-blocking src/app/run.ts:5:10 Lock `src/app/run.ts#mu` is held across `pasted()`, which may block in `clip` (typescript/lib.Clipboard.readText (an external async API)). Release the lock before the call, or acknowledge it.',
    ]);
  });
});

// A hand-rolled lock whose acquire returns a disposable guard is recognised by its methods' return
// types, which are asked only while some file of the program mentions disposal.
describe('whether the program mentions disposal, across edits', () => {
  const recognitions = (analysis: Analysis) => [...analysis.locks.values()].map((l) => [l.id, l.recognition]);

  it('recognises a guard-returning lock while its guard is disposable, and not once the guard is edited to close otherwise', () => {
    const p = new EditableProject('disposal-presence', {
      'src/guard/guard.ts': `export class Guard {
  constructor(private readonly done: () => void) {}
  [Symbol.dispose]() { this.done(); }
}`,
      'src/gate/gate.ts': `import { Guard } from '../guard/guard';
export class Gate {
  private queue: Promise<void> = Promise.resolve();
  async enter(): Promise<Guard> {
    let open!: () => void;
    const previous = this.queue;
    this.queue = new Promise<void>((resolve) => (open = resolve));
    await previous;
    return new Guard(open);
  }
}
export const gate = new Gate();`,
      'src/app/run.ts': `import { gate } from '../gate/gate';
declare function work(): Promise<void>;
export async function run(): Promise<void> {
  using guard = await gate.enter();
  await work();
}`,
    });
    const first = p.analyseBothWays();
    expectSame(first.warm, first.cold);
    expect(recognitions(first.warm)).toEqual([['src/gate/gate.ts#gate', { by: 'shape', shape: 'disposable-guard' }]]);

    p.edit('src/guard/guard.ts', (t) => t.replace('[Symbol.dispose]()', 'close()'));
    const closing = p.analyseBothWays();
    expectSame(closing.warm, closing.cold);
    expect(recognitions(closing.warm)).toEqual([]);

    p.edit('src/guard/guard.ts', (t) => t.replace('close()', '[Symbol.dispose]()'));
    const disposing = p.analyseBothWays();
    expectSame(disposing.warm, disposing.cold);
    expect(recognitions(disposing.warm)).toEqual([['src/gate/gate.ts#gate', { by: 'shape', shape: 'disposable-guard' }]]);
  });
});

// A program that takes no lock anywhere has nothing for the whole-program lock queries to find,
// and they neither build nor carry their per-function state. The first version that takes a lock
// must compute them from nothing, and a version without locks again must drop what they found.
describe('whether the program takes any lock, across edits', () => {
  const ruleIds = (lines: string[]) => [...new Set(lines.map((line) => line.split(' ')[0]))].sort();

  it('finds a reentrant acquisition and a lock-order inversion that edits bring into a lock-free program, and forgets them again', () => {
    const lockFree = {
      'src/jobs/work.ts': `export async function work(): Promise<void> {
  await Promise.resolve();
}
export async function other(): Promise<void> {
  await Promise.resolve();
}`,
      'src/app/run.ts': `import { other } from '../jobs/work';
import { relay } from '../relay/relay';
export async function run(): Promise<void> {
  await relay();
}
export async function both(): Promise<void> {
  await other();
  await relay();
}`,
      // never edited: what it waits for changes with what work() does
      'src/relay/relay.ts': `import { work } from '../jobs/work';
export async function relay(): Promise<void> {
  await work();
}`,
    };
    const p = new EditableProject('lock-taking', lockFree);
    const first = p.analyseBothWays();
    const computed = holdAndWaitCounters.acquisitionsComputed;
    expectSame(first.warm, first.cold);
    expect(findingLines(first.warm)).toEqual([]);
    // every rule ran on both analyses, and no function's acquisitions were computed
    expect(holdAndWaitCounters.acquisitionsComputed).toBe(computed);

    p.edit('src/jobs/work.ts', () => `import { Mutex } from 'async-mutex';
export const a = new Mutex();
export const b = new Mutex();
export async function work(): Promise<void> {
  await a.runExclusive(async () => {
    await b.runExclusive(async () => undefined);
  });
}
export async function other(): Promise<void> {
  await b.runExclusive(async () => {
    await a.runExclusive(async () => undefined);
  });
}`);
    p.edit('src/app/run.ts', (t) => t.replace("import { other } from '../jobs/work';", "import { a, other } from '../jobs/work';").replace('  await relay();\n}\nexport', '  await a.runExclusive(async () => {\n    await relay();\n  });\n}\nexport'));
    const locked = p.analyseBothWays();
    const before = holdAndWaitCounters.acquisitionsComputed;
    expectSame(locked.warm, locked.cold);
    expect(holdAndWaitCounters.acquisitionsComputed).toBeGreaterThan(before);
    expect(ruleIds(findingLines(locked.warm, { trace: false }))).toEqual(expect.arrayContaining(['lockwise/consistent-lock-order', 'lockwise/no-reentrant-acquire']));

    p.edit('src/jobs/work.ts', () => lockFree['src/jobs/work.ts']);
    p.edit('src/app/run.ts', () => lockFree['src/app/run.ts']);
    const unlocked = p.analyseBothWays();
    expectSame(unlocked.warm, unlocked.cold);
    expect(findingLines(unlocked.warm)).toEqual([]);
  });
});
