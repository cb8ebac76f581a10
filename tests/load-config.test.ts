import { afterAll, describe, expect, it } from 'vitest';
import { analyzerOptionsFromConfig, LoadError, loadConfig, validateConfig } from '../packages/analyzer/src/load/index.js';
import { makeProject, removeProjects } from './cli-harness.js';

afterAll(removeProjects);

const RULES = ['no-lock-passing', 'no-unacknowledged-blocking'];

function loadError(fn: () => unknown): LoadError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(LoadError);
    return error as LoadError;
  }
  throw new Error('expected a LoadError');
}

describe('loadConfig', () => {
  it('no configuration: defaults', () => {
    const dir = makeProject({ 'package.json': { name: 'x' } });
    expect(loadConfig({ dir })).toEqual({ config: {}, source: 'none', rules: new Map() });
  });

  it('lockwise.config.json, with comments and trailing commas', () => {
    const dir = makeProject({
      'lockwise.config.json': `{
  // subsystems by glob
  "subsystems": { "globs": { "core": ["src/core/**"] }, "sourceRoot": "src" },
  "locks": { "heldAcrossBlocking": ["Store#mutex"], "declare": [{ "target": "src/q.ts#queueLock", "kind": "mutex" }] },
  "blocking": { "boundedWaitMs": 250, "operations": ["my-db#Client.query"], },
  "rules": {
    "no-lock-passing": "off",
    "lockwise/no-unacknowledged-blocking": ["warn", { "reportOwnSubsystem": true }],
  },
}`,
    });
    const loaded = loadConfig({ dir, knownRules: RULES });
    expect(loaded.source).toBe('file');
    expect(loaded.file).toBe(`${dir}/lockwise.config.json`);
    expect(loaded.config.blocking).toEqual({ boundedWaitMs: 250, operations: ['my-db#Client.query'] });
    expect([...loaded.rules]).toEqual([
      ['no-lock-passing', { level: 'off' }],
      ['no-unacknowledged-blocking', { level: 'warn', options: { reportOwnSubsystem: true } }],
    ]);
    expect(analyzerOptionsFromConfig(loaded.config, dir, [{ name: '@x/a', dir: `${dir}/packages/a` }])).toEqual({
      rootDir: dir,
      subsystems: {
        packages: [{ name: '@x/a', dir: `${dir}/packages/a` }],
        globs: { core: ['src/core/**'] },
        sourceRoot: `${dir}/src`,
      },
      locks: { heldAcrossBlocking: ['Store#mutex'], declare: [{ target: 'src/q.ts#queueLock', kind: 'mutex' }] },
      blocking: { boundedWaitMs: 250, operations: ['my-db#Client.query'] },
    });
  });

  it('the "lockwise" key of package.json', () => {
    const dir = makeProject({ 'package.json': { name: 'x', lockwise: { rules: { 'no-lock-passing': ['error'] } } } });
    const loaded = loadConfig({ dir });
    expect(loaded.source).toBe('package.json');
    expect(loaded.file).toBe(`${dir}/package.json`);
    expect([...loaded.rules]).toEqual([['no-lock-passing', { level: 'error' }]]);
  });

  it('lockwise.config.json wins over package.json', () => {
    const dir = makeProject({
      'package.json': { name: 'x', lockwise: { rules: { 'no-lock-passing': 'error' } } },
      'lockwise.config.json': { rules: { 'no-lock-passing': 'warn' } },
    });
    expect(loadConfig({ dir }).rules.get('no-lock-passing')).toEqual({ level: 'warn' });
  });

  it('--config: a file resolved against cwd, used instead of the directory’s', () => {
    const dir = makeProject({
      'lockwise.config.json': { rules: { 'no-lock-passing': 'warn' } },
      'ci/strict.json': { rules: { 'no-lock-passing': 'error' } },
    });
    const loaded = loadConfig({ dir, config: 'ci/strict.json', cwd: dir });
    expect(loaded.file).toBe(`${dir}/ci/strict.json`);
    expect(loaded.rules.get('no-lock-passing')).toEqual({ level: 'error' });
  });

  it('--config naming a missing file', () => {
    const dir = makeProject({});
    const error = loadError(() => loadConfig({ dir, config: 'nope.json', cwd: dir }));
    expect(error.code).toBe('no-config');
    expect(error.message).toBe(`The config file given with --config does not exist: ${dir}/nope.json.`);
  });

  it('invalid JSON: the file, the position and the problem', () => {
    const dir = makeProject({ 'lockwise.config.json': '{\n  "rules": {\n    "no-lock-passing": "warn"\n    "x": 1\n  }\n}\n' });
    const error = loadError(() => loadConfig({ dir, cwd: dir }));
    expect(error.code).toBe('bad-config');
    expect(error.message).toBe("lockwise.config.json:4:5: not valid JSON: ',' expected.");
  });

  it('a package.json that is not JSON', () => {
    const dir = makeProject({ 'package.json': '{ "name": ' });
    const error = loadError(() => loadConfig({ dir, cwd: dir }));
    expect(error.code).toBe('bad-config');
    expect(error.message).toMatch(/^package\.json is not valid JSON: /);
  });
});

