import { describe, expect, it } from 'vitest';
import { lockFlow, type Analysis, type LockCarrier } from '@lockwise/analyzer';
import { EditableProject, findingLines } from './support/editable-project.js';

/**
 * The lock flow carries what each parameter receives from one program version to the next and
 * recomputes only where an edit's calls lead. Each step compares the editor's (warm) flow with one
 * computed from scratch (cold) for the same program: every parameter's carriers, with the calls
 * they crossed, and every rule's findings.
 */

function carrierText(analysis: Analysis, c: LockCarrier): string {
  const at = (node: import('typescript').Node) => {
    const l = analysis.location(node);
    return `${analysis.relativePath(l.file)}:${l.line}:${l.column}`;
  };
  const origin = `${c.origin.lock.id}@${c.origin.acquiredAt ? at(c.origin.acquiredAt) : c.origin.how} (${c.origin.owner})`;
  return `${origin} ${c.as}${c.member ? `.${c.member}` : ''} [${c.uses.join(',')}] via ${c.path.map((s) => at(s.node)).join(' > ')} at ${at(c.node)}`;
}

function paramsDigest(analysis: Analysis): Record<string, string[]> {
  const digest: Record<string, string[]> = {};
  for (const [key, byIndex] of lockFlow(analysis).params) {
    for (const [index, carriers] of byIndex) if (carriers.length) digest[`${key}#${index}`] = carriers.map((c) => carrierText(analysis, c));
  }
  return digest;
}

function expectSameFlow(warm: Analysis, cold: Analysis): void {
  expect(paramsDigest(warm)).toEqual(paramsDigest(cold));
  expect(findingLines(warm)).toEqual(findingLines(cold));
}

const MUTEX = `import { Mutex } from 'async-mutex';\nexport const mutex = new Mutex();\n`;

const RELAY_CHAIN = {
  'src/app/lock.ts': MUTEX,
  'src/app/service.ts': `import { mutex } from './lock';
import { relay } from '../net/relay';
export async function save(): Promise<void> {
  const release = await mutex.acquire();
  relay(release);
}
`,
  'src/net/relay.ts': `import { finish } from '../store/finish';
export function relay(done: () => void): void {
  finish(done);
}
`,
  'src/store/finish.ts': `export function finish(callback: () => void): void {
  callback();
}
`,
  'src/other/a.ts': `import { b } from './b';
import { mutex } from '../app/lock';
export async function a(): Promise<void> {
  const release = await mutex.acquire();
  b(release);
}
`,
  'src/other/b.ts': `export function b(release: () => void): void {
  release();
}
`,
};

const FINISH = 'src/store/finish.ts#finish';

