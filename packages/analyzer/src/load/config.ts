import path from 'node:path';
import type { FileSystemHost } from 'ts-morph';
import ts from 'typescript';
import type { AnalyzerOptions, BlockingOptions, LockOptions } from '../options.js';
import { LoadError } from './errors.js';
import { LoaderFs, relativePosix, resolvePosix, toPosix } from './fs.js';
import type { WorkspacePackage } from './workspaces.js';
import { closestName } from '../report/closest-name.js';

export type RuleLevel = 'off' | 'warn' | 'error';

/** How a rule is configured: a level, or `[level, options]` as in ESLint. */
export type RuleEntry = RuleLevel | [RuleLevel] | [RuleLevel, Record<string, unknown>];

/**
 * lockwise.config.json, or the `"lockwise"` key of package.json. Paths are relative to the
 * audited directory.
 */
export interface LockwiseConfig {
  subsystems?: { globs?: Record<string, string[]>; sourceRoot?: string };
  locks?: LockOptions;
  blocking?: BlockingOptions;
  /** Keyed by rule name, with or without the `lockwise/` prefix. */
  rules?: Record<string, RuleEntry>;
}

export interface RuleSetting {
  level: RuleLevel;
  options?: Record<string, unknown>;
}

export interface LoadedConfig {
  config: LockwiseConfig;
  /** Absolute path of the file it came from; undefined when there is none. */
  file?: string;
  /** `file`: lockwise.config.json or --config; `package.json`: its "lockwise" key; `none`: defaults. */
  source: 'file' | 'package.json' | 'none';
  /** `config.rules` normalised: bare rule name → level and options. */
  rules: Map<string, RuleSetting>;
}

export interface LoadConfigOptions {
  /** Audited directory (where lockwise.config.json and package.json are looked for). Default: cwd. */
  dir?: string;
  /** Explicit config file (`--config`), resolved against cwd. */
  config?: string;
  cwd?: string;
  fileSystem?: FileSystemHost;
  /** Rule names (bare) that exist; when given, unknown names in `rules` are configuration errors. */
  knownRules?: readonly string[];
}

export const CONFIG_FILE_NAME = 'lockwise.config.json';
export const PACKAGE_JSON_KEY = 'lockwise';
const RULE_PREFIX = 'lockwise/';

/**
 * Finds and validates the configuration: `--config <file>` if given, else
 * `<dir>/lockwise.config.json`, else the `"lockwise"` key of `<dir>/package.json`, else none.
 * lockwise.config.json may contain comments and trailing commas. Errors are
 * `LoadError('no-config' | 'bad-config')` naming the file and the key.
 */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const cwd = toPosix(options.cwd ?? process.cwd());
  const dir = resolvePosix(cwd, options.dir ?? '.');
  const fs = new LoaderFs(options.fileSystem);
  if (options.config !== undefined) {
    const file = resolvePosix(cwd, options.config);
    const text = fs.readFile(file);
    if (text === undefined) {
      throw new LoadError('no-config', file, `The config file given with --config does not exist: ${file}.`);
    }
    return fromFile(file, text, cwd, options.knownRules);
  }
  const configFile = path.posix.join(dir, CONFIG_FILE_NAME);
  const configText = fs.readFile(configFile);
  if (configText !== undefined) return fromFile(configFile, configText, cwd, options.knownRules);
  const pkgFile = path.posix.join(dir, 'package.json');
  const pkgText = fs.readFile(pkgFile);
  if (pkgText !== undefined) {
    let pkg: unknown;
    try {
      pkg = JSON.parse(pkgText);
    } catch (error) {
      throw new LoadError('bad-config', pkgFile, `${display(cwd, pkgFile)} is not valid JSON: ${(error as Error).message}`);
    }
    if (isObject(pkg) && pkg[PACKAGE_JSON_KEY] !== undefined) {
      const config = validateConfig(pkg[PACKAGE_JSON_KEY], {
        file: display(cwd, pkgFile),
        keyPrefix: PACKAGE_JSON_KEY,
        knownRules: options.knownRules,
        absoluteFile: pkgFile,
      });
      return { config, file: pkgFile, source: 'package.json', rules: normaliseRules(config) };
    }
  }
  return { config: {}, source: 'none', rules: new Map() };
}

