import type ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { holdAndWaitChanges, type Analysis } from '@lockwise/analyzer';
import { rulesByName, runRule, withDefaults } from '@lockwise/rules';
import { lockOrderGraph, lockOrderGraphData } from '../rules/support/consistent-lock-order-graph.js';
import { lockOrderCounters } from '../rules/support/consistent-lock-order-state.js';
import { EditableProject, findingLines } from './support/editable-project.js';

/**
 * The lock-order graph is carried from one program version to the next, where only the
 * functions whose hold-and-wait events changed are read again. Each step compares the warm
 * graph (as the audit prints it, and as the rule reports it, whole and per file) with a cold one.
 */

const rule = rulesByName.get('consistent-lock-order')!;

/** The rule's findings per file, as the editor asks for them (one file at a time), then for the whole program. */
function ruleLines(analysis: Analysis): string[] {
  const lines: string[] = [];
  const scopes: (Set<ts.SourceFile> | undefined)[] = [...analysis.sourceFiles.map((sf) => new Set([sf])), undefined];
  for (const scope of scopes) {
    for (const f of runRule(analysis, rule, withDefaults(rule, undefined), undefined, scope).findings) {
      const trace = f.trace?.map((s) => `${analysis.relativePath(s.location.file)}:${s.location.line}:${s.location.column} ${s.message}`);
      lines.push(`${scope ? 'file' : 'program'} ${analysis.relativePath(f.location.file)}:${f.location.line}:${f.location.column} ${f.message} ${JSON.stringify(trace)}`);
    }
  }
  return lines;
}

/** The graph as the audit prints it, with files relative to the project. */
function graphData(analysis: Analysis) {
  const data = lockOrderGraphData(analysis);
  const place = (l: { file: string; line: number; column: number }) => `${analysis.relativePath(l.file)}:${l.line}:${l.column}`;
  return {
    nodes: data.nodes,
    edges: data.edges.map((e) => ({
      from: e.from,
      to: e.to,
      witnesses: e.witnesses.map((w) => ({ at: place(w.location), function: w.function, gates: w.gates, trace: w.trace.map((s) => `${place(s.location)} ${s.message}`) })),
    })),
    cycles: data.cycles,
  };
}

/** The next version both ways: the warm one as the editor runs it (the rule on one file first), then compared with the cold one. */
function step(project: EditableProject, edited: string, what: string, rebuilt = false): Analysis {
  const { warm, cold } = project.analyseBothWays();
  const counted = { ...lockOrderCounters };
  runRule(warm, rule, withDefaults(rule, undefined), undefined, new Set(warm.sourceFiles.filter((sf) => warm.relativePath(sf.fileName) === edited)));
  const changes = holdAndWaitChanges(warm);
  if (changes.since !== undefined) {
    expect(lockOrderCounters.rebuilt - counted.rebuilt, what).toBe(rebuilt ? 1 : 0);
    // the warm graph read again only the functions whose events hold-and-wait dropped
    if (!rebuilt) expect(lockOrderCounters.functionsRead - counted.functionsRead, what).toBe(changes.functions.size);
  }
  expect(ruleLines(warm), what).toEqual(ruleLines(cold));
  expect(graphData(warm), what).toEqual(graphData(cold));
  expect(findingLines(warm), what).toEqual(findingLines(cold));
  return warm;
}

