import { describe, expect, it } from 'vitest';
import { analyzeSources } from './support/virtual-program.js';
import { callIn, factsOf, heldIds } from './support/facts.js';

const prelude = `import { Mutex, Semaphore } from 'async-mutex';
const mu = new Mutex();
const other = new Mutex();
declare function work(): Promise<void>;
declare function check(): boolean;
`;
const MU = 'src/a/main.ts#mu';
const OTHER = 'src/a/main.ts#other';

function analyze(body: string) {
  return analyzeSources({ 'src/a/main.ts': prelude + body });
}

describe('held regions are control-flow aware', () => {
  it('holds from the awaited acquire to the releaser call', () => {
    const a = analyze(`export async function f() {
  await work();
  const release = await mu.acquire();
  await work();
  release();
  await work();
}`);
    expect(heldIds(callIn(a, 'f', 'work', 0))).toEqual([]);
    expect(heldIds(callIn(a, 'f', 'work', 1))).toEqual([MU]);
    expect(heldIds(callIn(a, 'f', 'work', 2))).toEqual([]);
  });

  it('releases in finally on both the normal and the early-return exit', () => {
    const a = analyze(`export async function f() {
  const release = await mu.acquire();
  try {
    if (check()) return;
    await work();
  } finally {
    release();
  }
  await work();
}`);
    expect(heldIds(callIn(a, 'f', 'work', 0))).toEqual([MU]);
    expect(heldIds(callIn(a, 'f', 'work', 1))).toEqual([]);
    expect(factsOf(a, 'f').exits.map((e) => heldIds(e))).toEqual([[], []]);
  });

  it('a release on one branch leaves the lock possibly held after the join', () => {
    const a = analyze(`export async function f() {
  const release = await mu.acquire();
  if (check()) release();
  await work();
}`);
    expect(heldIds(callIn(a, 'f', 'work'))).toEqual([`${MU}?`]);
  });

  it('an early return while holding the lock is an exit with the lock held', () => {
    const a = analyze(`export async function f() {
  const release = await mu.acquire();
  if (check()) return 1;
  release();
  return 2;
}`);
    expect(factsOf(a, 'f').exits.map((e) => heldIds(e))).toEqual([[MU], []]);
  });

  it('a loop that re-acquires at the end of each iteration is held at the loop head', () => {
    const a = analyze(`export async function f() {
  let release = await mu.acquire();
  while (check()) {
    await work();
    release();
    await work();
    release = await mu.acquire();
  }
  release();
}`);
    expect(heldIds(callIn(a, 'f', 'work', 0))).toEqual([MU]);
    expect(heldIds(callIn(a, 'f', 'work', 1))).toEqual([]);
  });

  it('continue skipping the re-acquire makes the lock only possibly held at the head (PATTERNS L5)', () => {
    const a = analyze(`export async function f() {
  let release = await mu.acquire();
  while (check()) {
    release();
    if (check()) continue;
    release = await mu.acquire();
    await work();
  }
}`);
    expect(factsOf(a, 'f').lockOps.filter((o) => o.op.kind === 'release').map((o) => heldIds(o))).toEqual([[`${MU}?`]]);
  });

  it('runExclusive holds the lock inside its callback only, nested regions stack', () => {
    const a = analyze(`export async function f() {
  await mu.runExclusive(async () => {
    await work();
    await other.runExclusive(() => work());
  });
  await work();
}`);
    const callbacks = [...a.facts.values()].filter((x) => x.info.inlineArgumentOf);
    expect(callbacks.map((c) => c.calls.filter((s) => s.calleeText === 'work').map(heldIds))).toEqual([[[MU]], [[MU, OTHER]]]);
    expect(heldIds(callIn(a, 'f', 'work'))).toEqual([]);
    expect(callbacks.map((c) => c.regions.map((r) => [r.kind, r.lock.id]))).toEqual([[['callback', MU]], [['callback', OTHER]]]);
  });

  it('a checked tryAcquire holds only on the branch where it succeeded, through copies and negation', () => {
    const a = analyzeSources({
      'src/a/main.ts': `import AwaitLock from 'await-lock';
const lock = new AwaitLock();
declare function work(): void;
export function f() {
  const ok = lock.tryAcquire();
  const copy = ok;
  if (!copy) return;
  work();
  lock.release();
}`,
    });
    const site = factsOf(a, 'f').lockOps.find((o) => o.op.kind === 'try-acquire')!;
    expect(site.checked).toBe(true);
    expect(heldIds(callIn(a, 'f', 'work'))).toEqual(['src/a/main.ts#lock']);
  });

  it('an `await using` guard holds until the end of its block', () => {
    const a = analyzeSources({
      'src/a/main.ts': `class Guard {
  constructor(private readonly done: () => void) {}
  [Symbol.dispose]() { this.done(); }
}
class Gate {
  private queue: Promise<void> = Promise.resolve();
  async enter(): Promise<Guard> {
    let open!: () => void;
    const previous = this.queue;
    this.queue = new Promise<void>((resolve) => (open = resolve));
    await previous;
    return new Guard(open);
  }
}
const gate = new Gate();
declare function work(): Promise<void>;
export async function f() {
  {
    using guard = await gate.enter();
    await work();
  }
  await work();
}`,
    });
    expect(heldIds(callIn(a, 'f', 'work', 0))).toEqual(['src/a/main.ts#gate']);
    expect(heldIds(callIn(a, 'f', 'work', 1))).toEqual([]);
    expect([...a.locks.values()].map((l) => [l.id, l.recognition])).toEqual([
      ['src/a/main.ts#gate', { by: 'shape', shape: 'disposable-guard' }],
    ]);
  });

  it('async-mutex Semaphore: the releaser is the second element of the acquired tuple', () => {
    const a = analyze(`const sem = new Semaphore(2);
export async function f() {
  const [, release] = await sem.acquire();
  await work();
  release();
  await work();
}`);
    expect(heldIds(callIn(a, 'f', 'work', 0))).toEqual(['src/a/main.ts#sem']);
    expect(heldIds(callIn(a, 'f', 'work', 1))).toEqual([]);
  });
});
