/**
 * Helpers for the CLI and loader suites (tests/cli-*.test.ts, tests/load-*.test.ts): throwaway
 * projects under os.tmpdir(), the CLI run in-process with fake streams, and directory
 * snapshots to prove that nothing is written into an audited project.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const created: string[] = [];

/** POSIX form of a path (the loader and the reports speak POSIX). */
export function posix(p: string): string {
  return p.split(path.sep).join('/');
}

/**
 * Writes `files` (relative path → text; objects are written as JSON) into a fresh directory
 * under os.tmpdir(). `nodeModules: true` links the repository's node_modules in, so lock
 * libraries and @types resolve.
 */
export function makeProject(files: Record<string, string | object>, options: { nodeModules?: boolean } = {}): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lockwise-test-')));
  created.push(dir);
  writeFiles(dir, files);
  if (options.nodeModules) fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return posix(dir);
}

export function writeFiles(dir: string, files: Record<string, string | object>): void {
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`);
  }
}

export function removeProjects(): void {
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** Every entry under `dir` (symlinks not followed) with its size and mtime: equal snapshots mean nothing was written. */
export function snapshotDir(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(d, entry.name);
      const stat = fs.lstatSync(full);
      const rel = posix(path.relative(dir, full));
      out.push(`${rel} ${entry.isDirectory() ? 'dir' : stat.size} ${stat.mtimeMs}`);
      if (entry.isDirectory() && !entry.isSymbolicLink()) walk(full);
    }
  };
  walk(dir);
  return out;
}

export class FakeStream extends Writable {
  text = '';
  constructor(readonly isTTY = false) {
    super();
  }
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.text += chunk.toString();
    callback();
  }
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

type Main = (argv: string[], io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; cwd: string; env: NodeJS.ProcessEnv }) => Promise<number>;

/** Runs `main` in-process: streams are fakes (TTY only if asked), env is empty unless given. */
export async function runMain(
  main: Main,
  argv: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; tty?: boolean } = {},
): Promise<CliRun> {
  const stdout = new FakeStream(options.tty ?? false);
  const stderr = new FakeStream(options.tty ?? false);
  const code = await main(argv, { stdout, stderr, cwd: options.cwd ?? REPO_ROOT, env: options.env ?? {} });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

export const STRICT_NODENEXT = {
  target: 'ES2022',
  module: 'NodeNext',
  moduleResolution: 'NodeNext',
  lib: ['ES2022', 'DOM'],
  types: [],
  strict: true,
  skipLibCheck: true,
};

/** A held lock across a call into another subsystem that fetches: one no-unacknowledged-blocking finding. */
export const HAZARD_FILES = {
  'tsconfig.json': { compilerOptions: STRICT_NODENEXT, include: ['src'] },
  'package.json': { name: 'hazard', private: true, type: 'module' },
  'src/app/case.ts': `import { Mutex } from 'async-mutex';
import { fetchPeer } from '../net/client.js';

const mu = new Mutex();

export async function run(id: string): Promise<string> {
  return mu.runExclusive(async () => fetchPeer(id));
}
`,
  'src/net/client.ts': `export async function fetchPeer(id: string): Promise<string> {
  const response = await fetch(\`https://peers.example/\${id}\`);
  return response.text();
}
`,
};

/** The same code with the lock released before the foreign call: no finding. */
export const CLEAN_FILES = {
  ...HAZARD_FILES,
  'src/app/case.ts': `import { Mutex } from 'async-mutex';
import { fetchPeer } from '../net/client.js';

const mu = new Mutex();
let calls = 0;

export async function run(id: string): Promise<string> {
  await mu.runExclusive(() => {
    calls++;
  });
  return fetchPeer(\`\${id}-\${calls}\`);
}
`,
};

type Check = (value: unknown, at: string, problems: string[]) => void;

const isInt = (v: unknown) => Number.isInteger(v);
const primitive =
  (what: string, test: (v: unknown) => boolean): Check =>
  (value, at, problems) => {
    if (!test(value)) problems.push(`${at}: expected ${what}, got ${JSON.stringify(value)}`);
  };
const str = primitive('a string', (v) => typeof v === 'string');
const nonEmpty = primitive('a non-empty string', (v) => typeof v === 'string' && v !== '');
const bool = primitive('a boolean', (v) => typeof v === 'boolean');
const positive = primitive('a 1-based integer', (v) => isInt(v) && (v as number) >= 1);
const count = primitive('a non-negative integer', (v) => isInt(v) && (v as number) >= 0);
const relativePath = primitive('a relative POSIX path', (v) => typeof v === 'string' && v !== '' && !v.startsWith('/') && !v.includes('\\') && !/^[A-Za-z]:/.test(v));
const oneOf = (...options: unknown[]) => primitive(`one of ${JSON.stringify(options)}`, (v) => options.includes(v));
const nullable = (check: Check): Check => (value, at, problems) => {
  if (value !== null) check(value, at, problems);
};
const array = (item: Check): Check => (value, at, problems) => {
  if (!Array.isArray(value)) {
    problems.push(`${at}: expected an array`);
    return;
  }
  value.forEach((v, i) => item(v, `${at}[${i}]`, problems));
};
/** An object with exactly these keys, in this order. */
const object = (shape: [string, Check][]): Check => (value, at, problems) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push(`${at}: expected an object`);
    return;
  }
  const keys = Object.keys(value);
  const expected = shape.map(([k]) => k);
  if (keys.join(',') !== expected.join(',')) problems.push(`${at}: keys ${JSON.stringify(keys)}, expected ${JSON.stringify(expected)}`);
  for (const [key, check] of shape) check((value as Record<string, unknown>)[key], `${at}.${key}`, problems);
};
const position: [string, Check][] = [
  ['file', relativePath],
  ['line', positive],
  ['column', positive],
];
const recognition: Check = (value, at, problems) => {
  const by = (value as { by?: unknown } | null)?.by;
  if (by === 'library') object([['by', str], ['library', nonEmpty]])(value, at, problems);
  else if (by === 'shape') object([['by', str], ['shape', oneOf('releaser-promise', 'resolver-queue', 'promise-chain', 'disposable-guard')], ['confirmed', nullable(bool)]])(value, at, problems);
  else if (by === 'config' || by === 'jsdoc') object([['by', str]])(value, at, problems);
  else problems.push(`${at}.by: expected library | shape | config | jsdoc, got ${JSON.stringify(by)}`);
};

