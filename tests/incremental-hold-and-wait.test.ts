import type ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { analyzeProgram, holdAndWait, type Analysis, type ChainLink } from '@lockwise/analyzer';
import { holdAndWaitCounters } from '../packages/analyzer/src/queries/hold-and-wait.js';
import { EditableProject, findingLines } from './support/editable-project.js';

/**
 * Hold-and-wait carries what each function waits to acquire, the entry gates and the events from
 * one program version to the next. Each step here compares the warm result with one computed
 * from nothing (its own cache slot, fresh each time) and checks what was reused.
 */
let colds = 0;

/** An analysis of the program that reuses nothing: options no earlier analysis had. */
function coldAnalysis(project: EditableProject, program: ts.Program): Analysis {
  return analyzeProgram(program, { rootDir: project.rootDir, locks: { reentrant: [`(no such lock ${colds++})`] } });
}

function versions(project: EditableProject): { warm: Analysis; cold: Analysis } {
  const program = project.nextProgram();
  return { warm: analyzeProgram(program, { rootDir: project.rootDir }), cold: coldAnalysis(project, program) };
}

/** Everything the query answers, as comparable text: places, chains, gates, and the events in their order. */
function digest(analysis: Analysis) {
  const result = holdAndWait(analysis);
  const at = (node: ts.Node) => {
    const l = analysis.location(node);
    return `${analysis.relativePath(l.file)}:${l.line}:${l.column}`;
  };
  const chain = (links: ChainLink[]) => links.map((l) => `${l.from}@${at(l.call)}>${l.to ?? l.operation}`).join(' ');
  return {
    acquisitions: [...result.acquisitions]
      .filter(([, m]) => m.size > 0)
      .map(([key, m]) => `${key}: ${[...m].map(([id, a]) => `${id.replace(/\0/g, '|')} ${a.api} at ${at(a.at)} released [${a.releasedBefore.map((r) => r.id)}] via ${chain(a.chain)}`).join('; ')}`)
      .sort(),
    gates: [...result.entryGates].filter(([, g]) => g.size > 0).map(([key, g]) => `${key}: ${[...g].sort()}`).sort(),
    events: result.events.map(
      (e) =>
        `${e.function} ${at(e.site.node)} holds ${e.held.lock.id}@${at(e.held.acquiredAt)} ${e.heldInstance}${e.heldShared ? ' shared' : ''} waits ${e.acquisition.lock.id} ${e.acquisition.instance} via ${chain(e.acquisition.chain)} gates [${[...e.gates].sort()}]`,
    ),
  };
}

function expectSame(warm: Analysis, cold: Analysis, step: string) {
  expect(digest(warm), step).toEqual(digest(cold));
  expect(findingLines(warm), step).toEqual(findingLines(cold));
}

const lockOrder = (analysis: Analysis) => findingLines(analysis).filter((line) => line.startsWith('lockwise/consistent-lock-order '));

const threeFiles = {
  'src/a/alpha.ts': `import { Mutex } from 'async-mutex';
import { beta } from '../b/beta';
export const alphaLock = new Mutex();
export async function alpha(): Promise<void> {
  await alphaLock.runExclusive(async () => { await beta(); });
}
export async function alphaOnly(): Promise<void> {
  await alphaLock.runExclusive(async () => {});
}`,
  'src/b/beta.ts': `import { Mutex } from 'async-mutex';
import { gamma } from '../c/gamma';
export const betaLock = new Mutex();
export async function beta(): Promise<void> {
  await betaLock.runExclusive(async () => { await gamma(); });
}`,
  'src/c/gamma.ts': `import { Mutex } from 'async-mutex';
import { alphaOnly } from '../a/alpha';
export const gammaLock = new Mutex();
export async function gamma(): Promise<void> {
  await gammaLock.runExclusive(async () => { await work(); });
}
async function work(): Promise<void> {}
export const keep = alphaOnly;`,
  'src/d/unrelated.ts': `export function unrelated(): number { return 1; }`,
};

