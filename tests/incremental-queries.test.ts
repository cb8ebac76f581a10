import { describe, expect, it } from 'vitest';
import ts from 'typescript';
import {
  carriedMustHoldOnEntry,
  mustHoldOnEntry,
  callSiteAt,
  deferredParam,
  deferredParams,
  factsByFile,
  programAnnotations,
  stateWriters,
  stateWritersOf,
  storedCallbackTargets,
  type Analysis,
} from '@lockwise/analyzer';
import { allRules, runRule, withDefaults } from '@lockwise/rules';
import { EditableProject } from './support/editable-project.js';
import { referenceDeferredParams, referenceStoredCallbackTargets } from './support/reference-queries.js';

/**
 * The queries an editor's re-lint asks about one file keep per-file indexes across program
 * versions (keyed by a file's facts, which a reused walk keeps) or answer lazily from the part of
 * the program that decides the answer. Each must answer what a computation from scratch of the
 * whole program answers: checked here version after version, against a cold analysis of the same
 * program and against the whole-program computations they replaced.
 */

const name = (analysis: Analysis, node: ts.Node) => {
  const { file, line, column } = analysis.location(node);
  return `${analysis.relativePath(file)}:${line}:${column}`;
};

function deferredLines(analysis: Analysis, params: ReadonlyMap<string, ReadonlyMap<number, { how: string; chain: { from: string; call: ts.Node; to?: string; operation?: string }[] }>>): string[] {
  const lines: string[] = [];
  for (const [fn, byIndex] of params) {
    for (const [index, p] of byIndex) {
      lines.push(`${fn}(${index}) ${p.how} ${p.chain.map((l) => `${l.from}@${name(analysis, l.call)}>${l.to ?? l.operation}`).join(' ')}`);
    }
  }
  return lines.sort();
}

function storedLines(analysis: Analysis, stored: ReadonlyMap<{ node: ts.Node; caller: string }, readonly string[]>): string[] {
  return [...stored].map(([site, targets]) => `${site.caller}@${name(analysis, site.node)} ${[...targets].sort().join(',')}`).sort();
}

/** Every query of this change, answered by `analysis`, as comparable lines. */
function queryLines(analysis: Analysis): string[] {
  const lines: string[] = [];
  // the grouping by file, in the facts' order
  for (const [file, facts] of factsByFile(analysis)) lines.push(`file ${analysis.relativePath(file.fileName)}: ${facts.map((f) => f.info.key).join(' ')}`);
  lines.sort();
  // lazily, one parameter at a time, before anything computed the whole map
  for (const facts of analysis.facts.values()) {
    for (const site of facts.calls) {
      for (const target of site.targets) {
        for (const cb of site.callbackArgs) {
          const p = deferredParam(analysis, target, cb.argIndex);
          if (p) lines.push(`lazy ${target}(${cb.argIndex}) ${p.how}`);
        }
      }
      if (callSiteAt(analysis, site.node) !== site) lines.push(`call site index misses ${name(analysis, site.node)}`);
    }
  }
  lines.push(...deferredLines(analysis, deferredParams(analysis)).map((l) => `deferred ${l}`));
  lines.push(...storedLines(analysis, storedCallbackTargets(analysis)).map((l) => `stored ${l}`));
  for (const [base, writers] of stateWriters(analysis)) {
    const lazy = stateWritersOf(analysis, base);
    lines.push(`writers ${base}: ${writers.map((w) => `${w.function.key}@${name(analysis, w.access.node)}[${w.heldOnEntry.join(',')}]`).join(' ')}`);
    if (lazy.length !== writers.length || lazy.some((w, i) => w.access !== writers[i]!.access || w.heldOnEntry.join() !== writers[i]!.heldOnEntry.join())) lines.push(`writers of ${base} differ`);
  }
  for (const [id, lock] of analysis.locks) lines.push(`lock ${id} ${JSON.stringify({ ...lock, declaredAt: lock.declaredAt && analysis.relativePath(lock.declaredAt.file) + lock.declaredAt.line, acquireSites: lock.acquireSites.map((s) => `${analysis.relativePath(s.file)}:${s.line}:${s.column}`) })}`);
  // what every caller holds, carried with assumptions of its own, against a computation from scratch
  const assumed = (key: string) => (key.includes('prune') ? ['SessionManager#mutex'] : []);
  const carried = carriedMustHoldOnEntry(analysis, 'test', assumed, 'prune holds SessionManager#mutex');
  const scratch = mustHoldOnEntry(analysis, assumed);
  for (const [key, locks] of scratch) {
    lines.push(`must ${key}: ${[...locks].sort().join(',')}`);
    if ([...(carried.get(key) ?? [])].sort().join() !== [...locks].sort().join()) lines.push(`carried must of ${key} differs`);
  }
  if (carried.size !== scratch.size) lines.push('carried must has other functions');
  const annotations = programAnnotations(analysis);
  for (const a of annotations.all) lines.push(`annotation @${a.kind} ${name(analysis, a.tag)} ${JSON.stringify(a.refs)}`);
  for (const [key, list] of annotations.functions) lines.push(`annotated ${key} ${list.map((a) => a.kind).join(',')}`);
  for (const [state, g] of annotations.guarded) lines.push(`guarded ${state} ${g.name} ${JSON.stringify(g.annotation.refs)}`);
  return lines;
}