const witnessFiles = (analysis: Analysis, from: string, to: string) =>
  lockOrderGraph(analysis)
    .edges.find((e) => e.from.endsWith(`#${from}`) && e.to.endsWith(`#${to}`))
    ?.witnesses.map((w) => w.function.replace(/>#.*$/, "")) ?? [];

const nested = (name: string, outer: string, inner: string) =>
  `export async function ${name}(): Promise<void> { await ${outer}.runExclusive(async () => { await ${inner}.runExclusive(async () => {}); }); }`;

const files = {
  'src/locks.ts': `import { Mutex } from 'async-mutex';
export const alpha = new Mutex();
export const Beta = new Mutex();
export const gamma = new Mutex();`,
  'src/app/entry.ts': `export function entry(): number { return 1; }`,
  'src/p/first.ts': `import { alpha, Beta } from '../locks';
${nested('first', 'alpha', 'Beta')}`,
  'src/q/second.ts': `import { alpha, Beta } from '../locks';
export function before(): number { return 2; }
${nested('second', 'alpha', 'Beta')}`,
  'src/r/third.ts': `import { alpha, Beta, gamma } from '../locks';
import { middle } from '../s/middle';
${nested('third', 'alpha', 'Beta')}
export async function viaHelper(): Promise<void> { await gamma.runExclusive(async () => { await middle(); }); }`,
  'src/s/middle.ts': `import { helper } from './helper';
export async function middle(): Promise<void> { await helper(); }`,
  'src/s/helper.ts': `export async function helper(): Promise<void> { await Promise.resolve(); }`,
};

describe('incremental lock-order graph: an edit replaces the parts of the functions it reaches, and the graph is the cold one', () => {
  it('witnesses placed among those of untouched files, edges and cycles that appear and disappear, positions that move', () => {
    const project = new EditableProject('lock-order-edits', files);
    let warm = step(project, 'src/q/second.ts', 'first version');
    expect(witnessFiles(warm, 'alpha', 'Beta')).toEqual(['src/p/first.ts#first', 'src/q/second.ts#second', 'src/r/third.ts#third']);

    // a new function in the middle file: its witness goes between the other files'
    project.edit('src/q/second.ts', (t) => `${t}\n${nested('secondAgain', 'alpha', 'Beta')}`);
    warm = step(project, 'src/q/second.ts', 'a witness added in the middle');
    expect(witnessFiles(warm, 'alpha', 'Beta')).toEqual(['src/p/first.ts#first', 'src/q/second.ts#second', 'src/q/second.ts#secondAgain', 'src/r/third.ts#third']);

    // a function before it goes: the remaining ones keep their order
    project.edit('src/q/second.ts', (t) => t.replace('export function before(): number { return 2; }\n', ''));
    warm = step(project, 'src/q/second.ts', 'a function of the middle file removed');

    // an edge in the other direction: a cycle, reported in every file that makes one of its edges
    project.edit('src/r/third.ts', (t) => `${t}\n${nested('reversed', 'Beta', 'alpha')}`);
    warm = step(project, 'src/r/third.ts', 'an inversion appears');
    expect(lockOrderGraphData(warm).cycles).toHaveLength(1);
    expect(findingLines(warm).filter((l) => l.startsWith('lockwise/consistent-lock-order ')).map((l) => l.split(' ')[1]!.split(':')[0])).toEqual([
      'src/p/first.ts',
      'src/q/second.ts',
      'src/q/second.ts',
      'src/r/third.ts',
      'src/r/third.ts',
    ]);

    // every position of the middle file moves: its witnesses, and the traces of the others' findings, with it
    project.edit('src/q/second.ts', (t) => `// moved\n\n${t}`);
    warm = step(project, 'src/q/second.ts', 'the middle file moved');

    // a witness moves to another edge (a new lock node, sorted among the others)
    project.edit('src/p/first.ts', (t) => t.replace("import { alpha, Beta } from '../locks';", "import { alpha, Beta, gamma } from '../locks';").replace('await Beta.runExclusive', 'await gamma.runExclusive'));
    warm = step(project, 'src/p/first.ts', 'a witness moves to a new edge');
    expect(witnessFiles(warm, 'alpha', 'gamma')).toEqual(['src/p/first.ts#first']);
    expect(lockOrderGraphData(warm).nodes.map((n) => n.id)).toEqual(['src/locks.ts#alpha', 'src/locks.ts#Beta', 'src/locks.ts#gamma']);

    // the inversion goes, and so does the cycle; then the new edge and its lock node
    project.edit('src/r/third.ts', (t) => t.replace(`\n${nested('reversed', 'Beta', 'alpha')}`, ''));
    warm = step(project, 'src/r/third.ts', 'the inversion goes');
    expect(lockOrderGraphData(warm).cycles).toEqual([]);
    project.edit('src/p/first.ts', (t) => t.replace('await gamma.runExclusive', 'await alpha.runExclusive'));
    warm = step(project, 'src/p/first.ts', 'an edge and a node go');
    expect(lockOrderGraphData(warm).nodes.map((n) => n.id)).toEqual(['src/locks.ts#alpha', 'src/locks.ts#Beta']);

    // a callee two files down starts acquiring: an edge made in a file not walked again appears, and goes
    project.edit('src/s/helper.ts', (t) => `import { alpha } from '../locks';\n${t.replace('await Promise.resolve();', 'await alpha.runExclusive(async () => {});')}`);
    warm = step(project, 'src/s/helper.ts', 'an edge made by an untouched caller');
    expect(witnessFiles(warm, 'gamma', 'alpha')).toEqual(['src/r/third.ts#viaHelper']);
    project.edit('src/s/helper.ts', () => files['src/s/helper.ts']);
    warm = step(project, 'src/s/helper.ts', 'the callee no longer acquires');
    expect(witnessFiles(warm, 'gamma', 'alpha')).toEqual([]);
  });

  it('an import that changes the order of the program files: witnesses of untouched files change places', () => {
    const project = new EditableProject('lock-order-files', files);
    let warm = step(project, 'src/app/entry.ts', 'first version');
    expect(witnessFiles(warm, 'alpha', 'Beta')).toEqual(['src/p/first.ts#first', 'src/q/second.ts#second', 'src/r/third.ts#third']);
    // third.ts is now found before first.ts and second.ts, neither of them edited
    project.edit('src/app/entry.ts', (t) => `import '../r/third';\n${t}`);
    warm = step(project, 'src/app/entry.ts', 'an import moves a file earlier', true);
    expect(witnessFiles(warm, 'alpha', 'Beta')).toEqual(['src/r/third.ts#third', 'src/p/first.ts#first', 'src/q/second.ts#second']);
    project.edit('src/app/entry.ts', (t) => t.replace("import '../r/third';\n", ''));
    step(project, 'src/app/entry.ts', 'and back', true);
  });
});