/** The JSON contract of docs/output-format.md, checked by hand: every key, its type, and the key order. */
export const checkJsonReport: Check = object([
  ['version', oneOf(1)],
  ['tool', object([['name', oneOf('lockwise')], ['version', primitive('a semver', (v) => typeof v === 'string' && /^\d+\.\d+\.\d+/.test(v))]])],
  [
    'findings',
    array(
      object([
        ['ruleId', primitive('lockwise/<rule>', (v) => typeof v === 'string' && /^lockwise\/[a-z]+(-[a-z]+)*$/.test(v))],
        ['severity', oneOf('error', 'warning')],
        ['message', nonEmpty],
        ...position,
        ['endLine', positive],
        ['endColumn', positive],
        ['lock', nullable(nonEmpty)],
        ['subsystems', nullable(object([['from', str], ['to', str]]))],
        ['trace', array(object([...position, ['message', nonEmpty]]))],
      ]),
    ),
  ],
  [
    'locks',
    array(
      object([
        ['id', nonEmpty],
        ['library', nonEmpty],
        ['kind', oneOf('mutex', 'semaphore', 'keyed', 'rw', 'file', 'distributed', 'web-lock', 'sync')],
        ['reentrant', bool],
        ['recognition', recognition],
        ['declaredAt', nullable(object(position))],
        ['subsystem', str],
        ['acquireSites', array(object(position))],
        ['subsystems', array(str)],
      ]),
    ),
  ],
  [
    'acknowledgements',
    array(
      object([
        ['ruleId', primitive('lockwise/<rule>', (v) => typeof v === 'string' && /^lockwise\/[a-z]+(-[a-z]+)*$/.test(v))],
        ['message', nonEmpty],
        ...position,
        ['by', oneOf('jsdoc', 'config', 'void', 'directive', 'eslint-directive', 'primitive')],
        ['reason', nonEmpty],
        ['lock', nullable(nonEmpty)],
      ]),
    ),
  ],
  [
    'subsystems',
    array(
      object([
        ['name', nonEmpty],
        ['lockKnowledgeImported', count],
        [
          'foreignLocks',
          array(
            object([
              ['lock', nonEmpty],
              ['owner', nonEmpty],
              ['relations', array(nonEmpty)],
              ['weight', count],
              ['sites', array(object([...position, ['relation', nonEmpty], ['where', nonEmpty]]))],
            ]),
          ),
        ],
        ['leaksFrom', array(nonEmpty)],
        ['leaksInto', array(nonEmpty)],
      ]),
    ),
  ],
  [
    'lockOrder',
    object([
      ['nodes', array(object([['id', nonEmpty], ['library', nonEmpty], ['kind', nonEmpty], ['subsystem', nullable(nonEmpty)]]))],
      ['edges', array(object([['from', nonEmpty], ['to', nonEmpty], ['witnesses', array(object([...position, ['function', nonEmpty]]))]]))],
      ['cycles', array(array(nonEmpty))],
    ]),
  ],
  [
    'stats',
    object([
      ['files', count],
      ['functions', count],
      ['callEdges', count],
      ['locks', count],
      ['heldRegions', count],
      ['ms', count],
    ]),
  ],
]);

export function jsonReportProblems(value: unknown): string[] {
  const problems: string[] = [];
  checkJsonReport(value, '$', problems);
  return problems;
}
