import fs from 'node:fs';
import path from 'node:path';
import { Linter } from 'eslint';
import * as tsParser from '@typescript-eslint/parser';
import { describe, expect, it } from 'vitest';
import { runRule, withDefaults } from '@lockwise/rules';
import rule from '../rules/no-stale-state-across-await.js';
import { APP_FILE, RULE_FIXTURE } from './support/rule-tester.js';
import { REPO_ROOT, analyzeSources } from './support/virtual-program.js';

/**
 * ESLint's core `require-atomic-updates` and lockwise's `no-stale-state-across-await` on the
 * same code. Each case records what each tool actually reports and which verdict is right;
 * docs/require-atomic-updates.md carries the same table, and the last test keeps the two in step.
 */

type Verdict = 'flag' | 'quiet';

interface Case {
  id: string;
  code: string;
  /** What each tool actually reports. */
  rau: Verdict;
  lockwise: Verdict;
  /** The verdict a reviewer wants. */
  right: Verdict;
  /** Text on the line each tool reports on (for `flag`). */
  rauAt?: string;
  lockwiseAt?: string;
}

const NET = `import * as net from '../net/client.js';\n`;

const CASES: Case[] = [
  {
    id: 'koa-context',
    code: `${NET}export async function render(ctx: { user: string; body: string }) {
  const user = ctx.user;
  ctx.body = await net.fetchPeer(user);
}`,
    rau: 'flag',
    rauAt: 'ctx.body = await',
    lockwise: 'quiet',
    right: 'quiet',
  },
  {
    id: 'reset-after-await',
    code: `${NET}let attempts = 0;
export async function run() {
  attempts = attempts + 1;
  await net.x();
  attempts = 0;
}`,
    rau: 'flag',
    rauAt: '  attempts = 0;',
    lockwise: 'quiet',
    right: 'quiet',
  },
  {
    id: 'update-under-lock',
    code: `${NET}import { Mutex } from 'async-mutex';
const mu = new Mutex();
let total = 0;
export async function add(id: string) {
  const release = await mu.acquire();
  try {
    total += (await net.fetchPeer(id)).length;
  } finally {
    release();
  }
}`,
    rau: 'flag',
    rauAt: 'total += (await',
    lockwise: 'quiet',
    right: 'quiet',
  },
  {
    id: 'fresh-object-in-sync-closure',
    code: `${NET}export async function tally(xs: number[]) {
  const result = { total: 0 };
  xs.forEach((x) => {
    result.total += x;
  });
  result.total += (await net.fetchPeer('n')).length;
  return result;
}`,
    rau: 'flag',
    rauAt: 'result.total += (await',
    lockwise: 'quiet',
    right: 'quiet',
  },
  {
    id: 'fresh-object',
    code: `${NET}export async function tally() {
  const result = { total: 0 };
  result.total += (await net.fetchPeer('n')).length;
  return result;
}`,
    rau: 'quiet',
    lockwise: 'quiet',
    right: 'quiet',
  },
  {
    id: 'local-accumulator',
    code: `${NET}export async function sum(ids: string[]) {
  let total = 0;
  for (const id of ids) total += (await net.fetchPeer(id)).length;
  return total;
}`,
    rau: 'quiet',
    lockwise: 'quiet',
    right: 'quiet',
  },
  {
    id: 'reread-after-await',
    code: `${NET}export class Counter {
  private count = 0;
  async bump(id: string) {
    const delta = (await net.fetchPeer(id)).length;
    this.count += delta;
  }
}`,
    rau: 'quiet',
    lockwise: 'quiet',
    right: 'quiet',
  },
  {
    id: 'module-binding-update',
    code: `${NET}let total = 0;
export async function add(id: string) {
  total = total + (await net.fetchPeer(id)).length;
}`,
    rau: 'flag',
    rauAt: 'total = total +',
    lockwise: 'flag',
    lockwiseAt: 'total = total +',
    right: 'flag',
  },
  {
    id: 'module-binding-through-local',
    code: `${NET}let cursor = 0;
export async function pull() {
  const since = cursor;
  const body = await net.fetchPeer(String(since));
  cursor = since + body.length;
}`,
    rau: 'flag',
    rauAt: 'cursor = since',
    lockwise: 'flag',
    lockwiseAt: 'cursor = since',
    right: 'flag',
  },
  {
    id: 'check-then-act-flag',
    code: `${NET}let ready = false;
export async function init() {
  if (!ready) {
    await net.x();
    ready = true;
  }
}`,
    rau: 'flag',
    rauAt: 'ready = true',
    lockwise: 'flag',
    lockwiseAt: 'ready = true',
    right: 'flag',
  },
  {
    id: 'class-instance-parameter',
    code: `${NET}export class Account {
  balance = 0;
  async credit(other: Account, id: string) {
    other.balance += (await net.fetchPeer(id)).length;
  }
}`,
    rau: 'flag',
    rauAt: 'other.balance +=',
    lockwise: 'flag',
    lockwiseAt: 'other.balance +=',
    right: 'flag',
  },
  {
    id: 'async-generator',
    code: `let produced = 0;
export async function* numbers() {
  const base = produced;
  const next: number = yield base;
  produced = base + next;
}`,
    rau: 'flag',
    rauAt: 'produced = base',
    lockwise: 'flag',
    lockwiseAt: 'produced = base',
    right: 'flag',
  },
  {
    id: 'field-update',
    code: `${NET}export class Counter {
  private count = 0;
  async bump(id: string) {
    this.count += (await net.fetchPeer(id)).length;
  }
}`,
    rau: 'quiet',
    lockwise: 'flag',
    lockwiseAt: 'this.count +=',
    right: 'flag',
  },
  {
    id: 'field-through-local',
    code: `${NET}export class Replica {
  private cursor = 0;
  async pull() {
    const since = this.cursor;
    const body = await net.fetchPeer(String(since));
    this.cursor = since + body.length;
  }
}`,
    rau: 'quiet',
    lockwise: 'flag',
    lockwiseAt: 'this.cursor = since',
    right: 'flag',
  },
  {
    id: 'read-through-helper',
    code: `${NET}export class Counter {
  private n = 0;
  private current() {
    return this.n;
  }
  async bump() {
    const c = this.current();
    await net.x();
    this.n = c + 1;
  }
}`,
    rau: 'quiet',
    lockwise: 'flag',
    lockwiseAt: 'this.n = c + 1',
    right: 'flag',
  },
  {
    id: 'map-entry',
    code: `${NET}export class Hits {
  private readonly counts = new Map<string, number>();
  async hit(key: string) {
    const before = this.counts.get(key) ?? 0;
    await net.x();
    this.counts.set(key, before + 1);
  }
}`,
    rau: 'quiet',
    lockwise: 'flag',
    lockwiseAt: 'this.counts.set',
    right: 'flag',
  },
  {
    id: 'check-then-act-two-sections',
    code: `import { list } from '../storage/store.js';
export async function addIfEmpty(x: string) {
  if (await list.isEmpty()) await list.add(x);
}`,
    rau: 'quiet',
    lockwise: 'flag',
    lockwiseAt: 'list.add(x)',
    right: 'flag',
  },
  {
    id: 'stale-decision-through-helper',
    code: `import { setTimeout as sleep } from 'node:timers/promises';
export class Pdata {
  data = 0;
  stop() {
    this.data = 0;
  }
  async tick() {
    const local = this.data++;
    await sleep(10);
    if (local === 4) this.stop();
  }
}`,
    rau: 'quiet',
    lockwise: 'flag',
    lockwiseAt: 'this.stop()',
    right: 'flag',
  },
  {
    id: 'parameter-object-update',
    code: `${NET}export async function bump(counter: { n: number }, id: string) {
  counter.n += (await net.fetchPeer(id)).length;
}`,
    rau: 'flag',
    rauAt: 'counter.n +=',
    lockwise: 'quiet',
    right: 'flag',
  },
  {
    id: 'module-object-property',
    code: `${NET}const state = { count: 0 };
export async function bump(id: string) {
  state.count += (await net.fetchPeer(id)).length;
}`,
    rau: 'flag',
    rauAt: 'state.count +=',
    lockwise: 'quiet',
    right: 'flag',
  },
  {
    id: 'local-written-by-listener',
    code: `${NET}import { bus } from '../other/deferral.js';
export async function drain() {
  let received = 0;
  bus.on('data', () => {
    received++;
  });
  received = received + (await net.fetchPeer('x')).length;
  return received;
}`,
    rau: 'flag',
    rauAt: 'received = received',
    lockwise: 'quiet',
    right: 'flag',
  },
];

