import { describe, expect, it } from 'vitest';
import type { Analysis } from '@lockwise/analyzer';
import { askedWhileAnalysing, EditableProject } from './support/editable-project.js';

/** The shared state a function's own code reads, as the analysis names it. */
const readsOf = (analysis: Analysis, key: string) => [...new Set(analysis.facts.get(key)!.reads.map((r) => r.state))].sort();

// Each case writes the fields its reads expect to find: a read of a field nothing writes is no
// shared state (see 'reads of fields no code writes').

// A property read names shared state only when it resolves to a class field. The walk answers
// reads of names no class declares without the checker: these cases must still find the field.
describe('shared state read through a property of another object', () => {
  it('finds fields declared as members, as constructor parameters, by a nested class, and under a computed constant name', () => {
    const project = new EditableProject('field-names', {
      'src/model.ts': `const KEY = 'secret';
export class Box { count = 0; [KEY] = 1; constructor(public label: string) {} }
export function makeCounter() {
  return new (class Inner { zqTally = 0; })();
}`,
      'src/touch.ts': `import { Box, makeCounter } from './model';
export function touch(box: Box): void {
  box.count++;
  box.label = '';
  box.secret = 2;
  makeCounter().zqTally += 1;
}`,
      'src/use.ts': `import { Box, makeCounter } from './model';
export function read(box: Box): number {
  const counter = makeCounter();
  return box.count + box.label.length + box.secret + counter.zqTally + box.missing;
}`,
    });
    const { warm, cold } = project.analyseBothWays();
    for (const analysis of [warm, cold]) {
      expect(readsOf(analysis, 'src/use.ts#read')).toEqual(['Box#count', 'Box#label', 'Box#secret', 'Inner#zqTally']);
    }
  });

  it('finds a field whose class is nested in a function, with no computed name anywhere', () => {
    const project = new EditableProject('field-names-nested', {
      'src/model.ts': `export function makeCounter() {
  return new (class Inner { zqTally = 0; })();
}`,
      'src/touch.ts': `import { makeCounter } from './model';
export function touch(): void { makeCounter().zqTally += 1; }`,
      'src/use.ts': `import { makeCounter } from './model';
export function read(): number { const counter = makeCounter(); return counter.zqTally; }`,
    });
    const { warm } = project.analyseBothWays();
    expect(readsOf(warm, 'src/use.ts#read')).toEqual(['Inner#zqTally']);
  });

  it('asks nothing about a plain read of a name every class declares readonly, and still finds readonly containers and mixed names', () => {
    const project = new EditableProject('field-names-readonly', {
      'src/model.ts': `export class Config { readonly zqUrl: string = ''; readonly zqItems: string[] = []; }
export class Fixed { readonly zqMixed = 0; }
export class Moving { zqMixed = 0; }`,
      'src/touch.ts': `import { Config, Moving } from './model';
export function touch(config: Config, moving: Moving): void {
  config.zqItems.push('');
  moving.zqMixed = 1;
}`,
      'src/use.ts': `import { Config, Moving } from './model';
export function read(config: Config, moving: Moving): number {
  const empty = config.zqUrl === '' ? 1 : 0;
  return empty + config.zqItems.length + moving.zqMixed;
}`,
    });
    const { asked, analysis } = askedWhileAnalysing(project);
    // a readonly field's value never changes: its plain read is no shared state, and the checker is not asked
    expect(asked).not.toContain('config.zqUrl');
    // a readonly array's entries still change, and a name one class declares mutable still goes to the checker
    expect(asked).toEqual(expect.arrayContaining(['config.zqItems', 'moving.zqMixed']));
    expect(readsOf(analysis, 'src/use.ts#read')).toEqual(['Config#zqItems[]', 'Moving#zqMixed']);
  });
});

