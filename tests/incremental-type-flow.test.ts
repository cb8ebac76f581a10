import { describe, expect, it } from 'vitest';
import { EditableProject } from './support/editable-project.js';
import { expectSame } from './support/analysis-digest.js';

// A file's facts hang on the types of the values it reads. Its walk depends on the files it
// imports and on those its names resolve into; a type can also come from further away, through
// a module whose own text does not change: `export const shared = make()` has the type an edit
// of `make`'s body gives it. An editor's analysis must still say what one from scratch says.

const keep = `export function keep(value: unknown): void {
  void value;
}`;
// the program has a lock type from the start: what is tested is the type's way, not whether locks exist
const other = `import { Mutex } from 'async-mutex';
export const other = new Mutex();`;

// a function whose inferred return type the edits change, and a module that passes it on
const make = `import { Mutex } from 'async-mutex';
export function make() {
  return new Map<string, number>();
}
export const spare = new Mutex();`;
const shared = `import { make } from '../factory/make';
export const shared = make();`;

const editBoth = (p: EditableProject, file: string, from: string, to: string) => {
  const first = p.analyseBothWays();
  expectSame(first.warm, first.cold);
  p.edit(file, (t) => t.replace(from, to));
  const edited = p.analyseBothWays();
  expectSame(edited.warm, edited.cold);
  p.edit(file, (t) => t.replace(to, from));
  const back = p.analyseBothWays();
  expectSame(back.warm, back.cold);
};