const linter = new Linter();

function requireAtomicUpdates(code: string): number[] {
  const messages = linter.verify(
    code,
    [{ files: ['**/*.ts'], languageOptions: { parser: tsParser, ecmaVersion: 'latest', sourceType: 'module' }, rules: { 'require-atomic-updates': 'error' } }],
    'case.ts',
  );
  const fatal = messages.find((m) => m.fatal);
  if (fatal) throw new Error(`parse error: ${fatal.message}`);
  return messages.filter((m) => m.ruleId === 'require-atomic-updates').map((m) => m.line);
}

function lockwise(code: string): number[] {
  const root = path.join(RULE_FIXTURE, 'src');
  const files: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts') && full !== APP_FILE) files[path.relative(RULE_FIXTURE, full).split(path.sep).join('/')] = fs.readFileSync(full, 'utf8');
    }
  };
  walk(root);
  files['src/app/case.ts'] = code;
  const { findings } = runRule(analyzeSources(files), rule, withDefaults(rule, {}));
  return findings.filter((f) => f.location.file.endsWith('/src/app/case.ts')).map((f) => f.location.line);
}

function lineOf(code: string, snippet: string): number {
  const index = code.indexOf(snippet);
  if (index < 0) throw new Error(`snippet ${JSON.stringify(snippet)} not in case`);
  return code.slice(0, index).split('\n').length;
}