function fromFile(file: string, text: string, cwd: string, knownRules: readonly string[] | undefined): LoadedConfig {
  const { config: json, error } = ts.parseConfigFileTextToJson(file, text);
  if (error) {
    const where =
      error.file && error.start !== undefined ? error.file.getLineAndCharacterOfPosition(error.start) : undefined;
    const at = where ? `:${where.line + 1}:${where.character + 1}` : '';
    throw new LoadError(
      'bad-config',
      file,
      `${display(cwd, file)}${at}: not valid JSON: ${ts.flattenDiagnosticMessageText(error.messageText, '\n')}`,
    );
  }
  const config = validateConfig(json, { file: display(cwd, file), keyPrefix: '', knownRules, absoluteFile: file });
  return { config, file, source: 'file', rules: normaliseRules(config) };
}

function display(cwd: string, file: string): string {
  const rel = relativePosix(cwd, file);
  return rel.startsWith('../') ? file : rel;
}

interface Where {
  /** File name as printed. */
  file: string;
  /** `lockwise` for package.json, '' for a config file. */
  keyPrefix: string;
  knownRules?: readonly string[];
  absoluteFile?: string;
}

/** Checks the shape of a configuration object; throws `LoadError('bad-config')` naming the file and the key. */
export function validateConfig(value: unknown, where: Where): LockwiseConfig {
  const v = new Validator(where);
  v.object(value, '', ['$schema', 'subsystems', 'locks', 'blocking', 'rules']);
  const config = value as Record<string, unknown>;
  if (config.subsystems !== undefined) {
    v.object(config.subsystems, 'subsystems', ['globs', 'sourceRoot']);
    const s = config.subsystems as Record<string, unknown>;
    if (s.globs !== undefined) {
      v.object(s.globs, 'subsystems.globs');
      for (const [name, globs] of Object.entries(s.globs as Record<string, unknown>)) {
        v.stringArray(globs, `subsystems.globs.${name}`);
      }
    }
    if (s.sourceRoot !== undefined) v.string(s.sourceRoot, 'subsystems.sourceRoot');
  }
  if (config.locks !== undefined) {
    v.object(config.locks, 'locks', ['declare', 'confirm', 'refute', 'heldAcrossBlocking', 'reentrant', 'noYield']);
    const l = config.locks as Record<string, unknown>;
    if (l.declare !== undefined) {
      v.array(l.declare, 'locks.declare');
      (l.declare as unknown[]).forEach((d, i) => {
        const key = `locks.declare[${i}]`;
        v.object(d, key, ['target', 'kind', 'reentrant', 'acquire', 'release', 'runExclusive']);
        const decl = d as Record<string, unknown>;
        if (decl.target === undefined) v.fail(`${key}.target`, 'is required (`module#binding`, `Class#field` or a class name)');
        v.string(decl.target, `${key}.target`);
        if (decl.kind !== undefined) v.oneOf(decl.kind, `${key}.kind`, ['mutex', 'semaphore', 'keyed', 'rw', 'sync']);
        if (decl.reentrant !== undefined) v.boolean(decl.reentrant, `${key}.reentrant`);
        for (const k of ['acquire', 'release', 'runExclusive']) {
          if (decl[k] !== undefined) v.stringArray(decl[k], `${key}.${k}`);
        }
      });
    }
    for (const k of ['confirm', 'refute', 'heldAcrossBlocking', 'reentrant', 'noYield']) {
      if (l[k] !== undefined) v.stringArray(l[k], `locks.${k}`);
    }
  }
  if (config.blocking !== undefined) {
    v.object(config.blocking, 'blocking', ['boundedWaitMs', 'operations', 'externalPromisesBlock']);
    const b = config.blocking as Record<string, unknown>;
    if (b.boundedWaitMs !== undefined) {
      if (typeof b.boundedWaitMs !== 'number' || !Number.isFinite(b.boundedWaitMs) || b.boundedWaitMs < 0) {
        v.fail('blocking.boundedWaitMs', `must be a non-negative number of milliseconds (got ${show(b.boundedWaitMs)})`);
      }
    }
    if (b.operations !== undefined) v.stringArray(b.operations, 'blocking.operations');
    if (b.externalPromisesBlock !== undefined) v.boolean(b.externalPromisesBlock, 'blocking.externalPromisesBlock');
  }
  if (config.rules !== undefined) {
    v.object(config.rules, 'rules');
    const seen = new Map<string, string>();
    for (const [name, entry] of Object.entries(config.rules as Record<string, unknown>)) {
      const key = `rules.${name}`;
      const bare = name.startsWith(RULE_PREFIX) ? name.slice(RULE_PREFIX.length) : name;
      if (where.knownRules && !where.knownRules.includes(bare)) {
        v.fail(key, `is not a lockwise rule (rules: ${where.knownRules.join(', ')})`);
      }
      const previous = seen.get(bare);
      if (previous !== undefined) v.fail(key, `configures the same rule as "${previous}"`);
      seen.set(bare, name);
      if (typeof entry === 'string') {
        v.oneOf(entry, key, ['off', 'warn', 'error']);
      } else if (Array.isArray(entry)) {
        if (entry.length < 1 || entry.length > 2) {
          v.fail(key, `must be "off" | "warn" | "error" or [level, options] (got an array of ${entry.length})`);
        }
        v.oneOf(entry[0], `${key}[0]`, ['off', 'warn', 'error']);
        if (entry.length === 2) v.object(entry[1], `${key}[1]`);
      } else {
        v.fail(key, `must be "off" | "warn" | "error" or [level, options] (got ${show(entry)})`);
      }
    }
  }
  return config as LockwiseConfig;
}

