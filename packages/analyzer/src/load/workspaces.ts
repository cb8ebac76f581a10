import path from 'node:path';
import { minimatch } from 'minimatch';
import { LoadError } from './errors.js';
import type { LoaderFs } from './fs.js';

/** A workspace package: a subsystem named after the package (`SubsystemOptions.packages`). */
export interface WorkspacePackage {
  /** `name` from its package.json, else its directory relative to the workspace root. */
  name: string;
  /** Absolute POSIX path of the package directory. */
  dir: string;
}

export interface Workspaces {
  /** Which manifest declared them: `package.json` (npm and yarn) or `pnpm-workspace.yaml`. */
  manager: 'npm' | 'pnpm';
  /** Absolute path of that manifest. */
  manifest: string;
  /** The patterns as written (negations start with `!`). */
  patterns: string[];
  /** Matching directories that contain a package.json, sorted by directory. */
  packages: WorkspacePackage[];
}

const SKIPPED_DIRS = new Set(['node_modules', '.git', '.hg', '.svn']);
const MAX_GLOBSTAR_DEPTH = 8;

/**
 * Workspace packages declared in `rootDir`: `pnpm-workspace.yaml` (`packages:`) if present —
 * pnpm ignores package.json's field — else package.json `workspaces` (an array, or yarn's
 * `{ packages: [...] }`). Undefined when `rootDir` declares none.
 */
export function detectWorkspaces(fs: LoaderFs, rootDir: string): Workspaces | undefined {
  const pnpmFile = path.posix.join(rootDir, 'pnpm-workspace.yaml');
  const pnpmText = fs.readFile(pnpmFile);
  if (pnpmText !== undefined) {
    const patterns = parsePnpmWorkspacePackages(pnpmText, pnpmFile);
    return { manager: 'pnpm', manifest: pnpmFile, patterns, packages: expandWorkspacePatterns(fs, rootDir, patterns) };
  }
  const pkgFile = path.posix.join(rootDir, 'package.json');
  const pkgText = fs.readFile(pkgFile);
  if (pkgText === undefined) return undefined;
  let pkg: unknown;
  try {
    pkg = JSON.parse(pkgText);
  } catch (error) {
    throw new LoadError('bad-workspace', pkgFile, `${pkgFile} is not valid JSON: ${(error as Error).message}`);
  }
  if (!isObject(pkg) || pkg.workspaces === undefined) return undefined;
  const ws = pkg.workspaces;
  const list = Array.isArray(ws) ? ws : isObject(ws) ? ws.packages : undefined;
  if (list === undefined && isObject(ws)) return undefined; // yarn's { nohoist } without packages
  if (!Array.isArray(list) || !list.every((p): p is string => typeof p === 'string')) {
    throw new LoadError(
      'bad-workspace',
      pkgFile,
      `${pkgFile}: "workspaces" must be an array of glob strings or { "packages": [...] }.`,
    );
  }
  return { manager: 'npm', manifest: pkgFile, patterns: list, packages: expandWorkspacePatterns(fs, rootDir, list) };
}

/**
 * The `packages:` list of a pnpm-workspace.yaml. A small YAML subset: a block sequence
 * (`- 'packages/*'`) or a flow sequence (`packages: ['a/*', "b"]`), plain, single- or
 * double-quoted scalars, `#` comments. Other top-level keys (`catalog:`, …) are skipped.
 */
export function parsePnpmWorkspacePackages(text: string, file = 'pnpm-workspace.yaml'): string[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const out: string[] = [];
  let inPackages = false;
  for (let i = 0; i < lines.length; i++) {
    const line = stripComment(lines[i] ?? '');
    if (line.trim() === '' || line.trim() === '---') continue;
    const topLevel = !/^\s/.test(line);
    if (topLevel) {
      const m = /^packages\s*:\s*(.*)$/.exec(line);
      inPackages = false;
      if (!m) continue;
      const rest = (m[1] ?? '').trim();
      if (rest === '') {
        inPackages = true;
        continue;
      }
      if (rest.startsWith('[') && rest.endsWith(']')) {
        const inner = rest.slice(1, -1).trim();
        if (inner !== '') for (const item of splitFlow(inner)) out.push(unquote(item.trim(), file, i + 1));
        continue;
      }
      throw badYaml(file, i + 1, '"packages" must be a list of glob strings');
    }
    if (!inPackages) continue;
    const item = /^\s+-\s*(.*)$/.exec(line);
    if (!item) throw badYaml(file, i + 1, 'expected a list item ("- <glob>") under "packages:"');
    out.push(unquote((item[1] ?? '').trim(), file, i + 1));
  }
  return out;
}

