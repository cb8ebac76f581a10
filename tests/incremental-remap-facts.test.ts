import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { remapFacts } from '../packages/analyzer/src/incremental/remap-facts.js';
import type { FunctionFacts, FunctionInfo } from '../packages/analyzer/src/types.js';

// The copy of an edited file's untouched facts: the same values on the new version's nodes and
// functions, as literals with the walk's keys in the walk's order (what keeps their hidden class);
// plain data without nodes or functions is the old facts' own.
const text = 'function f() {\n  g();\n}\n';
const from = ts.createSourceFile('a.ts', text, ts.ScriptTarget.ES2022, true);
const to = ts.createSourceFile('a.ts', text, ts.ScriptTarget.ES2022, true);
const fnFrom = from.statements[0] as ts.FunctionDeclaration;
const fnTo = to.statements[0] as ts.FunctionDeclaration;
const callFrom = (fnFrom.body!.statements[0] as ts.ExpressionStatement).expression;
const callTo = (fnTo.body!.statements[0] as ts.ExpressionStatement).expression;
/** The new version's node at the place of an old one, as node-map.ts answers for the two nodes used here. */
const nodes = (node: ts.Node) => new Map<ts.Node, ts.Node>([[fnFrom, fnTo], [callFrom, callTo]]).get(node);
const infoFrom = { key: 'a.ts#f', node: fnFrom } as unknown as FunctionInfo;
const infoTo = { key: 'a.ts#f', node: fnTo } as unknown as FunctionInfo;
const infoOf = (key: string) => (key === infoTo.key ? infoTo : undefined);
const remap = (facts: object) => remapFacts({ facts: [facts as FunctionFacts], dispatched: new Map() }, from, to, nodes, infoOf, new Set());

describe('remapFacts', () => {
  it('copies the plain objects, lists, maps and sets that hold a node or a function, with each object’s keys in its order, onto the new nodes and functions', () => {
    const shared = { state: 'A#x', node: callFrom };
    const facts = { info: infoFrom, calls: [{ node: callFrom, targets: ['b.ts#g'], held: [] }], reads: [shared], writes: [shared], byName: new Map([['g', shared]]), names: new Set(['g']) };
    const copied = remap(facts)!.facts[0] as unknown as typeof facts;

    expect(copied).not.toBe(facts);
    expect(Object.keys(copied)).toEqual(Object.keys(facts));
    expect(Object.keys(copied.calls[0]!)).toEqual(['node', 'targets', 'held']);
    expect(copied.info).toBe(infoTo);
    expect(copied.calls[0]!.node).toBe(callTo);
    expect(copied.calls[0]!.targets).toEqual(['b.ts#g']);
    // an object reached twice is copied once
    expect(copied.reads[0]).toBe(copied.writes[0]);
    expect(copied.byName.get('g')).toBe(copied.reads[0]);
    expect(copied.reads[0]).toEqual({ state: 'A#x', node: callTo });
    expect([...copied.names]).toEqual(['g']);
    // the original is untouched
    expect(facts.calls[0]!.node).toBe(callFrom);
  });

  it('shares with the old facts the plain data that holds no node and no function', () => {
    const lock = { id: 'A#m', library: 'async-mutex', kind: 'mutex', reentrant: false };
    const op = { kind: 'acquire', lock, api: 'Mutex.acquire' };
    const targets = ['b.ts#g'];
    const byLock = new Map([['A#m', lock]]);
    const facts = { info: infoFrom, calls: [{ node: callFrom, targets, op }], locks: [lock], byLock, names: new Set(['m']) };
    const copied = remap(facts)!.facts[0] as unknown as typeof facts;

    expect(copied.calls).not.toBe(facts.calls);
    expect(copied.calls[0]).not.toBe(facts.calls[0]);
    expect(copied.calls[0]!.node).toBe(callTo);
    expect(copied.calls[0]!.op).toBe(op);
    expect(copied.calls[0]!.targets).toBe(targets);
    expect(copied.locks).toBe(facts.locks);
    expect(copied.byLock).toBe(byLock);
    expect(copied.names).toBe(facts.names);
  });

  it('carries nothing when shared data names a function inside a changed body', () => {
    const facts = { info: infoFrom, calls: [{ node: callFrom, op: { kind: 'acquire', targets: ['b.ts#g'] } }] };
    expect(remapFacts({ facts: [facts as unknown as FunctionFacts], dispatched: new Map() }, from, to, nodes, infoOf, new Set(['b.ts#g']))).toBeUndefined();
  });

  it('carries nothing when plain objects form a cycle: the file is walked instead', () => {
    const region: Record<string, unknown> = { node: callFrom };
    region.self = { region };
    expect(remap({ info: infoFrom, regions: [region] })).toBeUndefined();
  });

  it('carries nothing when a node has no counterpart in the new version', () => {
    expect(remap({ info: infoFrom, calls: [{ node: from.statements[0]!.getChildAt(0) }] })).toBeUndefined();
  });
});
