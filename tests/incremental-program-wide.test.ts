import { describe, expect, it } from 'vitest';
import type { Analysis } from '@lockwise/analyzer';
import { askedWhileAnalysing, EditableProject } from './support/editable-project.js';
import { expectSame } from './support/analysis-digest.js';

// Two results are read from every file of the program: the property names (which property
// reads can name shared state) and the program's own lock classes. The next program keeps the
// last one's when the edited files contribute what they did before; these edits, typed inside a
// function body, change what the edited file contributes, and the editor must see it.

const readsOf = (analysis: Analysis, key: string) => [...new Set(analysis.facts.get(key)!.reads.map((r) => r.state))].sort();
const lockNames = (analysis: Analysis) => [...analysis.locks.values()].map((l) => l.id).sort();

/** The editor's analysis of the project's next program, once it is checked against one from scratch. */
function agreed(p: EditableProject): Analysis {
  const { warm, cold } = p.analyseBothWays();
  expectSame(warm, cold);
  return warm;
}

describe('what every file contributes to the whole program, across an edit inside a body', () => {
  it('keeps the field names when the edit declares no field, and reads a field a body edit declares', () => {
    const p = new EditableProject('program-wide-fields', {
      'src/model.ts': `export function makeCounter() {
  return new (class Inner { zqOld = 0; })();
}
export function size(): number {
  return 1;
}`,
      // a type error until the edit declares the field
      'src/use.ts': `import { makeCounter } from './model';
export function read(): number { const counter = makeCounter(); return counter.zqNew; }`,
      'src/touch.ts': `import { makeCounter } from './model';
export function touch(): void { makeCounter().zqNew = 1; }`,
    });
    const first = agreed(p);
    expect(readsOf(first, 'src/use.ts#read')).toEqual([]);

    p.edit('src/model.ts', (t) => t.replace('return 1;', 'return 2;'));
    agreed(p);

    // the class in makeCounter's body now declares the field use.ts reads
    p.edit('src/model.ts', (t) => t.replace('zqOld = 0;', 'zqNew = 0;'));
    const { warm, cold } = p.analyseBothWays();
    expectSame(warm, cold);
    expect(readsOf(cold, 'src/use.ts#read')).toEqual(['Inner#zqNew']);
  });

  it('finds a lock class a body edit tags, and loses it when the tag is typed away', () => {
    const p = new EditableProject('program-wide-locks', {
      'src/gate.ts': `export function makeGate() {
  /** @lok */ class Gate { async acquire(): Promise<void> {} release(): void {} }
  return new Gate();
}
export async function use(): Promise<void> {
  const gate = makeGate();
  await gate.acquire();
  gate.release();
}`,
    });
    const first = p.analyseBothWays();
    expect(lockNames(first.warm)).toEqual([]);

    p.edit('src/gate.ts', (t) => t.replace('@lok', '@lock'));
    const tagged = p.analyseBothWays();
    expectSame(tagged.warm, tagged.cold);
    expect(lockNames(tagged.warm)).toEqual(lockNames(tagged.cold));
    expect(lockNames(tagged.warm)).not.toEqual([]);

    p.edit('src/gate.ts', (t) => t.replace('@lock', '@lok'));
    const untagged = agreed(p);
    expect(lockNames(untagged)).toEqual([]);
  });
});