/** Per file, every rule's findings asked for that file alone, as the editor asks. */
function scopedLines(analysis: Analysis): string[] {
  const lines: string[] = [];
  for (const file of analysis.sourceFiles) {
    for (const rule of allRules) {
      const result = runRule(analysis, rule, withDefaults(rule, undefined), undefined, new Set([file]));
      for (const f of result.findings) {
        lines.push(`${f.ruleId} ${analysis.relativePath(f.location.file)}:${f.location.line}:${f.location.column} ${f.message} ${JSON.stringify(f.trace.map((s) => `${analysis.relativePath(s.location.file)}:${s.location.line} ${s.message}`))}`);
      }
      for (const a of result.acknowledgements) lines.push(`ack ${a.ruleId} ${analysis.relativePath(a.location.file)}:${a.location.line}:${a.location.column} ${a.by}`);
    }
  }
  return lines.sort();
}

/** Whole-program answers of the queries they replaced, on a cold analysis. */
function referenceLines(analysis: Analysis): string[] {
  return [
    ...deferredLines(analysis, referenceDeferredParams(analysis)).map((l) => `deferred ${l}`),
    ...storedLines(analysis, referenceStoredCallbackTargets(analysis)).map((l) => `stored ${l}`),
  ];
}

function expectSameAnswers(project: EditableProject, step: string): void {
  const { warm, cold } = project.analyseBothWays();
  const coldLines = queryLines(cold);
  expect(queryLines(warm), `${step}: queries`).toEqual(coldLines);
  const answered = coldLines.filter((l) => l.startsWith('deferred ') || l.startsWith('stored '));
  expect(answered, `${step}: against the whole-program queries`).toEqual(referenceLines(cold));
  expect(scopedLines(warm), `${step}: scoped findings`).toEqual(scopedLines(cold));
}

const FIXTURES = ['fixtures/demo-app', 'fixtures/editor', 'fixtures/libraries'];

