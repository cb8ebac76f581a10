import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/virtual-program.js';

// ESLint's bulk suppressions (`--suppress-all`, eslint-suppressions.json) with the plugin, through
// the real eslint CLI on a copy of a scenario (inside the repo so the packages resolve).
const SCENARIO = path.join(REPO_ROOT, 'fixtures', 'scenarios', 'cross-subsystem-blocking');
const WORK = path.join(REPO_ROOT, 'tests', '__virtual__', `suppressions-${process.pid}`);
const ESLINT_BIN = path.join(REPO_ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js');

function eslint(...args: string[]) {
  const result = spawnSync(process.execPath, [ESLINT_BIN, '--format', 'json', ...args, 'src'], { cwd: WORK, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const results = JSON.parse(result.stdout || '[]') as { filePath: string; messages: { ruleId: string; line: number; column: number }[] }[];
  return {
    status: result.status,
    stderr: result.stderr,
    messages: results.flatMap((r) => r.messages.map((m) => `${path.relative(WORK, r.filePath).split(path.sep).join('/')}:${m.line}:${m.column} ${m.ruleId}`)),
  };
}

describe('ESLint bulk suppressions', () => {
  afterAll(() => fs.rmSync(WORK, { recursive: true, force: true }));

  it('suppresses existing lockwise findings with --suppress-all and reports them again once the file is removed', () => {
    fs.rmSync(WORK, { recursive: true, force: true });
    fs.cpSync(SCENARIO, WORK, { recursive: true });
    fs.writeFileSync(
      path.join(WORK, 'eslint.config.mjs'),
      `import tseslint from 'typescript-eslint';
import lockwise from 'eslint-plugin-lockwise';

export default [
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser, parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
  },
  lockwise.configs.recommended,
];
`,
    );

    const before = eslint();
    expect(before.messages).toEqual(['src/orders/checkout.ts:18:12 lockwise/no-unacknowledged-blocking']);
    expect(before.status).toBe(1);

    const suppress = eslint('--suppress-all');
    expect(suppress.status).toBe(0);
    const file = JSON.parse(fs.readFileSync(path.join(WORK, 'eslint-suppressions.json'), 'utf8')) as Record<string, Record<string, { count: number }>>;
    expect(file).toEqual({ 'src/orders/checkout.ts': { 'lockwise/no-unacknowledged-blocking': { count: 1 } } });

    const after = eslint();
    expect(after.messages).toEqual([]);
    expect(after.status).toBe(0);

    fs.rmSync(path.join(WORK, 'eslint-suppressions.json'));
    expect(eslint().messages).toEqual(before.messages);
  });
});