// A property read names shared state when it resolves to a mutable class field. A file that
// reads a field through a value another module hands it does not import the class's file: an
// edit there that adds the field, or makes it mutable or readonly, must still reach its reads.
describe('a field read through a module that does not import the class', () => {
  const files = {
    'src/model.ts': `export class Box {
  zqStay = 0;
  readonly zqFlip = 0;
}`,
    'src/make.ts': `import { Box } from './model';
export function make(): Box { return new Box(); }`,
    // none of these imports model.ts; none hands the value on (a returned value's type is a dependency of its own)
    'src/flip.ts': `import { make } from './make';
export function readFlip(): number { if (make().zqFlip > 1) return 1; return 0; }`,
    // a type error until Box declares zqLater
    'src/later.ts': `import { make } from './make';
export function readLater(): number { if (make().zqLater > 1) return 1; return 0; }`,
    'src/stay.ts': `import { make } from './make';
export function readStay(): number { if (make().zqStay > 1) return 1; return 0; }`,
    // what makes the reads above reads of shared state (zqFlip once it is mutable, zqLater once it is declared)
    'src/touch.ts': `import { make } from './make';
export function touch(): void {
  const box = make();
  box.zqFlip = 1;
  box.zqLater = 1;
  box.zqStay = 1;
}`,
  };

  /** Edits model.ts; the editor's analysis, once it is checked against one from scratch. */
  const afterEdit = (p: EditableProject, change: (text: string) => string): Analysis => {
    p.edit('src/model.ts', change);
    return agreed(p);
  };

  // a readonly field's plain read, and a name no class declares, never asked the checker: the
  // reading file depends on nothing of model.ts, and the new name is what sends it to be walked again
  it('finds a field a class edit makes mutable, and one it declares', () => {
    const p = new EditableProject('program-wide-far-fields', files);
    const first = agreed(p);
    expect(readsOf(first, 'src/flip.ts#readFlip')).toEqual([]);
    expect(readsOf(first, 'src/later.ts#readLater')).toEqual([]);

    const mutable = afterEdit(p, (t) => t.replace('readonly zqFlip', 'zqFlip'));
    expect(readsOf(mutable, 'src/flip.ts#readFlip')).toEqual(['Box#zqFlip']);

    const added = afterEdit(p, (t) => t.replace('zqStay = 0;', 'zqStay = 0;\n  zqLater = 0;'));
    expect(readsOf(added, 'src/later.ts#readLater')).toEqual(['Box#zqLater']);
  });

  // a read the checker answered depends on the field's declaration, wherever it is
  it('loses a field a class edit makes readonly, then removes', () => {
    const p = new EditableProject('program-wide-far-fields-lost', files);
    const first = p.analyseBothWays();
    expect(readsOf(first.warm, 'src/stay.ts#readStay')).toEqual(['Box#zqStay']);

    const readonly = afterEdit(p, (t) => t.replace('zqStay = 0;', 'readonly zqStay = 0;'));
    expect(readsOf(readonly, 'src/stay.ts#readStay')).toEqual([]);

    const back = afterEdit(p, (t) => t.replace('readonly zqStay', 'zqStay'));
    expect(readsOf(back, 'src/stay.ts#readStay')).toEqual(['Box#zqStay']);

    const removed = afterEdit(p, (t) => t.replace('zqStay = 0;', ''));
    expect(readsOf(removed, 'src/stay.ts#readStay')).toEqual([]);
  });
});

// Whether a read is shared state depends on writes of its field anywhere, which it has no other
// dependency on: a write added or removed in a file the reader never imports, or one whose
// receiver an edit makes a class instance, sends it to be walked again.
describe('a field read whose name an edit elsewhere starts or stops writing', () => {
  it('finds the read once a method writes the field, and loses it when the write goes', () => {
    const p = new EditableProject('program-wide-watched', {
      'src/model.ts': `export class Entry {
  zqValue = 0;
  constructor(value: number) {
    this.zqValue = value;
  }
}`,
      'src/read.ts': `import { Entry } from './model';
export function read(entry: Entry): number { return entry.zqValue; }`,
      'src/other.ts': `import type { Entry } from './model';
export function other(x: Entry): number {
  return x.zqValue;
}`,
    });
    const first = agreed(p);
    expect(readsOf(first, 'src/read.ts#read')).toEqual([]);

    p.edit('src/other.ts', (t) => t.replace('return x.zqValue;', 'x.zqValue = 1;\n  return x.zqValue;'));
    const written = agreed(p);
    expect(readsOf(written, 'src/read.ts#read')).toEqual(['Entry#zqValue']);

    p.edit('src/other.ts', (t) => t.replace('x.zqValue = 1;\n', ''));
    const gone = agreed(p);
    expect(readsOf(gone, 'src/read.ts#read')).toEqual([]);
  });
});

