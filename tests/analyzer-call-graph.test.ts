import { describe, expect, it } from 'vitest';
import ts from 'typescript';
import { analyzeProgram } from '@lockwise/analyzer';
import { analyzeSources, programFromSources } from './support/virtual-program.js';
import { callIn, chainText, factsOf, summaryOf } from './support/facts.js';

const names = (a: ReturnType<typeof analyzeSources>, keys: string[]) => keys.map((k) => a.functions.get(k)?.name ?? k).sort();

/**
 * A program of one file, `src/app/main.ts`, whose checker has typed the first identifier named
 * `prime` before anything else: the order in which a checker meets types decides what it
 * reduces a union to, and an editor's checker meets them in another order than a full analysis's.
 */
function primedProgram(source: string, prime: string | undefined): { program: ts.Program; rootDir: string; sf: ts.SourceFile; checker: ts.TypeChecker } {
  const { program, rootDir } = programFromSources({ 'src/app/main.ts': source });
  const sf = program.getSourceFiles().find((f) => f.fileName.endsWith('src/app/main.ts'))!;
  const checker = program.getTypeChecker();
  let name: ts.Identifier | undefined;
  const visit = (node: ts.Node): void => {
    if (!name && ts.isIdentifier(node) && node.text === prime) name = node;
    ts.forEachChild(node, visit);
  };
  visit(sf);
  if (name) checker.getTypeAtLocation(name);
  return { program, rootDir, sf, checker };
}

/** The text of every call the checker is asked to resolve, from now on. */
function callsResolved(checker: ts.TypeChecker): string[] {
  const resolved: string[] = [];
  const getResolvedSignature = checker.getResolvedSignature;
  checker.getResolvedSignature = (node: ts.CallLikeExpression, ...rest: [ts.Signature[]?, number?]) => {
    resolved.push(node.getText());
    return getResolvedSignature.call(checker, node, ...rest);
  };
  return resolved;
}

