import { describe, expect, it } from 'vitest';
import type { Analysis } from '@lockwise/analyzer';
import { EditableProject } from './support/editable-project.js';

/** The shared state a function's own code reads, as the analysis names it. */
const readsOf = (analysis: Analysis, key: string) => [...new Set(analysis.facts.get(key)!.reads.map((r) => r.state))].sort();

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
      'src/use.ts': `import { makeCounter } from './model';
export function read(): number { const counter = makeCounter(); return counter.zqTally; }`,
    });
    const { warm } = project.analyseBothWays();
    expect(readsOf(warm, 'src/use.ts#read')).toEqual(['Inner#zqTally']);
  });
});
