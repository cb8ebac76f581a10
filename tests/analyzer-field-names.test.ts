import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { analyzeProgram, type Analysis } from '@lockwise/analyzer';
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

  it('asks nothing about a plain read of a name every class declares readonly, and still finds readonly containers and mixed names', () => {
    const project = new EditableProject('field-names-readonly', {
      'src/model.ts': `export class Config { readonly zqUrl: string = ''; readonly zqItems: string[] = []; }
export class Fixed { readonly zqMixed = 0; }
export class Moving { zqMixed = 0; }`,
      'src/use.ts': `import { Config, Moving } from './model';
export function read(config: Config, moving: Moving): number {
  const empty = config.zqUrl === '' ? 1 : 0;
  return empty + config.zqItems.length + moving.zqMixed;
}`,
    });
    const program = project.nextProgram();
    const checker = program.getTypeChecker();
    const asked: string[] = [];
    const ask = checker.getSymbolAtLocation.bind(checker);
    checker.getSymbolAtLocation = (node) => {
      if (ts.isPropertyAccessExpression(node.parent) && node.parent.name === node) asked.push(node.parent.getText());
      return ask(node);
    };
    const analysis = analyzeProgram(program, { rootDir: project.rootDir });
    // a readonly field's value never changes: its plain read is no shared state, and the checker is not asked
    expect(asked).not.toContain('config.zqUrl');
    // a readonly array's entries still change, and a name one class declares mutable still goes to the checker
    expect(asked).toEqual(expect.arrayContaining(['config.zqItems', 'moving.zqMixed']));
    expect(readsOf(analysis, 'src/use.ts#read')).toEqual(['Config#zqItems[]', 'Moving#zqMixed']);
  });
});