describe('incremental hold-and-wait: an edit recomputes what it reaches, and the result is the cold one', () => {
  it('a lock-order cycle through three files appears and disappears with an edit of one of them', () => {
    const project = new EditableProject('hw-cycle', threeFiles);
    let { warm, cold } = versions(project);
    expectSame(warm, cold, 'first version');
    expect(lockOrder(warm)).toEqual([]);

    project.edit('src/c/gamma.ts', (t) => t.replace('await work();', 'await alphaOnly();'));
    ({ warm, cold } = versions(project));
    expectSame(warm, cold, 'cycle closed');
    // reported where each edge is made: two of the three files were not touched by the edit
    expect([...new Set(lockOrder(warm).map((line) => line.split(' ')[1]!.split(':')[0]))]).toEqual(['src/a/alpha.ts', 'src/b/beta.ts', 'src/c/gamma.ts']);
    expect(lockOrder(warm).some((line) => line.includes('Lock order cycle'))).toBe(true);

    project.edit('src/c/gamma.ts', (t) => `// moved\n${t}`);
    ({ warm, cold } = versions(project));
    expectSame(warm, cold, 'every position of gamma.ts moved');

    project.edit('src/c/gamma.ts', () => threeFiles['src/c/gamma.ts']);
    ({ warm, cold } = versions(project));
    expectSame(warm, cold, 'cycle opened again');
    expect(lockOrder(warm)).toEqual([]);
  });

  it('a callee edited two files down: the events of an untouched caller are recomputed with the new nodes', () => {
    const project = new EditableProject('hw-callee', threeFiles);
    let { warm } = versions(project);
    // alpha.ts imports beta.ts only: an edit of gamma.ts does not walk it again
    const waitsForGamma = (a: Analysis) => holdAndWait(a, scopeOf(a, 'src/a/alpha.ts')).events.find((e) => e.acquisition.lock.id === 'src/c/gamma.ts#gammaLock')!;
    const before = waitsForGamma(warm);
    expect(before.held.lock.id).toBe('src/a/alpha.ts#alphaLock');

    project.edit('src/c/gamma.ts', (t) => `// moved\n${t}`);
    let cold: Analysis;
    ({ warm, cold } = versions(project));
    expectSame(warm, cold, 'gamma.ts moved');
    const after = waitsForGamma(warm);
    expect(after.site).toBe(before.site);
    expect(after.acquisition.at.getSourceFile()).toBe(warm.program.getSourceFile(`${project.rootDir}/src/c/gamma.ts`));
    expect(warm.location(after.acquisition.at).line).toBe(6);
  });

  it('an untouched file keeps its events (the same objects) when an edit reaches nothing of it', () => {
    const project = new EditableProject('hw-reuse', threeFiles);
    let { warm } = versions(project);
    const scope = () => scopeOf(warm, 'src/b/beta.ts');
    const before = holdAndWait(warm, scope()).events;
    const acquisitions = holdAndWait(warm).acquisitions.get('src/b/beta.ts#beta');
    expect(before).toHaveLength(1);

    project.edit('src/d/unrelated.ts', (t) => `// moved\n${t}`);
    const counted = { ...holdAndWaitCounters };
    ({ warm } = versions(project));
    const after = holdAndWait(warm, scope()).events;
    expect(after[0]).toBe(before[0]);
    expect(holdAndWait(warm).acquisitions.get('src/b/beta.ts#beta')!.values().next().value).toBe(acquisitions!.values().next().value);
    // the edited file's functions (its top level and `unrelated`), nothing else
    expect(holdAndWaitCounters.acquisitionsComputed - counted.acquisitionsComputed).toBe(2);
    expect(holdAndWaitCounters.eventsComputed - counted.eventsComputed).toBe(2);
  });

  it('entry gates change two calls below a caller edited in another file, and so do the events there', () => {
    const project = new EditableProject('hw-gates', {
      'src/core/gate.ts': `import { Mutex } from 'async-mutex';\nexport const gate = new Mutex();`,
      'src/core/locks.ts': `import { Mutex } from 'async-mutex';\nexport const first = new Mutex();\nexport const second = new Mutex();`,
      'src/core/deep.ts': `import { first, second } from './locks';
export async function deeper(): Promise<void> { await second.runExclusive(async () => { await first.runExclusive(async () => {}); }); }`,
      'src/core/work.ts': `import { first, second } from './locks';
import { deeper } from './deep';
export async function nested(): Promise<void> { await first.runExclusive(async () => { await second.runExclusive(async () => {}); }); }
export async function reversed(): Promise<void> { await deeper(); }`,
      'src/api/entry.ts': `import { gate } from '../core/gate';
import { nested, reversed } from '../core/work';
export async function run(): Promise<void> { await gate.runExclusive(async () => { await nested(); await reversed(); }); }`,
    });
    const gatesOf = (a: Analysis, key: string) => [...holdAndWait(a).entryGates.get(key)!];
    let { warm, cold } = versions(project);
    expectSame(warm, cold, 'every path gated');
    expect(gatesOf(warm, 'src/core/deep.ts#deeper')).toEqual(['src/core/gate.ts#gate']);
    expect(lockOrder(warm)).toEqual([]);

    project.edit('src/api/entry.ts', (t) => `${t}\nexport async function loose(): Promise<void> { await reversed(); }`);
    ({ warm, cold } = versions(project));
    expectSame(warm, cold, 'an ungated caller added');
    expect(gatesOf(warm, 'src/core/deep.ts#deeper')).toEqual([]);
    expect(gatesOf(warm, 'src/core/work.ts#nested')).toEqual(['src/core/gate.ts#gate']);
    // deep.ts was not walked again: the inversion it makes is now reported there
    expect(lockOrder(warm).map((line) => line.split(' ')[1]!.split(':')[0])).toContain('src/core/deep.ts');

    project.edit('src/api/entry.ts', (t) => t.replace('loose(): Promise<void> { await reversed(); }', 'loose(): Promise<void> { await gate.runExclusive(() => reversed()); }'));
    ({ warm, cold } = versions(project));
    expectSame(warm, cold, 'the new caller gated too');
    expect(gatesOf(warm, 'src/core/deep.ts#deeper')).toEqual(['src/core/gate.ts#gate']);
    expect(lockOrder(warm)).toEqual([]);
  });

  it('a listener registered in another file changes what an untouched emitter call waits for', () => {
    const project = new EditableProject('hw-stored', {
      'src/bus/bus.ts': `export class Bus {
  private handlers: (() => Promise<void>)[] = [];
  on(handler: () => Promise<void>): void { this.handlers.push(handler); }
  async emit(): Promise<void> { for (const h of this.handlers) await h(); }
}
export const bus = new Bus();`,
      'src/app/publish.ts': `import { Mutex } from 'async-mutex';
import { bus } from '../bus/bus';
export const outer = new Mutex();
export async function publish(): Promise<void> { await outer.runExclusive(async () => { await bus.emit(); }); }`,
      'src/app/listen.ts': `import { Mutex } from 'async-mutex';
import { bus } from '../bus/bus';
export const inner = new Mutex();
export async function onEvent(): Promise<void> { await Promise.resolve(); }
bus.on(onEvent);`,
    });
    let { warm, cold } = versions(project);
    expectSame(warm, cold, 'a listener without a lock');

    project.edit('src/app/listen.ts', (t) => t.replace('await Promise.resolve();', 'await inner.runExclusive(async () => {});'));
    ({ warm, cold } = versions(project));
    expectSame(warm, cold, 'the listener takes a lock');
    const waits = (a: Analysis) => holdAndWait(a, scopeOf(a, 'src/app/publish.ts')).events.map((e) => `${e.held.lock.id} ${e.acquisition.lock.id}`);
    expect(waits(warm)).toContain('src/app/publish.ts#outer src/app/listen.ts#inner');

    project.edit('src/app/listen.ts', (t) => t.replace('bus.on(onEvent);', ''));
    ({ warm, cold } = versions(project));
    expectSame(warm, cold, 'the listener no longer registered');
    expect(waits(warm)).not.toContain('src/app/publish.ts#outer src/app/listen.ts#inner');
  });

  it('recursion through two files: an acquisition appears and disappears in the whole cycle', () => {
    const project = new EditableProject('hw-recursion', {
      'src/a/ping.ts': `import { Mutex } from 'async-mutex';
import { pong } from '../b/pong';
export const held = new Mutex();
export async function ping(n: number): Promise<void> { if (n > 0) await pong(n - 1); }
export async function start(): Promise<void> { await held.runExclusive(async () => { await ping(3); }); }`,
      'src/b/pong.ts': `import { Mutex } from 'async-mutex';
import { ping } from '../a/ping';
export const taken = new Mutex();
export async function pong(n: number): Promise<void> { if (n > 0) await ping(n - 1); }`,
    });
    let { warm, cold } = versions(project);
    expectSame(warm, cold, 'no acquisition in the cycle');

    project.edit('src/b/pong.ts', (t) => t.replace('if (n > 0) await ping(n - 1);', 'await taken.runExclusive(async () => {}); if (n > 0) await ping(n - 1);'));
    ({ warm, cold } = versions(project));
    expectSame(warm, cold, 'pong acquires');
    expect(holdAndWait(warm).acquisitions.get('src/a/ping.ts#ping')!.size).toBe(1);

    project.edit('src/b/pong.ts', (t) => t.replace('await taken.runExclusive(async () => {}); ', ''));
    ({ warm, cold } = versions(project));
    expectSame(warm, cold, 'pong no longer acquires');
    expect(holdAndWait(warm).acquisitions.get('src/a/ping.ts#ping')!.size).toBe(0);
  });
});

