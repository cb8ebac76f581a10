import { describe, expect, it } from 'vitest';
import type { Analysis } from '@lockwise/analyzer';
import { EditableProject } from './support/editable-project.js';
import { expectSame } from './support/analysis-digest.js';

// Two results are read from every file of the program: the class field names (which property
// reads can name shared state) and the program's own lock classes. The next program keeps the
// last one's when the edited files contribute what they did before; these edits, typed inside a
// function body, change what the edited file contributes, and the editor must see it.

const readsOf = (analysis: Analysis, key: string) => [...new Set(analysis.facts.get(key)!.reads.map((r) => r.state))].sort();
const lockNames = (analysis: Analysis) => [...analysis.locks.values()].map((l) => l.id).sort();

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
    });
    const first = p.analyseBothWays();
    expectSame(first.warm, first.cold);
    expect(readsOf(first.warm, 'src/use.ts#read')).toEqual([]);

    p.edit('src/model.ts', (t) => t.replace('return 1;', 'return 2;'));
    const kept = p.analyseBothWays();
    expectSame(kept.warm, kept.cold);

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
    const untagged = p.analyseBothWays();
    expectSame(untagged.warm, untagged.cold);
    expect(lockNames(untagged.warm)).toEqual([]);
  });
});