describe('incremental queries answer what the whole program answers', () => {
  for (const fixture of FIXTURES) {
    it(`${fixture}, edit after edit`, () => {
      const project = EditableProject.fromFixture(`queries-${fixture.replace(/\W/g, '-')}`, fixture);
      expectSameAnswers(project, 'first version');
      const files = project.files
        .sort((a, b) => (project.text(b).match(/acquire|runExclusive|await|setTimeout|\.on\(/g)?.length ?? 0) - (project.text(a).match(/acquire|runExclusive|await|setTimeout|\.on\(/g)?.length ?? 0))
        .slice(0, 2);
      for (const file of files) {
        const original = project.text(file);
        project.edit(file, (text) => `// every position moves\n${text}`);
        expectSameAnswers(project, `${file} moved`);
        project.edit(file, (text) => text.replace(/await /, ''));
        expectSameAnswers(project, `${file} lost an await`);
        project.edit(file, () => original);
        expectSameAnswers(project, `${file} put back`);
      }
    });
  }
});

const LOCKED = `import { Mutex } from 'async-mutex';
import { Bus } from './bus.js';
import { later } from './defer.js';
export class Store {
  private readonly mu = new Mutex();
  private count = 0;
  constructor(private readonly bus: Bus) {}
  async save(): Promise<void> {
    await this.mu.runExclusive(async () => {
      later(() => { this.count += 1; });
      this.bus.publish(1);
    });
  }
}
`;

describe('answers that depend on another file follow its edits', () => {
  it('a guarded helper whose callers, in another file, stop holding its lock', () => {
    const project = new EditableProject('queries-must-hold', {
      'src/store/counter.ts': `import { Mutex } from 'async-mutex';
export class Counter {
  readonly mu = new Mutex();
  /** @guardedBy mu */
  private count = 0;
  bump(): void { this.count += 1; }
  twice(): void { this.bump(); this.bump(); }
}
`,
      'src/app/use.ts': `import { Counter } from '../store/counter.js';
export async function first(c: Counter): Promise<void> { await c.mu.runExclusive(() => c.twice()); }
export async function second(c: Counter): Promise<void> { await c.mu.runExclusive(() => { c.bump(); }); }
`,
    });
    const guarded = () => scopedLines(project.analyseBothWays().warm).filter((l) => l.includes('guarded-access'));
    expectSameAnswers(project, 'every caller holds the lock');
    expect(guarded()).toEqual([]);
    project.edit('src/app/use.ts', (text) => text.replace('await c.mu.runExclusive(() => { c.bump(); });', 'c.bump();'));
    expectSameAnswers(project, 'one caller stops holding it');
    expect(guarded().join('\n')).toContain('writes `Counter#count` without holding');
    project.edit('src/app/use.ts', (text) => text.replace('c.bump();', 'await c.mu.runExclusive(() => { c.bump(); });'));
    expectSameAnswers(project, 'it holds it again');
    expect(guarded()).toEqual([]);
  });

  const sources = {
    'src/app/store.ts': LOCKED,
    'src/util/defer.ts': `export function later(fn: () => void): void { queue(fn); }
function queue(fn: () => void): void { setTimeout(fn, 0); }
`,
    'src/bus/bus.ts': `export class Bus {
  private readonly handlers: ((n: number) => Promise<void>)[] = [];
  on(handler: (n: number) => Promise<void>): void { this.handlers.push(handler); }
  async publish(n: number): Promise<void> { for (const h of this.handlers) await h(n); }
}
`,
    'src/app/listen.ts': `import { Bus } from '../bus/bus.js';
export function listen(bus: Bus): void {
  bus.on(async (n) => { await fetch('x' + n); });
}
`,
  };
  const files = Object.fromEntries(Object.entries(sources).map(([f, t]) => [f, t.replace("'./bus.js'", "'../bus/bus.js'").replace("'./defer.js'", "'../util/defer.js'")]));

  it('a helper that stops deferring its callback (two calls away, in another file)', () => {
    const project = new EditableProject('queries-deferred', files);
    expectSameAnswers(project, 'deferred through two helpers');
    const { warm } = project.analyseBothWays();
    expect(deferredParam(warm, 'src/app/store.ts#Store.save', 0)).toBeUndefined();
    expect(deferredParam(warm, 'src/util/defer.ts#later', 0)?.how).toContain('setTimeout');
    project.edit('src/util/defer.ts', (text) => text.replace('setTimeout(fn, 0)', 'fn()'));
    expectSameAnswers(project, 'the inner helper runs it at once');
    expect(deferredParam(project.analyseBothWays().warm, 'src/util/defer.ts#later', 0)).toBeUndefined();
    project.edit('src/util/defer.ts', (text) => text.replace('fn()', 'setTimeout(fn, 0)'));
    expectSameAnswers(project, 'deferring again');
    // the program's order of files changes: listen.ts is now found (and walked) before the others
    const order = () => project.analyseBothWays().warm.sourceFiles.map((sf) => sf.fileName.split('/').pop()).join(' ');
    const before = order();
    project.edit('src/app/store.ts', (text) => `import '../app/listen.js';\n${text}`);
    expectSameAnswers(project, 'an import moves a file earlier');
    expect(order()).not.toEqual(before);
    project.edit('src/app/store.ts', (text) => text.replace("import '../app/listen.js';\n", ''));
    expectSameAnswers(project, 'and back');
  });

  it('a listener registered in one file and run by a call in another', () => {
    const project = new EditableProject('queries-stored', files);
    expectSameAnswers(project, 'registered');
    const stored = () => storedLines(project.analyseBothWays().warm, storedCallbackTargets(project.analyseBothWays().warm));
    expect(stored().join('\n')).toContain('src/app/listen.ts');
    // the registering file changes: its callback is a new function
    project.edit('src/app/listen.ts', (text) => `// moved\n${text}`);
    expectSameAnswers(project, 'the registering file moved');
    // the registering call goes
    project.edit('src/app/listen.ts', (text) => text.replace('bus.on(', 'void ('));
    expectSameAnswers(project, 'no longer registered');
    expect(stored()).toEqual([]);
    project.edit('src/app/listen.ts', (text) => text.replace('void (', 'bus.on('));
    expectSameAnswers(project, 'registered again');
    // the container's file changes: the field is a new node
    project.edit('src/bus/bus.ts', (text) => `// moved\n${text}`);
    expectSameAnswers(project, 'the bus moved');
    expect(stored().join('\n')).toContain('src/app/listen.ts');
  });
});