function scopeOf(analysis: Analysis, file: string): Set<ts.SourceFile> {
  return new Set(analysis.sourceFiles.filter((sf) => analysis.relativePath(sf.fileName) === file));
}

/** Edits of fixture projects that keep a file's lock structure but move every position, or change what it waits for. */
const EDITS: ((text: string) => string | undefined)[] = [
  (text) => `// edited\n${text}`,
  (text) => (text.includes('await ') ? text.replace('await ', '') : undefined),
  (text) => {
    const match = /\.(acquire|runExclusive|lock)\(/.exec(text);
    return match ? `${text.slice(0, match.index)}.toString(${text.slice(match.index + match[0].length)}` : undefined;
  },
];

describe('incremental hold-and-wait over fixture projects: every answer is the cold one, edit after edit', () => {
  for (const [dir, files] of [['fixtures/demo-app', 1], ['fixtures/scenarios/deadlock-three-files', 3]] as const) {
    it(dir, { timeout: 300_000 }, () => {
      const project = EditableProject.fromFixture(`hw-${dir.replace(/\W/g, '-')}`, dir);
      let { warm, cold } = versions(project);
      expect(digest(warm)).toEqual(digest(cold));
      expect(digest(cold).events.length).toBeGreaterThan(0);
      const busiest = project.files.sort((a, b) => (project.text(b).match(/acquire|runExclusive/g)?.length ?? 0) - (project.text(a).match(/acquire|runExclusive/g)?.length ?? 0)).slice(0, files);
      for (const file of busiest) {
        const original = project.text(file);
        for (const [i, edit] of EDITS.entries()) {
          const changed = edit(original);
          if (changed === undefined) continue;
          project.edit(file, () => changed);
          ({ warm, cold } = versions(project));
          expect(digest(warm), `${file}: edit ${i}`).toEqual(digest(cold));
          project.edit(file, () => original);
          ({ warm, cold } = versions(project));
          expect(digest(warm), `${file}: edit ${i}, put back`).toEqual(digest(cold));
        }
      }
    });
  }
});