describe('a type that reaches a file through a module whose text is unchanged', () => {
  it('follows an inferred variable of a module the file imports', () => {
    const p = new EditableProject('type-flow-variable', {
      'src/other/other.ts': other,
      'src/factory/make.ts': make,
      'src/relay/shared.ts': shared,
      'src/app/run.ts': `import { shared } from '../relay/shared';
import { keep } from '../store/keep';
export async function run(): Promise<void> {
  const lock = shared;
  keep(lock);
}`,
      'src/store/keep.ts': keep,
    });
    editBoth(p, 'src/factory/make.ts', 'new Map<string, number>()', 'new Mutex()');
  });

  it('follows two modules of inferred types, and an un-annotated method', () => {
    const p = new EditableProject('type-flow-chain', {
      'src/other/other.ts': other,
      'src/factory/make.ts': make,
      'src/relay/holder.ts': `import { make } from '../factory/make';
export class Holder {
  value() { return make(); }
}`,
      'src/relay/shared.ts': `import { Holder } from './holder';
export const shared = new Holder().value();`,
      'src/app/run.ts': `import { shared } from '../relay/shared';
import { keep } from '../store/keep';
export async function run(): Promise<void> {
  keep(shared);
}`,
      'src/store/keep.ts': keep,
    });
    editBoth(p, 'src/factory/make.ts', 'new Map<string, number>()', 'new Mutex()');
  });

  it('follows a re-export', () => {
    const p = new EditableProject('type-flow-reexport', {
      'src/other/other.ts': other,
      'src/factory/make.ts': `import { Mutex } from 'async-mutex';
export const made = new Map<string, number>();
export const spare = new Mutex();`,
      'src/relay/index.ts': `export { made } from '../factory/make';`,
      'src/app/run.ts': `import { made } from '../relay/index';
import { keep } from '../store/keep';
export async function run(): Promise<void> {
  keep(made);
}`,
      'src/store/keep.ts': keep,
    });
    editBoth(p, 'src/factory/make.ts', 'made = new Map<string, number>()', 'made = new Mutex()');
  });

  it('keeps a file whose imported module passes no type from the edited file', () => {
    const p = new EditableProject('type-flow-narrow', {
      'src/other/other.ts': other,
      'src/factory/make.ts': make,
      'src/relay/shared.ts': shared,
      // inferred declarations, none of them from what the edit changes
      'src/relay/plain.ts': `import { make } from '../factory/make';
export const count = 1 + 1;
export function fresh(): unknown { return make(); }`,
      'src/app/run.ts': `import { shared } from '../relay/shared';
import { keep } from '../store/keep';
export async function run(): Promise<void> {
  keep(shared);
}`,
      'src/app/tally.ts': `import { count, fresh } from '../relay/plain';
import { keep } from '../store/keep';
export async function tally(): Promise<void> {
  keep(count);
  keep(fresh());
}`,
      'src/store/keep.ts': keep,
    });
    p.analyseBothWays();
    p.edit('src/factory/make.ts', (t) => t.replace('new Map<string, number>()', 'new Mutex()'));
    const { warm, cold, counters } = p.analyseBothWays();
    expectSame(warm, cold);
    // the edited file, its two importers, and run.ts through shared.ts; not tally.ts
    expect(counters.filesWalked).toBe(4);
  });

  /** `make` has an inferred return type; `shared.ts` shows it, and `run.ts` reads it through `shared.ts`. */
  const inferredMake = (name: string) => {
    const p = new EditableProject(name, {
      'src/other/other.ts': other,
      'src/factory/make.ts': `export function make() {
  return new Map<string, number>();
}`,
      'src/relay/shared.ts': shared,
      'src/app/run.ts': `import { shared } from '../relay/shared';
import { keep } from '../store/keep';
export async function run(): Promise<void> {
  keep(shared);
}`,
      'src/store/keep.ts': keep,
    });
    p.analyseBothWays();
    return p;
  };

  it('keeps the importers of a module whose inferred type the edit reshaped but did not change', () => {
    const p = inferredMake('type-flow-same-type');
    // a statement typed into a body whose function's return type is inferred: the shape changes, the type does not
    p.edit('src/factory/make.ts', (t) => t.replace('  return new Map', '  void 0;\n  return new Map'));
    const { warm, cold, counters } = p.analyseBothWays();
    expectSame(warm, cold);
    // the edited file alone: make's type is what it was, so its importer learns what it learned
    expect(counters.filesWalked).toBe(1);
  });

  it('walks the importers again when the edit changes the inferred type', () => {
    const p = inferredMake('type-flow-new-type');
    p.edit('src/factory/make.ts', (t) => t.replace('  return new Map<string, number>()', '  void 0;\n  return new Map<string, string>()'));
    const { warm, cold, counters } = p.analyseBothWays();
    expectSame(warm, cold);
    // the edited file, its importer, and run.ts through shared.ts
    expect(counters.filesWalked).toBe(3);
  });

  it('finds a lock taken in a function that an inferred return type hands to another file, after an edit inside it', () => {
    const p = new EditableProject('type-flow-returned-function', {
      'src/factory/make.ts': `import { Mutex } from 'async-mutex';
const lock = new Mutex();
export function handler() {
  return async () => {
    await fetch('https://example.com');
  };
}
export async function locked(): Promise<void> {
  await lock.runExclusive(async () => { await handler()(); });
}`,
      'src/app/run.ts': `import { handler } from '../factory/make';
export async function run(): Promise<void> {
  await handler()();
}`,
    });
    p.analyseBothWays();
    // the returned function now takes the lock itself: run, in another file, calls it through handler's inferred type
    p.edit('src/factory/make.ts', (t) => t.replace("    await fetch('https://example.com');", "    const release = await lock.acquire();\n    await fetch('https://example.com');\n    release();"));
    const { warm, cold, counters } = p.analyseBothWays();
    expectSame(warm, cold);
    // handler's type is the same, but run.ts resolved a call into the changed body: it is walked again
    expect(counters.filesWalked).toBe(2);
    expect(warm.facts.get('src/app/run.ts#run')!.calls.flatMap((c) => c.targets)).toContain('src/factory/make.ts#handler>#1');
    expect([...warm.summaries.get('src/app/run.ts#run')!.acquires.keys()]).toEqual(['src/factory/make.ts#lock']);
  });

  it('follows a type alias an edit gives another meaning, through a module that names it', () => {
    const p = new EditableProject('type-flow-alias', {
      'src/other/other.ts': other,
      'src/model/kinds.ts': `import { Mutex } from 'async-mutex';
export type Guard = Map<string, number>;
export const spare = new Mutex();`,
      'src/relay/get.ts': `import type { Guard } from '../model/kinds';
export function get(): Guard { throw new Error('not here'); }`,
      'src/app/run.ts': `import { get } from '../relay/get';
import { keep } from '../store/keep';
export async function run(): Promise<void> {
  keep(get());
}`,
      'src/store/keep.ts': keep,
    });
    editBoth(p, 'src/model/kinds.ts', 'export type Guard = Map<string, number>;', 'export type Guard = Mutex;');
  });

  // `get(): Box` is written, but a member the edit adds to `Box` is new to the files that read it
  // through `get()`: their walks resolved the member to nothing, so no dependency leads to them.
  it('follows a member added to an interface another module names in a written type', () => {
    const p = new EditableProject('type-flow-member', {
      'src/other/other.ts': other,
      'src/model/box.ts': `import { Mutex } from 'async-mutex';
export interface Box { value: number; }
export function box(): Box { return { value: 1 }; }
export const spare = new Mutex();`,
      'src/relay/get.ts': `import { box, type Box } from '../model/box';
export function get(): Box { return box(); }`,
      'src/app/run.ts': `import { get } from '../relay/get';
import { keep } from '../store/keep';
export async function run(): Promise<void> {
  keep(get().lock);
}`,
      'src/store/keep.ts': keep,
    });
    editBoth(p, 'src/model/box.ts', 'export interface Box { value: number; }', 'export interface Box { value: number; lock: Mutex; }');
  });
});