class Validator {
  constructor(private readonly where: Where) {}

  fail(key: string, message: string): never {
    const full = [this.where.keyPrefix, key].filter((k) => k !== '').join('.');
    const subject = full === '' ? 'the configuration' : `"${full}"`;
    throw new LoadError('bad-config', this.where.absoluteFile ?? this.where.file, `${this.where.file}: ${subject} ${message}.`);
  }

  object(value: unknown, key: string, allowed?: readonly string[]): void {
    if (!isObject(value)) this.fail(key, `must be an object (got ${show(value)})`);
    if (allowed) {
      for (const k of Object.keys(value)) {
        if (!allowed.includes(k)) {
          const hint = closestName(k, allowed);
          this.fail(key === '' ? k : `${key}.${k}`, `is not a known key${hint ? ` (did you mean "${hint}"?)` : ''}; expected one of: ${allowed.filter((a) => a !== '$schema').join(', ')}`);
        }
      }
    }
  }

  array(value: unknown, key: string): void {
    if (!Array.isArray(value)) this.fail(key, `must be an array (got ${show(value)})`);
  }

  string(value: unknown, key: string): void {
    if (typeof value !== 'string' || value === '') this.fail(key, `must be a non-empty string (got ${show(value)})`);
  }

  boolean(value: unknown, key: string): void {
    if (typeof value !== 'boolean') this.fail(key, `must be true or false (got ${show(value)})`);
  }

  stringArray(value: unknown, key: string): void {
    this.array(value, key);
    (value as unknown[]).forEach((item, i) => {
      if (typeof item !== 'string' || item === '') this.fail(`${key}[${i}]`, `must be a non-empty string (got ${show(item)})`);
    });
  }

  oneOf(value: unknown, key: string, options: readonly string[]): void {
    if (typeof value !== 'string' || !options.includes(value)) {
      this.fail(key, `must be one of ${options.map((o) => `"${o}"`).join(', ')} (got ${show(value)})`);
    }
  }
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return JSON.stringify(value);
}

function normaliseRules(config: LockwiseConfig): Map<string, RuleSetting> {
  const out = new Map<string, RuleSetting>();
  for (const [name, entry] of Object.entries(config.rules ?? {})) {
    const bare = name.startsWith(RULE_PREFIX) ? name.slice(RULE_PREFIX.length) : name;
    if (typeof entry === 'string') out.set(bare, { level: entry });
    else out.set(bare, entry[1] === undefined ? { level: entry[0] } : { level: entry[0], options: entry[1] });
  }
  return out;
}

/**
 * The analyzer options a configuration and a loaded project give: workspace packages as
 * subsystems, the config's globs (relative to rootDir) and its sourceRoot resolved against
 * rootDir to an absolute POSIX path, its lock and blocking options as written.
 */
export function analyzerOptionsFromConfig(
  config: LockwiseConfig,
  rootDir: string,
  packages: readonly WorkspacePackage[] = [],
): AnalyzerOptions {
  const options: AnalyzerOptions = { rootDir: toPosix(rootDir) };
  const subsystems: NonNullable<AnalyzerOptions['subsystems']> = {};
  if (packages.length > 0) subsystems.packages = packages.map((p) => ({ name: p.name, dir: p.dir }));
  if (config.subsystems?.globs) subsystems.globs = config.subsystems.globs;
  if (config.subsystems?.sourceRoot !== undefined) subsystems.sourceRoot = resolvePosix(rootDir, config.subsystems.sourceRoot);
  if (Object.keys(subsystems).length > 0) options.subsystems = subsystems;
  if (config.locks) options.locks = config.locks;
  if (config.blocking) options.blocking = config.blocking;
  return options;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