describe('call graph', () => {
  it('resolves calls through re-exports, import * as, default imports and aliases', () => {
    const a = analyzeSources({
      'src/lib/impl.ts': `export async function save() {}
export default function load() {}
`,
      'src/lib/index.ts': `export { save as persist } from './impl.js';
export { default } from './impl.js';
`,
      'src/app/main.ts': `import * as lib from '../lib/index.js';
import load from '../lib/index.js';
import { persist } from '../lib/index.js';
const alias = persist;
export async function run() {
  await lib.persist();
  load();
  await alias();
}`,
    });
    expect(callIn(a, 'run', 'lib.persist').targets).toEqual(['src/lib/impl.ts#save']);
    expect(callIn(a, 'run', 'load').targets).toEqual(['src/lib/impl.ts#load']);
    expect(callIn(a, 'run', 'alias').targets).toEqual(['src/lib/impl.ts#save']);
  });

  it('a callee written as a choice (`a || b`, `a ?? b`, `c ? a : b`) may run every user function among its alternatives', () => {
    const a = analyzeSources({
      'src/app/timers.ts': `type Clear = (handle: number) => void;
const Immediate = {
  clear(handle: number): void {},
  set(cb: () => void): number { return 0; },
};
const { clear } = Immediate;
export async function fast(): Promise<void> {}
export async function slow(): Promise<void> { await fetch('https://example.com'); }
const provider: { delegate: { clear: Clear } | undefined } = { delegate: undefined };
export function stop(handle: number, pick: boolean): void {
  const { delegate } = provider;
  (delegate?.clear || clear)(handle);
  (delegate?.clear ?? Immediate.clear)(handle);
}
export async function run(pick: boolean): Promise<void> {
  await (pick ? fast : slow)();
}`,
    });
    // the delegate's type has no body: the call runs the default
    expect(callIn(a, 'stop', '(delegate?.clear || clear)').targets).toEqual(['src/app/timers.ts#Immediate.clear']);
    expect(callIn(a, 'stop', '(delegate?.clear ?? Immediate.clear)').targets).toEqual(['src/app/timers.ts#Immediate.clear']);
    expect(names(a, callIn(a, 'run', '(pick ? fast : slow)').targets)).toEqual(['fast', 'slow']);
    expect(summaryOf(a, 'run').mayBlock).toBeDefined();
  });

  it('a blocking call records that it returns a promise when its declaration says so, so rules need not type the call', () => {
    const a = analyzeSources({
      'src/app/io.ts': `import { execSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
export async function load(url: string): Promise<string> {
  const response = await fetch(url);
  const body = response.text();
  const file = readFile('/tmp/x', 'utf8');
  execSync('true');
  return (await body) + (await file);
}`,
    });
    const external = (callee: string) => callIn(a, 'load', callee).external;
    expect(external('response.text')).toMatchObject({ kind: 'blocking', returnsPromise: true });
    expect(external('readFile')).toMatchObject({ kind: 'blocking', returnsPromise: true });
    // not a promise: left to the checker if a rule asks
    expect(external('execSync')).toEqual({ kind: 'blocking', operation: expect.stringContaining('execSync') });
  });

  it('a method of a union-typed receiver resolves to the same declaration whichever member type the checker met first', () => {
    const files = (first: 'A' | 'B') => ({
      'src/app/a.ts': `export class A { m(): void {} }`,
      'src/app/b.ts': `export class B { m(): void {} }`,
      'src/app/use.ts': `import { A } from './a';
import { B } from './b';
export function first(x: ${first}): void { x.m(); }
export function run(x: A | B): void { x.m(); }`,
    });
    for (const first of ['A', 'B'] as const) {
      const a = analyzeSources(files(first));
      expect(callIn(a, 'run', 'x.m').targets).toEqual(['src/app/a.ts#A.m']);
    }
  });

  it('fans interface and abstract calls out to every implementation in the program', () => {
    const a = analyzeSources({
      'src/app/store.ts': `export interface Store { put(k: string): Promise<void>; }
export abstract class Base { abstract flush(): Promise<void>; }
export class Disk extends Base implements Store {
  async put(k: string) {}
  async flush() {}
}
export class Memory implements Store {
  async put(k: string) {}
}
export class Remote extends Base {
  async flush() {}
}
export async function use(s: Store, b: Base) {
  await s.put('k');
  await b.flush();
}`,
    });
    expect(names(a, callIn(a, 'use', 's.put').targets)).toEqual(['Disk.put', 'Memory.put']);
    expect(names(a, callIn(a, 'use', 'b.flush').targets)).toEqual(['Disk.flush', 'Remote.flush']);
  });

  it('makes callbacks edges: runExclusive, Promise.all(xs.map(cb)), then, forEach', () => {
    const a = analyzeSources({
      'src/app/main.ts': `import { Mutex } from 'async-mutex';
const mu = new Mutex();
async function step(x: number) { return x; }
export async function run(xs: number[]) {
  await mu.runExclusive(() => step(1));
  await Promise.all(xs.map((x) => step(x)));
  await step(2).then((v) => step(v));
  xs.forEach((x) => { void step(x); });
}`,
    });
    const run = factsOf(a, 'run');
    const callbackEdges = run.calls.flatMap((c) => c.callbackArgs.map((cb) => [c.calleeText, a.facts.get(cb.fn)!.calls.map((s) => s.calleeText)]));
    expect(callbackEdges).toEqual([
      ['mu.runExclusive', ['step']],
      ['xs.map', ['step']],
      ['step(2).then', ['step']],
      ['xs.forEach', ['step']],
    ]);
    // Every callback's own call to step reaches the function.
    expect(a.callers.get('src/app/main.ts#step')?.length).toBe(5);
  });

  it('a construction runs the constructor its class declares or inherits (of overloads, the one with the body), found without resolving the call', () => {
    const { program, rootDir } = programFromSources({
      'src/model/base.ts': `export class Base<T> {
  constructor(readonly value: T) {}
}
export class Child extends Base<string> {}
export class Grandchild extends Child {}
export class Own extends Base<number> {
  constructor() {
    super(1);
  }
}
export class Overloaded {
  constructor(a: string);
  constructor(a: number);
  constructor(readonly a: unknown) {}
}
export class Plain {}`,
      'src/app/main.ts': `import * as model from '../model/base.js';
import { Child, Grandchild, Overloaded, Plain } from '../model/base.js';
export function run() {
  new Child('x');
  new Grandchild('y');
  new model.Own();
  new Overloaded('a');
  new Plain();
}`,
    });
    const checker = program.getTypeChecker();
    const resolved = callsResolved(checker);
    const a = analyzeProgram(program, { rootDir });
    expect(factsOf(a, 'run').calls.map((c) => [c.calleeText, c.targets])).toEqual([
      ['Child', ['src/model/base.ts#Base.constructor']],
      ['Grandchild', ['src/model/base.ts#Base.constructor']],
      ['model.Own', ['src/model/base.ts#Own.constructor']],
      ['Overloaded', ['src/model/base.ts#Overloaded.constructor']],
      ['Plain', []],
    ]);
    expect(factsOf(a, 'Own.constructor').calls.map((c) => [c.calleeText, c.targets])).toEqual([['super', ['src/model/base.ts#Base.constructor']]]);
    // nor is a class without a constructor of its own or a base's: its type has one construct signature
    expect(resolved).toEqual([]);
  });

  it('a callee or constructor that leaves no choice is resolved without type-checking the arguments; overloads still are', () => {
    const { program, rootDir } = programFromSources({
      'src/app/main.ts': `type Handler = (n: number) => void;
type Either = { (n: number): void; (s: string): void };
export function make<T>(seed: T): (n: number) => T {
  return () => seed;
}
export function pick(a: string): string;
export function pick(a: number): number;
export function pick(a: unknown): unknown {
  return a;
}
export function run(h: { fire: Handler; either: Either }, loose: any, items: number[], Make: new (n: number) => object, Two: { new (n: number): object; new (s: string): object }) {
  make(items.map((i) => i * 2))(1);
  h.fire(items.reduce((a, b) => a + b, 0));
  loose.go(items.length);
  pick(items.length);
  h.either(items.length);
  new Make(items.length);
  new Two(items.length);
}`,
    });
    const checker = program.getTypeChecker();
    const resolved = callsResolved(checker);
    const typed: string[] = [];
    const getTypeAtLocation = checker.getTypeAtLocation;
    checker.getTypeAtLocation = (node: ts.Node) => {
      typed.push(node.getText());
      return getTypeAtLocation.call(checker, node);
    };
    const a = analyzeProgram(program, { rootDir });
    // the same answers the checker gives: a written function type has no body to run, nor has \`any\`
    expect(factsOf(a, 'run').calls.map((c) => [c.calleeText, c.targets])).toEqual([
      ['items.map', []],
      ['make', ['src/app/main.ts#make']],
      ['make(items.map((i) => i * 2))', []],
      ['items.reduce', []],
      ['h.fire', []],
      ['loose.go', []],
      ['pick', ['src/app/main.ts#pick']],
      ['h.either', []],
      ['Make', []],
      ['Two', []],
    ]);
    // a curried call whose first function writes its return type, a callee of one signature, an untyped
    // callee, a constructor type of one signature: no resolution (declared functions, overloaded or
    // not, are found by name); a value with two call or construct signatures is left to the
    // checker, which chooses by the arguments
    expect(resolved).toEqual(['h.either(items.length)', 'new Two(items.length)']);
    // nor is the first call of the curried one typed: that would infer its type arguments from its arguments
    expect(typed).not.toContain('make(items.map((i) => i * 2))');
  });

  it('a callee typed as a choice of functions may run each, whichever type the checker made first', () => {
    // viem's \`serializer = serializeTransaction\`, a binding with a default, has such a type too
    const source = `export function helper(n: number): void {
  void n;
}
export function run(f: ((n: number) => void) | typeof helper) {
  f(1);
}`;
    // The checker resolves \`f(1)\` to the signature of the member of its union type it made first:
    // \`helper\` or the function type, which runs nothing. An editor's checker meets the types in
    // the order of the files it walked; here each order is made on purpose.
    const after = (prime: string | undefined) => {
      const { program, rootDir, sf, checker } = primedProgram(source, prime);
      let call: ts.CallExpression | undefined;
      const visit = (node: ts.Node): void => {
        if (ts.isCallExpression(node)) call = node;
        ts.forEachChild(node, visit);
      };
      visit(sf);
      const declaration = checker.getResolvedSignature(call!)?.declaration;
      return { checker: declaration && ts.SyntaxKind[declaration.kind], targets: callIn(analyzeProgram(program, { rootDir }), 'run', 'f').targets };
    };
    expect(after('helper')).toEqual({ checker: 'FunctionDeclaration', targets: ['src/app/main.ts#helper'] });
    expect(after(undefined)).toEqual({ checker: 'FunctionType', targets: ['src/app/main.ts#helper'] });
  });

  it('a binding whose default is a choice of functions may run each, whichever type the checker made first', () => {
    // viem's \`fetchFn = options.fetchFn ?? fetch\`: the binding's type is a union the checker reduces
    // to the function type it made first, the written one or the default's
    const source = `import { readFileSync } from 'node:fs';
type Fetch = (input: string) => Promise<string>;
type Read = (path: string) => Buffer;
export async function realFetch(input: string): Promise<string> {
  return input;
}
export function client(options: { fetchFn?: Fetch; read?: Read }) {
  return async function run(params: { fetchFn?: Fetch; read?: Read }) {
    const { fetchFn = options.fetchFn ?? realFetch, read = options.read ?? readFileSync } = params;
    read('/dev/null');
    return fetchFn('x');
  };
}`;
    const after = (prime: string | undefined) => {
      const { program, rootDir } = primedProgram(source, prime);
      const a = analyzeProgram(program, { rootDir });
      return factsOf(a, 'run').calls.map((c) => [c.calleeText, c.targets, c.external?.kind]);
    };
    // readFileSync is the library's (what it is to the blocking model is another test's), realFetch the program's
    const expected = [
      ['read', [], 'external'],
      ['fetchFn', ['src/app/main.ts#realFetch'], undefined],
    ];
    for (const prime of ['realFetch', 'readFileSync', 'Fetch', 'Read', undefined]) expect(after(prime)).toEqual(expected);
  });

  it('a call of an overloaded function or method runs its implementation, and what the implementation does reaches the caller', () => {
    const a = analyzeSources({
      'src/app/main.ts': `import { promises as fs } from 'node:fs';
function pick(a: string): Promise<string>;
function pick(a: number): Promise<number>;
async function pick(a: unknown) {
  await fs.readFile('/dev/null');
  return a;
}
export class Store {
  get(key: string): Promise<string>;
  get(key: number): Promise<number>;
  async get(key: unknown) {
    return pick(String(key));
  }
  static make(): Store;
  static make(seed: number): Store;
  static make(): Store {
    return new Store();
  }
}
export async function run(store: Store) {
  await pick('x');
  await store.get(1);
  Store.make();
}`,
    });
    expect(factsOf(a, 'run').calls.map((c) => [c.calleeText, c.targets])).toEqual([
      ['pick', ['src/app/main.ts#pick']],
      ['store.get', ['src/app/main.ts#Store.get']],
      ['Store.make', ['src/app/main.ts#Store.make']],
    ]);
    expect(chainText(a, summaryOf(a, 'run').mayBlock!.chain)).toEqual(['pick', 'op:fs/promises.readFile (file-system I/O)']);
  });

  it('handles recursion and mutual recursion as a fixpoint', () => {
    const a = analyzeSources({
      'src/app/main.ts': `import { promises as fs } from 'node:fs';
export async function even(n: number): Promise<boolean> { return n === 0 ? true : odd(n - 1); }
export async function odd(n: number): Promise<boolean> {
  if (n === 0) { await fs.readFile('/dev/null'); return false; }
  return even(n - 1);
}`,
    });
    expect(chainText(a, summaryOf(a, 'even').mayBlock!.chain)).toEqual(['odd', 'op:fs/promises.readFile (file-system I/O)']);
    expect(summaryOf(a, 'odd').mayBlock).toBeDefined();
  });

  it('an unresolved callee is unknown, never a crash', () => {
    const a = analyzeSources({
      'src/app/main.ts': `// @ts-nocheck
import { missing } from './does-not-exist.js';
export async function run(x: any) {
  await missing();
  await x.anything();
}`,
    });
    expect(factsOf(a, 'run').calls.map((c) => [c.calleeText, c.targets.length, c.external?.kind])).toEqual([
      ['missing', 0, 'unresolved'],
      ['x.anything', 0, 'unresolved'],
    ]);
    expect(a.diagnostics).toEqual([]);
  });
});