// A read pairs with a write of the same place, or with a `@guardedBy` annotation: a field only
// constructors set is read as it was made, and the walk asks the checker nothing about it.
describe('reads of fields no code writes', () => {
  const entry = (methods: string) => ({
    'src/model.ts': `export class Entry {
  zqValue = 0;
  constructor(value: number) {
    this.zqValue = value;
  }${methods}
}`,
    'src/use.ts': `import { Entry } from './model';
export function read(entry: Entry): number { return entry.zqValue; }`,
  });

  it('asks nothing about a field only its constructor sets, and finds it once a method writes it', () => {
    const onlyConstructed = askedWhileAnalysing(new EditableProject('watched-constructed', entry('')));
    expect(onlyConstructed.asked).not.toContain('entry.zqValue');
    expect(readsOf(onlyConstructed.analysis, 'src/use.ts#read')).toEqual([]);
    // the constructor's write is still a fact (it stores what it is handed), marked as setting up its own object
    expect(onlyConstructed.analysis.facts.get('src/model.ts#Entry.constructor')!.writes.map((w) => [w.state, w.initialises])).toEqual([['Entry#zqValue', true]]);

    const written = askedWhileAnalysing(new EditableProject('watched-written', entry(`
  bump(): void {
    this.zqValue++;
  }`)));
    expect(written.asked).toContain('entry.zqValue');
    expect(readsOf(written.analysis, 'src/use.ts#read')).toEqual(['Entry#zqValue']);
  });

  it('counts every shape of write the walk records, and not a constructor setting its own field or a plain object\'s property', () => {
    const project = new EditableProject('watched-shapes', {
      'src/model.ts': `export class Box {
  zqA = 0;
  zqB = 0;
  zqC = 0;
  zqD?: number;
  zqE: Record<string, number> = {};
  zqF = new Map<string, number>();
  zqG: number[] = [];
  zqH = 0;
  zqI = 0;
  zqJ = 0;
  constructor() {
    this.zqG.push(1);
    this.zqH = 1;
    const later = () => {
      this.zqI = 1;
    };
    later();
  }
}`,
      'src/write.ts': `import type { Box } from './model';
export function writeAll(x: Box, k: string): void {
  x.zqA = 1;
  x.zqB += 1;
  x.zqC++;
  delete x.zqD;
  x.zqE[k] = 1;
  x.zqF.set(k, 1);
}
export function plain(): void {
  const p = { zqJ: 0 };
  p.zqJ = 1;
}`,
      'src/use.ts': `import { Box } from './model';
export function read(b: Box): unknown[] {
  return [b.zqA, b.zqB, b.zqC, b.zqD, b.zqE, b.zqF, b.zqG, b.zqH, b.zqI, b.zqJ];
}`,
    });
    const { warm, cold } = project.analyseBothWays();
    for (const analysis of [warm, cold]) {
      // zqG's entries change in the constructor (the array may be one a caller shares); an arrow
      // runs whenever it is called; a plain object's zqJ is not Box's
      expect(readsOf(analysis, 'src/use.ts#read')).toEqual(['Box#zqA', 'Box#zqB', 'Box#zqC', 'Box#zqD', 'Box#zqE', 'Box#zqF', 'Box#zqG', 'Box#zqI']);
    }
  });

  it('reads a field annotated @guardedBy that nothing writes: its reference can still escape the lock', () => {
    const project = new EditableProject('watched-guarded', {
      'src/model.ts': `import { Mutex } from 'async-mutex';
export const mu = new Mutex();
export class List {
  /** @guardedBy mu */
  zqItems: string[] = [];
}`,
      'src/use.ts': `import { List } from './model';
export function read(list: List): string[] { return list.zqItems; }`,
    });
    expect(readsOf(project.analyseBothWays().cold, 'src/use.ts#read')).toEqual(['List#zqItems']);
  });
});

/** The functions a function hands on as callbacks by reference (not written in place). */
const referencedCallbacks = (analysis: Analysis, key: string) =>
  analysis.facts
    .get(key)!
    .calls.flatMap((c) => c.callbackArgs.filter((cb) => !cb.inline).map((cb) => cb.fn))
    .sort();

// An argument `x.name` is a callback only if some function of the program goes by that name:
// the walk asks the checker about no other, and must still find every one that does.
describe('functions handed on by reference as x.name', () => {
  const plugin = (computed: string) => `export function zqIsAccount(x: unknown): boolean { return !!x; }
function zqCheckInner(x: unknown): boolean { return !x; }
export { zqCheckInner as zqIsKey };
export default function (x: unknown): boolean { return x === 1; }
const KEY = 'zqComputed';
export class Handlers {
  zqArrow = (x: unknown): boolean => x === 2;
  zqMethod(x: unknown): boolean { return x === 3; }${computed}
}
export const table = { zqLiteral: ((x: unknown): boolean => x === 5), zqShort(x: unknown): boolean { return x === 6; } };`;
  const use = (computed: string) => `import * as Plugin from './plugin';
export function run(list: unknown[], h: Plugin.Handlers, options: { zqAddress: (x: unknown) => boolean }): boolean[] {
  return [
    list.some(Plugin.zqIsAccount),
    list.some(Plugin.zqIsKey),
    list.some(Plugin.default),
    list.some(h.zqArrow),
    list.some(h.zqMethod),
    list.some(Plugin.table.zqLiteral),
    list.some(Plugin.table.zqShort),
    list.some(options.zqAddress),${computed}
  ];
}`;
  const named = [
    'src/plugin.ts#zqIsAccount',
    'src/plugin.ts#zqCheckInner',
    'src/plugin.ts#<anonymous>#1',
    'src/plugin.ts#Handlers.zqArrow',
    'src/plugin.ts#Handlers.zqMethod',
    // the parenthesised arrow is named for its place, not its property
    'src/plugin.ts#<anonymous>#2',
    'src/plugin.ts#table.zqShort',
  ];

  it('finds them under every name a function goes by, and asks nothing about other names', () => {
    const { asked, analysis } = askedWhileAnalysing(new EditableProject('function-names', { 'src/plugin.ts': plugin(''), 'src/use.ts': use('') }));
    expect(referencedCallbacks(analysis, 'src/use.ts#run')).toEqual([...named].sort());
    expect(asked).toEqual(expect.arrayContaining(['Plugin.zqIsAccount', 'h.zqMethod']));
    expect(asked).not.toContain('options.zqAddress');
  });

  it('asks about every name once a function has a computed name, and finds that function', () => {
    const computed = askedWhileAnalysing(
      new EditableProject('function-names-computed', {
        'src/plugin.ts': plugin(`\n  [KEY](x: unknown): boolean { return x === 4; }`),
        'src/use.ts': use(`\n    list.some(h.zqComputed),`),
      }),
    );
    expect(referencedCallbacks(computed.analysis, 'src/use.ts#run')).toEqual([...named, 'src/plugin.ts#Handlers.[KEY]'].sort());
    expect(computed.asked).toContain('options.zqAddress');
  });
});
