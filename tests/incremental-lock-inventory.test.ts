import { describe, expect, it } from 'vitest';
import type ts from 'typescript';
import { storedCallbackTargets, type Analysis, type CallSite } from '@lockwise/analyzer';
import { EditableProject, findingLines } from './support/editable-project.js';
import { referenceStoredCallbackTargets } from './support/reference-queries.js';

/**
 * The lock inventory and the stored callbacks are carried from one program version to the next
 * and updated from what an edit changed: the inventory rebuilds the entries of the locks the
 * changed functions name (from the functions that name each), the stored callbacks re-read the
 * parts of the re-walked files and what their offers, stores and calls reach. After every edit,
 * the warm (editor) answers must be those of an analysis from scratch, in the same order.
 */

function place(analysis: Analysis, node: ts.Node): string {
  const { file, line, column } = analysis.location(node);
  return `${analysis.relativePath(file)}:${line}:${column}`;
}

/** The inventory in its map order, every field, with relative places. */
function inventoryLines(analysis: Analysis): string[] {
  return [...analysis.locks].map(([id, lock]) =>
    `${id} ${JSON.stringify({
      ...lock,
      declaredAt: lock.declaredAt && `${analysis.relativePath(lock.declaredAt.file)}:${lock.declaredAt.line}`,
      acquireSites: lock.acquireSites.map((s) => `${analysis.relativePath(s.file)}:${s.line}:${s.column}`),
    })}`,
  );
}

/** Each call that runs stored callbacks, with the callbacks in their order (not sorted: the order is part of the answer). */
function storedLines(analysis: Analysis, stored: ReadonlyMap<CallSite, readonly string[]>): string[] {
  return [...stored].map(([site, targets]) => `${site.caller}@${place(analysis, site.node)} ${targets.join(',')}`).sort();
}

function expectSameInventory(project: EditableProject, step: string): Analysis {
  const { warm, cold } = project.analyseBothWays();
  expect(inventoryLines(warm), `${step}: inventory`).toEqual(inventoryLines(cold));
  expect(findingLines(warm), `${step}: findings`).toEqual(findingLines(cold));
  return warm;
}

/** Every version is asked: what is carried comes from the version right before. */
function expectSameStored(project: EditableProject, step: string, functions?: string): string[] {
  const { warm, cold } = project.analyseBothWays();
  if (functions !== undefined) expect([...warm.facts.keys()].sort().join(), `${step}: the same functions`).toBe(functions);
  const lines = storedLines(cold, storedCallbackTargets(cold));
  expect(storedLines(warm, storedCallbackTargets(warm)), `${step}: stored callbacks`).toEqual(lines);
  expect(lines, `${step}: against the whole-program computation`).toEqual(storedLines(cold, referenceStoredCallbackTargets(cold)));
  expect(findingLines(warm), `${step}: findings`).toEqual(findingLines(cold));
  return lines;
}

/**
 * Replaces a callee keeping the width, so that the inline callbacks after it keep their keys
 * (an anonymous function is named by its position): the functions stay the same, in the same order.
 */
function swap(text: string, from: string, to: string): string {
  expect(to.length).toBeLessThanOrEqual(from.length);
  expect(text).toContain(from);
  return text.replace(from, to.padEnd(from.length, ' '));
}

const REQUEST = 'navigator.locks.request(';
const LATER = 'runLater(';

const entry = (analysis: Analysis, id: string) => inventoryLines(analysis).find((l) => l.startsWith(`${id} `)) ?? '';

const SHARED = "navigator.locks['shared']";
const FRESH = "navigator.locks['aaa']";
const MU = 'src/locks/lock.ts#mu';

const LOCKS = {
  'src/alpha/a.ts': `import { mu } from '../locks/lock';
export async function runLater(_name: string, fn: () => Promise<void>): Promise<void> {
  await fn();
}
export async function first(): Promise<void> {
  await navigator.locks.request('shared', async () => { await fetch('a'); });
}
export async function second(): Promise<void> {
  const release = await mu.acquire();
  release();
}
`,
  'src/beta/b.ts': `import { mu } from '../locks/lock';
import { runLater } from '../alpha/a';
export async function later(): Promise<void> {
  await navigator.locks.request('shared', async () => { await fetch('b'); });
  await mu.runExclusive(async () => { await fetch('c'); });
  await runLater(               'aaa', async () => { await fetch('d'); });
}
`,
  'src/delta/d.ts': `import { mu } from '../locks/lock';
import { keep } from '../gamma/keep';
export function hand(): void {
  keep(mu);
}
`,
  'src/gamma/keep.ts': `import type { Mutex } from 'async-mutex';
export function keep(lock: Mutex): void {
  void lock;
}
`,
  'src/locks/lock.ts': `import { Mutex } from 'async-mutex';
export const mu = new Mutex();
`,
  'src/zeta/z.ts': `export async function elsewhere(): Promise<void> {
  await navigator.locks.request('shared', async () => { await fetch('z'); });
}
`,
};