describe('may-block chains', () => {
  it('ends each chain at a real blocking operation, through any depth of calls', () => {
    const a = analyzeSources({
      'src/sync/engine.ts': `import { flush } from '../storage/cache.js';
export async function tick() { await flush(); }
`,
      'src/storage/cache.ts': `import { persist } from './store.js';
export async function flush() { await persist('x'); }
`,
      'src/storage/store.ts': `import { writeFile } from 'node:fs/promises';
export async function persist(data: string) { await writeFile('/tmp/x', data); }
`,
    });
    expect(chainText(a, summaryOf(a, 'tick').mayBlock!.chain)).toEqual(['flush', 'persist', 'op:fs/promises.writeFile (file-system I/O)']);
    expect([...summaryOf(a, 'tick').blockingThrough.keys()].sort()).toEqual(['storage', 'sync']);
  });

  it('an async function that never suspends does not block; a sleep built from setTimeout does', () => {
    const a = analyzeSources({
      'src/app/main.ts': `export async function pure(x: number) { return x * 2; }
export async function awaitsPure() { return (await pure(1)) + 1; }
export function sleep(ms: number) { return new Promise<void>((resolve) => setTimeout(resolve, ms)); }
export async function waits() { await sleep(10); }
export async function resolved() { await Promise.resolve(1); }
`,
    });
    expect(summaryOf(a, 'pure').mayBlock).toBeUndefined();
    expect(summaryOf(a, 'awaitsPure').mayBlock).toBeUndefined();
    expect(summaryOf(a, 'resolved').mayBlock).toBeUndefined();
    expect(chainText(a, summaryOf(a, 'waits').mayBlock!.chain)).toEqual(['sleep', 'op:a promise settled by setTimeout']);
  });

  it('counts what is returned as well as what is awaited, and calls not waited for do not block', () => {
    const a = analyzeSources({
      'src/app/main.ts': `import { readFile } from 'node:fs/promises';
export function returns() { return readFile('/x'); }
export async function floats() { void readFile('/x'); return 1; }
export async function stored() { const p = readFile('/x'); await p; }
`,
    });
    expect(summaryOf(a, 'returns').mayBlock).toBeDefined();
    expect(summaryOf(a, 'floats').mayBlock).toBeUndefined();
    expect(summaryOf(a, 'stored').mayBlock).toBeDefined();
  });

  it('@nonBlocking cuts a chain for every caller; @blocking declares one', () => {
    const a = analyzeSources({
      'src/app/main.ts': `import { readFile } from 'node:fs/promises';
/** @nonBlocking reads a file that is always in the page cache */
export async function warm() { await readFile('/x'); }
export async function caller() { await warm(); }
/** @blocking talks to the hardware token */
export async function sign(): Promise<string> { return 'sig'; }
export async function signer() { await sign(); }
`,
    });
    expect(summaryOf(a, 'warm').mayBlock).toBeUndefined();
    expect(summaryOf(a, 'caller').mayBlock).toBeUndefined();
    expect(chainText(a, summaryOf(a, 'signer').mayBlock!.chain)).toEqual(['sign', 'op:documented @blocking']);
  });
});