function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1] ?? ''))) {
      return line.slice(0, i).trimEnd();
    }
  }
  return line.trimEnd();
}

function splitFlow(inner: string): string[] {
  const items: string[] = [];
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === ',') {
      items.push(inner.slice(start, i));
      start = i + 1;
    }
  }
  const last = inner.slice(start);
  if (last.trim() !== '') items.push(last);
  return items;
}

function unquote(value: string, file: string, line: number): string {
  if (value === '') throw badYaml(file, line, 'empty list item');
  if (value.startsWith("'")) {
    if (!value.endsWith("'") || value.length < 2) throw badYaml(file, line, 'unterminated quoted string');
    return value.slice(1, -1).replace(/''/g, "'");
  }
  if (value.startsWith('"')) {
    try {
      const parsed: unknown = JSON.parse(value);
      if (typeof parsed === 'string') return parsed;
    } catch {
      // fall through
    }
    throw badYaml(file, line, 'malformed double-quoted string');
  }
  if (/^[[{&*!|>%@`]/.test(value) && !value.startsWith('!')) throw badYaml(file, line, `unsupported YAML value ${value}`);
  return value;
}

function badYaml(file: string, line: number, message: string): LoadError {
  return new LoadError('bad-workspace', file, `${file}:${line}: ${message}.`);
}

/**
 * Directories under `rootDir` matched by the workspace globs (minimatch, `!` negates)
 * that hold a package.json. node_modules and VCS directories are never entered.
 */
export function expandWorkspacePatterns(fs: LoaderFs, rootDir: string, patterns: readonly string[]): WorkspacePackage[] {
  const positive: string[] = [];
  const negative: string[] = [];
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const p = normalisePattern(negated ? raw.slice(1) : raw);
    if (p === '') continue;
    (negated ? negative : positive).push(p);
  }
  if (positive.length === 0) return [];
  const maxDepth = positive.some((p) => p.includes('**'))
    ? MAX_GLOBSTAR_DEPTH
    : Math.max(...positive.map((p) => p.split('/').length));
  const found: WorkspacePackage[] = [];
  const matches = (rel: string, list: string[]) => list.some((p) => minimatch(rel, p, { dot: false }));
  const walk = (dir: string, rel: string, depth: number): void => {
    if (rel !== '' && matches(rel, positive) && !matches(rel, negative)) {
      const manifest = path.posix.join(dir, 'package.json');
      const text = fs.readFile(manifest);
      if (text !== undefined) {
        let name: string | undefined;
        try {
          const pkg: unknown = JSON.parse(text);
          if (isObject(pkg) && typeof pkg.name === 'string' && pkg.name !== '') name = pkg.name;
        } catch {
          // a broken package.json still makes a package; npm would complain, the analysis needs only the name
        }
        found.push({ name: name ?? rel, dir });
      }
    }
    if (depth >= maxDepth) return;
    for (const child of fs.list(dir).directories) {
      if (SKIPPED_DIRS.has(child) || child.startsWith('.')) continue;
      walk(path.posix.join(dir, child), rel === '' ? child : `${rel}/${child}`, depth + 1);
    }
  };
  walk(rootDir, '', 0);
  return found.sort((a, b) => (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0));
}

function normalisePattern(p: string): string {
  let out = p.trim().replace(/\\/g, '/');
  while (out.startsWith('./')) out = out.slice(2);
  while (out.endsWith('/')) out = out.slice(0, -1);
  if (out.endsWith('/package.json')) out = out.slice(0, -'/package.json'.length);
  return out === '.' ? '' : out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