// An argument `x.name` is a callback only under a name some function goes by, and the walk asks
// about no other: a name a body edit declares is found after the edit as from scratch. (Here the
// changed return type already sends use.ts to be walked again; namesLetThrough would too.)
describe('a function handed on by reference under a name an edit declares', () => {
  it('finds the callback once the object a body builds has the function', () => {
    const p = new EditableProject('program-wide-function-names', {
      'src/model.ts': `export function build() {
  return { zqKeep: (n: number): boolean => n > 0 };
}`,
      // the written return type reads the same after the edit: make.ts's type shows no change
      'src/make.ts': `import { build } from './model';
export function make(): ReturnType<typeof build> { return build(); }`,
      // a type error until build's object has zqCheck
      'src/use.ts': `import { make } from './make';
export function run(list: number[]): boolean { return list.some(make().zqCheck); }`,
    });
    agreed(p);

    p.edit('src/model.ts', (t) => t.replace('return { ', 'return { zqCheck: (n: number): boolean => n < 0, '));
    const warm = agreed(p);
    const referenced = warm.facts.get('src/use.ts#run')!.calls.flatMap((c) => c.callbackArgs.map((cb) => cb.fn));
    expect(referenced).toEqual(['src/model.ts#<object>.zqCheck']);
  });
});

describe('a write whose receiver an edit elsewhere makes a class instance', () => {
  it('finds the reads of the field it now writes', () => {
    const p = new EditableProject('program-wide-written-field', {
      'src/model.ts': `export class Entry {
  zqValue = 0;
  constructor(value: number) {
    this.zqValue = value;
  }
}
export type Target = { zqValue: number };`,
      // a plain object's property, until Target is Entry
      'src/other.ts': `import type { Target } from './model';
export function other(x: Target): void {
  x.zqValue = 1;
}`,
      'src/read.ts': `import { Entry } from './model';
export function read(entry: Entry): number { return entry.zqValue; }`,
    });
    const first = agreed(p);
    expect(readsOf(first, 'src/read.ts#read')).toEqual([]);

    p.edit('src/model.ts', (t) => t.replace('export type Target = { zqValue: number };', 'export type Target = Entry;'));
    const now = agreed(p);
    expect(readsOf(now, 'src/read.ts#read')).toEqual(['Entry#zqValue']);
  });
});

// Resolving every write of a large file with an editor's fresh checker would cost more than
// walking the edited method: after an edit inside one body, the other writes keep their answers.
describe('the field writes of a file edited inside one body', () => {
  it('asks the checker again only about the writes in the edited body', () => {
    const p = new EditableProject('program-wide-writes-kept', {
      'src/model.ts': `export class Box {
  zqA = 0;
  zqB = 0;
}`,
      'src/write.ts': `import type { Box } from './model';
export function first(box: Box): void {
  box.zqA = 1;
}
export function second(box: Box): void {
  box.zqB = 2;
}`,
      'src/read.ts': `import type { Box } from './model';
export function read(box: Box): number { return box.zqA + box.zqB; }`,
    });
    const first = p.analyseBothWays();
    expect(readsOf(first.warm, 'src/read.ts#read')).toEqual(['Box#zqA', 'Box#zqB']);

    p.edit('src/write.ts', (t) => t.replace('box.zqA = 1;', 'box.zqA = 3;'));
    const { asked, analysis: warm } = askedWhileAnalysing(p);
    expect(asked).toContain('box.zqA');
    expect(asked).not.toContain('box.zqB');
    expect(readsOf(warm, 'src/read.ts#read')).toEqual(['Box#zqA', 'Box#zqB']);

    const { warm: again, cold } = p.analyseBothWays();
    expectSame(again, cold);
  });
});