describe('validateConfig: names the file and the key', () => {
  const where = { file: 'lockwise.config.json', keyPrefix: '', knownRules: RULES };
  const problem = (value: unknown, w: typeof where = where) => loadError(() => validateConfig(value, w));

  it.each([
    [[], 'lockwise.config.json: the configuration must be an object (got an array).'],
    [
      { subsytems: {} },
      'lockwise.config.json: "subsytems" is not a known key (did you mean "subsystems"?); expected one of: subsystems, locks, blocking, rules.',
    ],
    [{ subsystems: { globs: { core: 'src/core/**' } } }, 'lockwise.config.json: "subsystems.globs.core" must be an array (got "src/core/**").'],
    [{ subsystems: { sourceRoot: 3 } }, 'lockwise.config.json: "subsystems.sourceRoot" must be a non-empty string (got 3).'],
    [
      { locks: { declare: [{ target: 'a#b', kind: 'lock' }] } },
      'lockwise.config.json: "locks.declare[0].kind" must be one of "mutex", "semaphore", "keyed", "rw", "sync" (got "lock").',
    ],
    [
      { locks: { declare: [{ kind: 'mutex' }] } },
      'lockwise.config.json: "locks.declare[0].target" is required (`module#binding`, `Class#field` or a class name).',
    ],
    [{ locks: { heldAcrossBlocking: ['a', 2] } }, 'lockwise.config.json: "locks.heldAcrossBlocking[1]" must be a non-empty string (got 2).'],
    [{ blocking: { boundedWaitMs: -1 } }, 'lockwise.config.json: "blocking.boundedWaitMs" must be a non-negative number of milliseconds (got -1).'],
    [{ blocking: { externalPromisesBlock: 'yes' } }, 'lockwise.config.json: "blocking.externalPromisesBlock" must be true or false (got "yes").'],
    [
      { rules: { 'no-lock-passing': 'on' } },
      'lockwise.config.json: "rules.no-lock-passing" must be one of "off", "warn", "error" (got "on").',
    ],
    [
      { rules: { 'no-lock-passing': ['warn', 'strict'] } },
      'lockwise.config.json: "rules.no-lock-passing[1]" must be an object (got "strict").',
    ],
    [
      { rules: { 'no-lock-passing': 2 } },
      'lockwise.config.json: "rules.no-lock-passing" must be "off" | "warn" | "error" or [level, options] (got 2).',
    ],
    [
      { rules: { 'no-such-rule': 'warn' } },
      'lockwise.config.json: "rules.no-such-rule" is not a lockwise rule (rules: no-lock-passing, no-unacknowledged-blocking).',
    ],
    [
      { rules: { 'no-lock-passing': 'warn', 'lockwise/no-lock-passing': 'error' } },
      'lockwise.config.json: "rules.lockwise/no-lock-passing" configures the same rule as "no-lock-passing".',
    ],
  ])('%j', (value, message) => {
    const error = problem(value);
    expect(error.code).toBe('bad-config');
    expect(error.message).toBe(message);
  });

  it('in package.json the key is under "lockwise"', () => {
    const error = problem({ rules: { 'no-lock-passing': 'loud' } }, { file: 'package.json', keyPrefix: 'lockwise', knownRules: RULES });
    expect(error.message).toBe('package.json: "lockwise.rules.no-lock-passing" must be one of "off", "warn", "error" (got "loud").');
  });

  it('through loadConfig, the package.json path is in the message', () => {
    const dir = makeProject({ 'package.json': { name: 'x', lockwise: { blocking: { operations: 'fs' } } } });
    const error = loadError(() => loadConfig({ dir, cwd: dir }));
    expect(error.message).toBe('package.json: "lockwise.blocking.operations" must be an array (got "fs").');
    expect(error.path).toBe(`${dir}/package.json`);
  });

  it('$schema is allowed', () => {
    expect(validateConfig({ $schema: './schema.json' }, where)).toEqual({ $schema: './schema.json' });
  });
});