describe('incremental lock flow: an edit recomputes what its calls reach, and agrees with a computation from scratch', () => {
  it('a release function passed through two helper files appears and disappears at the far end', () => {
    const project = new EditableProject('lock-flow-relay', RELAY_CHAIN);
    let { warm, cold } = project.analyseBothWays();
    expectSameFlow(warm, cold);
    expect(paramsDigest(warm)[`${FINISH}#0`]).toHaveLength(1);
    expect(findingLines(warm).some((l) => l.startsWith('lockwise/no-foreign-release src/store/finish.ts'))).toBe(true);

    // the caller two files up stops passing its releaser: the parameter of `finish` receives nothing
    project.edit('src/app/service.ts', (t) => t.replace('relay(release);', 'release();'));
    ({ warm, cold } = project.analyseBothWays());
    expectSameFlow(warm, cold);
    expect(paramsDigest(warm)[`${FINISH}#0`]).toBeUndefined();
    expect(findingLines(warm).some((l) => l.includes('src/store/finish.ts'))).toBe(false);

    // and passes it again, from a moved position
    project.edit('src/app/service.ts', (t) => `// moved\n${t.replace('release();', 'relay(release);')}`);
    ({ warm, cold } = project.analyseBothWays());
    expectSameFlow(warm, cold);
    expect(paramsDigest(warm)[`${FINISH}#0`]![0]).toContain('src/app/service.ts:6:3 > src/net/relay.ts:3:3');
  });

  it('a helper in the middle that stops forwarding cuts the carrier below it, and forwarding again restores it', () => {
    const project = new EditableProject('lock-flow-middle', RELAY_CHAIN);
    let { warm, cold } = project.analyseBothWays();
    project.edit('src/net/relay.ts', (t) => t.replace('finish(done);', 'done();'));
    ({ warm, cold } = project.analyseBothWays());
    expectSameFlow(warm, cold);
    expect(paramsDigest(warm)[`${FINISH}#0`]).toBeUndefined();
    project.edit('src/net/relay.ts', (t) => t.replace('done();', 'finish(() => done());'));
    ({ warm, cold } = project.analyseBothWays());
    expectSameFlow(warm, cold);
    expect(paramsDigest(warm)[`${FINISH}#0`]![0]).toContain('callback');
  });

  it('what an untouched chain receives is the previous version’s, object for object; what the edit reaches is new', () => {
    const project = new EditableProject('lock-flow-reuse', RELAY_CHAIN);
    const first = project.analyseBothWays().warm;
    const before = { other: lockFlow(first).params.get('src/other/b.ts#b'), finish: lockFlow(first).params.get(FINISH) };
    expect(before.other).toBeDefined();

    project.edit('src/app/service.ts', (t) => `// moved\n${t}`);
    const { warm, cold } = project.analyseBothWays();
    expectSameFlow(warm, cold);
    expect(lockFlow(warm).params.get('src/other/b.ts#b')).toBe(before.other);
    // two files down from the edit: rebuilt, its carrier's path crosses the re-walked caller
    const after = lockFlow(warm).params.get(FINISH);
    expect(after).not.toBe(before.finish);
    expect(after!.get(0)![0]!.path[0]).not.toBe(before.finish!.get(0)![0]!.path[0]);
  });

  it('a callee in another file that drops the caller’s lock is reported at the caller, scoped to the caller’s file', () => {
    const project = new EditableProject('lock-flow-callee', {
      'src/app/lock.ts': MUTEX,
      'src/app/caller.ts': `import { mutex } from './lock';
import { pause } from '../net/pause';
export let state = 0;
export async function run(): Promise<void> {
  const release = await mutex.acquire();
  const seen = state;
  await pause(release, async () => { await mutex.acquire(); });
  state = seen + 1;
  release();
}
`,
      'src/net/pause.ts': `export async function pause(release: () => void, retake: () => Promise<void>): Promise<void> {
  release();
  await fetch('https://example.com');
  await retake();
}
`,
    });
    let { warm, cold } = project.analyseBothWays();
    expectSameFlow(warm, cold);
    const callerFile = (a: Analysis) => new Set([a.program.getSourceFile(`${project.rootDir}/src/app/caller.ts`)!]);
    const scoped = (a: Analysis) => lockFlow(a).within(callerFile(a)).calleeReleases.map((r) => a.location(r.site.node).line);
    expect(scoped(warm)).toEqual(lockFlow(warm).calleeReleases.map((r) => warm.location(r.site.node).line));
    expect(scoped(warm)).toEqual([7]);

    project.edit('src/net/pause.ts', (t) => t.replace('  release();\n', ''));
    ({ warm, cold } = project.analyseBothWays());
    expectSameFlow(warm, cold);
    expect(scoped(warm)).toEqual([]);
  });
  it('files that change places: a parameter keeps the carrier of the call met first in the new order', () => {
    const hand = (fn: string) => `import { mutex } from '../app/lock';
import { keep } from '../gamma/keep';
export function ${fn}(): void {
  keep(mutex);
}
`;
    const project = new EditableProject('lock-flow-order', {
      'src/zero/zero.ts': 'export const zero = 0;\n',
      'src/app/lock.ts': MUTEX,
      'src/gamma/keep.ts': `import type { Mutex } from 'async-mutex';
export function keep(lock: Mutex): void {
  void lock;
}
`,
      'src/delta/d.ts': hand('hand'),
      'src/zeta/z.ts': hand('handToo'),
    });
    let { warm, cold } = project.analyseBothWays();
    expectSameFlow(warm, cold);
    const functions = [...warm.facts.keys()].sort().join();
    const keep = (a: Analysis) => paramsDigest(a)['src/gamma/keep.ts#keep#0']!.join('\n');
    expect(keep(warm)).toContain('via src/delta/d.ts');

    // an import on the first line of a file that passes nothing moves zeta first: the same functions
    project.edit('src/zero/zero.ts', (t) => `import '../zeta/z'; ${t}`);
    ({ warm, cold } = project.analyseBothWays());
    expect([...warm.facts.keys()].sort().join()).toBe(functions);
    expectSameFlow(warm, cold);
    expect(keep(warm)).toContain('via src/zeta/z.ts');
    project.edit('src/zero/zero.ts', (t) => t.replace("import '../zeta/z'; ", ''));
    ({ warm, cold } = project.analyseBothWays());
    expectSameFlow(warm, cold);
  });
});