describe('summaries', () => {
  it('acquire wrappers, release wrappers and lock wrappers fall out of the summaries, to any depth', () => {
    const a = analyzeSources({
      'src/app/locks.ts': `import { Mutex } from 'async-mutex';
export class Db {
  private readonly mutex = new Mutex();
  private release?: () => void;
  /** returns the releaser: an acquire wrapper */
  open() { return this.mutex.acquire(); }
  async lock() { this.release = await this.mutex.acquire(); }
  unlock() { this.mutex.release(); }
  withLock<T>(fn: () => Promise<T>) { return this.mutex.runExclusive(fn); }
  withLockTwice<T>(fn: () => Promise<T>) { return this.withLock(fn); }
}
`,
      'src/app/main.ts': `import { Db } from './locks.js';
const db = new Db();
declare function work(): Promise<void>;
export async function a() {
  const release = await db.open();
  await work();
  release();
}
export async function b() {
  await db.lock();
  await work();
  db.unlock();
  await work();
}
export async function c() {
  await db.withLockTwice(async () => { await work(); });
}`,
    });
    const held = (fn: string, nth: number) => callIn(a, fn, 'work', nth).held.map((h) => h.lock.id);
    expect(held('a', 0)).toEqual(['Db#mutex']);
    expect(held('b', 0)).toEqual(['Db#mutex']);
    expect(held('b', 1)).toEqual([]);
    const callback = [...a.facts.values()].find((f) => f.info.inlineArgumentOf && f.info.name.startsWith('c>'))!;
    expect(callback.calls.map((s) => s.held.map((h) => h.lock.id))).toEqual([['Db#mutex']]);
    expect([...a.wrappers.keys()].map((k) => a.functions.get(k)!.name).sort()).toEqual(['Db.lock', 'Db.open', 'Db.unlock', 'Db.withLock', 'Db.withLockTwice']);
  });

  it('transitive acquires substitute a lock parameter with the caller’s lock', () => {
    const a = analyzeSources({
      'src/app/main.ts': `import { Mutex } from 'async-mutex';
class Account { readonly mu = new Mutex(); }
async function under(m: Mutex, fn: () => void) { await m.runExclusive(fn); }
const a = new Account();
export async function transfer() { await under(a.mu, () => {}); }
`,
    });
    expect([...summaryOf(a, 'transfer').acquires.keys()]).toEqual(['Account#mu']);
  });

  it('locks held on entry propagate along call edges, with the call that holds them', () => {
    const a = analyzeSources({
      'src/app/main.ts': `import { Mutex } from 'async-mutex';
const mu = new Mutex();
function inner() {}
function middle() { inner(); }
export async function outer() { await mu.runExclusive(() => middle()); }
`,
    });
    expect([...summaryOf(a, 'middle').heldOnEntry.keys()]).toEqual(['src/app/main.ts#mu']);
    expect([...summaryOf(a, 'inner').heldOnEntry.keys()]).toEqual(['src/app/main.ts#mu']);
    expect(summaryOf(a, 'inner').heldOnEntry.get('src/app/main.ts#mu')!.via.map((l) => a.functions.get(l.to!)!.name)).toEqual(['middle', 'inner']);
  });

  it('shared state read and written directly and through helpers; locals are not shared', () => {
    const a = analyzeSources({
      'src/app/main.ts': `let counter = 0;
const cache = new Map<string, number>();
export class Service {
  total = 0;
  readonly name = 'svc';
  private bump() { this.total += 1; }
  async run(k: string) {
    const local = { n: 1 };
    local.n++;
    const seen = cache.get(k);
    counter = counter + 1;
    this.bump();
    cache.set(k, this.total);
    return seen;
  }
}`,
    });
    const run = factsOf(a, 'Service.run');
    expect([...new Set(run.reads.map((r) => r.state))].sort()).toEqual(['Service#total', 'src/app/main.ts#cache[]', 'src/app/main.ts#counter']);
    expect([...new Set(run.writes.map((w) => w.state))].sort()).toEqual(['src/app/main.ts#cache[]', 'src/app/main.ts#counter']);
    expect([...summaryOf(a, 'Service.run').writes.keys()].sort()).toEqual(['Service#total', 'src/app/main.ts#cache[]', 'src/app/main.ts#counter']);
  });
});

describe('subsystems', () => {
  it('defaults to the first folder under the common source root, and honours configured globs', () => {
    const files = {
      'src/storage/db.ts': 'export const db = 1;',
      'src/api/routes/users.ts': 'export const users = 1;',
      'src/index.ts': 'export const main = 1;',
    };
    const a = analyzeSources(files);
    expect(['src/storage/db.ts', 'src/api/routes/users.ts', 'src/index.ts'].map((f) => a.subsystemOf(`${a.options.rootDir}/${f}`))).toEqual(['storage', 'api', '(root)']);
    const b = analyzeSources(files, { subsystems: { globs: { http: ['src/api/**'] } } });
    expect(b.subsystemOf(`${b.options.rootDir}/src/api/routes/users.ts`)).toBe('http');
  });
});