describe('require-atomic-updates vs no-stale-state-across-await', () => {
  for (const c of CASES) {
    it(`${c.id}: require-atomic-updates: ${c.rau}, lockwise: ${c.lockwise} (right: ${c.right})`, () => {
      expect(requireAtomicUpdates(c.code)).toEqual(c.rau === 'flag' ? [lineOf(c.code, c.rauAt!)] : []);
      expect(lockwise(c.code)).toEqual(c.lockwise === 'flag' ? [lineOf(c.code, c.lockwiseAt!)] : []);
    });
  }

  it('docs/require-atomic-updates.md lists every case with the same verdicts', () => {
    const doc = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'require-atomic-updates.md'), 'utf8');
    const rows = new Map<string, string[]>();
    for (const line of doc.split('\n')) {
      const cells = line.split('|').map((c) => c.trim());
      const id = /^`([a-z0-9-]+)`$/.exec(cells[1] ?? '')?.[1];
      if (id) rows.set(id, cells.slice(2, -1));
    }
    expect([...rows.keys()].sort()).toEqual(CASES.map((c) => c.id).sort());
    for (const c of CASES) {
      const [, rau, lockwiseVerdict, wanted, right] = rows.get(c.id)!;
      expect({ id: c.id, rau, lockwise: lockwiseVerdict, wanted, right }).toEqual({ id: c.id, rau: c.rau, lockwise: c.lockwise, wanted: c.right, right: rightText(c) });
    }
  });
});

function rightText(c: Case): string {
  if (c.rau === c.right && c.lockwise === c.right) return 'both';
  if (c.lockwise === c.right) return 'lockwise';
  if (c.rau === c.right) return 'require-atomic-updates';
  return 'neither';
}