describe('incremental lock inventory: the entries of the locks an edit names are rebuilt from the functions that name them', () => {
  it('a lock first seen elsewhere, a lock handed on, an acquisition added and a lock that comes and goes', () => {
    const project = new EditableProject('inventory-edits', LOCKS);
    let warm = expectSameInventory(project, 'first version');
    // every edit below keeps the functions and their order: the inventory is updated, not built again
    const functions = [...warm.facts.keys()].join();
    const same = (analysis: Analysis) => expect([...analysis.facts.keys()].join()).toBe(functions);
    expect(entry(warm, SHARED)).toContain('"subsystem":"alpha"');
    expect(entry(warm, MU)).toContain('"subsystemsTouching":["alpha","beta","delta"]');

    // the first function to take the unnamed lock stops: the next one in the facts' order owns it
    project.edit('src/alpha/a.ts', (t) => swap(t, REQUEST, LATER));
    warm = expectSameInventory(project, 'the first taker stops');
    same(warm);
    expect(entry(warm, SHARED)).toContain('"subsystem":"beta"');
    project.edit('src/alpha/a.ts', (t) => swap(t, LATER.padEnd(REQUEST.length, ' '), REQUEST));
    warm = expectSameInventory(project, 'and takes it again');
    same(warm);
    expect(entry(warm, SHARED)).toContain('"subsystem":"alpha"');

    // a subsystem that only hands the lock on stops touching it, then touches it again
    project.edit('src/delta/d.ts', (t) => t.replace('keep(mu);', 'void keep;'));
    warm = expectSameInventory(project, 'no longer handed on');
    same(warm);
    expect(entry(warm, MU)).toContain('"subsystemsTouching":["alpha","beta"]');
    project.edit('src/delta/d.ts', (t) => t.replace('void keep;', 'keep(mu);'));
    warm = expectSameInventory(project, 'handed on again');
    same(warm);
    expect(entry(warm, MU)).toContain('"subsystemsTouching":["alpha","beta","delta"]');

    // an acquisition before the others, in a function that took nothing: first among the sites
    project.edit('src/alpha/a.ts', (t) => t.replace("await fetch('a');", "await fetch('a'); const r = await mu.acquire(); r();"));
    warm = expectSameInventory(project, 'an acquisition added');
    same(warm);
    expect(entry(warm, MU)).toMatch(/"acquireSites":\["src\/alpha\/a.ts:6:\d+","src\/alpha\/a.ts:9:\d+"/);
    project.edit('src/alpha/a.ts', (t) => t.replace(" const r = await mu.acquire(); r();", ''));
    warm = expectSameInventory(project, 'and removed');
    same(warm);

    // a new lock, sorted before the others, and gone again
    project.edit('src/beta/b.ts', (t) => swap(t, `${LATER}${' '.repeat(REQUEST.length - LATER.length)}'aaa'`, `${REQUEST}'aaa'`));
    warm = expectSameInventory(project, 'a new lock');
    same(warm);
    expect(inventoryLines(warm)[0]).toContain(FRESH);
    project.edit('src/beta/b.ts', (t) => swap(t, `${REQUEST}'aaa'`, `${LATER}'aaa'`));
    warm = expectSameInventory(project, 'the new lock goes');
    same(warm);
    expect(entry(warm, FRESH)).toBe('');
  });

  it('files that change places: an import moves a file that takes the lock before the first taker', () => {
    const project = new EditableProject('inventory-order', LOCKS);
    let warm = expectSameInventory(project, 'first version');
    expect(entry(warm, SHARED)).toContain('"subsystem":"alpha"');
    const functions = [...warm.facts.keys()].sort().join();
    // on the first line: no function moves within its file (an anonymous one is named by its line)
    project.edit('src/alpha/a.ts', (t) => `import '../zeta/z'; ${t}`);
    warm = expectSameInventory(project, 'zeta moved first');
    expect([...warm.facts.keys()].sort().join()).toBe(functions);
    expect(entry(warm, SHARED)).toContain('"subsystem":"zeta"');
    project.edit('src/alpha/a.ts', (t) => t.replace("import '../zeta/z'; ", ''));
    warm = expectSameInventory(project, 'and back');
    expect(entry(warm, SHARED)).toContain('"subsystem":"alpha"');
  });

  it('functions added and removed', () => {
    const project = new EditableProject('inventory-functions', LOCKS);
    expectSameInventory(project, 'first version');
    project.edit('src/beta/b.ts', (t) => `${t}export async function more(): Promise<void> {\n  await navigator.locks.request('shared', async () => {});\n}\n`);
    expectSameInventory(project, 'a function added');
    project.edit('src/beta/b.ts', (t) => t.slice(0, t.indexOf('export async function more')));
    expectSameInventory(project, 'and removed');
  });
});

const LISTENERS = {
  'src/app/zero.ts': `export const zero = 0;
`,
  'src/bus/bus.ts': `export class Bus {
  readonly handlers: ((n: number) => Promise<void>)[] = [];
  on(handler: (n: number) => Promise<void>): void { this.handlers.push(handler); }
  async publish(n: number): Promise<void> { for (const h of this.handlers) await h(n); }
}
`,
  'src/app/one.ts': `import { Bus } from '../bus/bus';
export function keepIt(_handler: (n: number) => Promise<void>): void {}
export function one(bus: Bus): void {
  bus.on(async (n) => { await fetch('1' + n); });
}
`,
  'src/app/two.ts': `import { Bus } from '../bus/bus';
import { keepIt } from './one';
async function handler(n: number): Promise<void> { await fetch('2' + n); }
export function two(bus: Bus): void {
  keepIt(handler);
}
`,
  'src/app/three.ts': `import { Bus } from '../bus/bus';
export function three(bus: Bus): void {
  bus.on(async (n) => { await fetch('3' + n); });
}
`,
  // a script: its binding is the program's, named without an import
  'src/shared/globals.ts': `const listeners: (() => void)[] = [];
`,
  'src/app/register.ts': `export function register(fn: () => void): void {
  listeners.push(fn);
}
`,
  'src/app/fire.ts': `export function fire(): void {
  for (const l of listeners) l();
}
`,
  'src/app/user.ts': `import { register } from './register';
export function use(): void {
  register(() => { void 0; });
}
`,
  // stores into a field of a class whose file it does not import
  'src/app/factory.ts': `import { Bus } from '../bus/bus';
export function makeBus(): Bus { return new Bus(); }
`,
  'src/app/direct.ts': `import { makeBus } from './factory';
export function subscribe(handler: (n: number) => Promise<void>): void {
  makeBus().handlers.push(handler);
}
export function direct(): void {
  subscribe(async (n) => { await fetch('4' + n); });
}
`,
};

describe('incremental stored callbacks: an edit re-reads the parts of the files it changed and what they reach', () => {
  it('a listener registered in a file between two others: the callbacks keep the program’s order', () => {
    const project = new EditableProject('stored-order', LISTENERS);
    let lines = expectSameStored(project, 'first version');
    expect(lines.join('\n')).toMatch(/Bus.publish@\S+ src\/app\/one.ts#[^,]+,src\/app\/three.ts#/);

    project.edit('src/app/two.ts', (t) => t.replace('keepIt(handler);', 'bus.on(handler);'));
    lines = expectSameStored(project, 'a listener registered in the middle');
    expect(lines.join('\n')).toMatch(/Bus.publish@\S+ src\/app\/one.ts#[^,]+,src\/app\/two.ts#handler,src\/app\/three.ts#/);

    project.edit('src/app/one.ts', (t) => t.replace('bus.on(', 'keepIt('));
    lines = expectSameStored(project, 'the first listener goes');
    expect(lines.join('\n')).toMatch(/Bus.publish@\S+ src\/app\/two.ts#handler,src\/app\/three.ts#/);
    project.edit('src/app/one.ts', (t) => t.replace('keepIt(async', 'bus.on(async'));
    expectSameStored(project, 'and comes back first');

    project.edit('src/app/two.ts', (t) => t.replace('bus.on(handler);', 'keepIt(handler);'));
    expectSameStored(project, 'the middle one goes');

    // an import in a file that registers nothing moves three.ts before one.ts: the same functions, in another order
    const functions = [...project.analyseBothWays().warm.facts.keys()].sort().join();
    expectSameStored(project, 'nothing changed');
    project.edit('src/app/zero.ts', (t) => `import './three'; ${t}`);
    lines = expectSameStored(project, 'the files change places', functions);
    expect(lines.join('\n')).toMatch(/Bus.publish@\S+ src\/app\/three.ts#[^,]+,src\/app\/one.ts#/);
    project.edit('src/app/zero.ts', (t) => t.replace("import './three'; ", ''));
    expectSameStored(project, 'and back');
    project.edit('src/bus/bus.ts', (t) => `// moved\n${t}`);
    lines = expectSameStored(project, 'the container is a new node');
    expect(lines.join('\n')).toContain('src/app/three.ts#');
  });

  it('a container declared in a file the storing file does not import: a field, a binding of a script', () => {
    const project = new EditableProject('stored-global', LISTENERS);
    let lines = expectSameStored(project, 'first version');
    expect(lines.join('\n')).toMatch(/src\/app\/fire.ts#fire@\S+ src\/app\/user.ts#/);
    project.edit('src/shared/globals.ts', (t) => `// moved\n${t}`);
    lines = expectSameStored(project, 'the binding is a new node');
    expect(lines.join('\n')).toMatch(/src\/app\/fire.ts#fire@\S+ src\/app\/user.ts#/);
    project.edit('src/app/register.ts', (t) => t.replace('listeners.push(fn);', 'void fn;'));
    lines = expectSameStored(project, 'no longer stored');
    expect(lines.join('\n')).not.toContain('fire.ts');
    project.edit('src/app/register.ts', (t) => t.replace('void fn;', 'listeners.push(fn);'));
    expectSameStored(project, 'stored again');
    expect(lines.join('\n')).toMatch(/Bus.publish@\S+ \S*src\/app\/direct.ts#direct/);
    project.edit('src/bus/bus.ts', (t) => `// moved\n${t}`);
    lines = expectSameStored(project, 'the field is a new node');
    expect(lines.join('\n')).toMatch(/Bus.publish@\S+ \S*src\/app\/direct.ts#direct/);
  });
});
