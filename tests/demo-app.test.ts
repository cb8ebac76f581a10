import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import plugin from '../packages/eslint-plugin/src/index.js';
import { main } from '../packages/cli/src/main.js';
import { runMain } from './cli-harness.js';
import { REPO_ROOT } from './support/virtual-program.js';

// fixtures/demo-app/EXPECTED.md is the specification of the showcase: every finding it lists,
// nothing else, and silence on every "must stay quiet" line. ESLint must say the same as the CLI.
const DEMO = path.join(REPO_ROOT, 'fixtures', 'demo-app');
const expectedText = fs.readFileSync(path.join(DEMO, 'EXPECTED.md'), 'utf8');

const expectedFindings = [...expectedText.matchAll(/^\| ([a-z-]+) \| (src\/[^ ]+) \| (\d+) \| (\d+) \|/gm)]
  .map(([, rule, file, line, column]) => `${file}:${line}:${column} lockwise/${rule}`)
  .sort();
const quietLines = [...expectedText.matchAll(/^- `(src\/[^:]+):(\d+)`/gm)].map(([, file, line]) => `${file}:${line}`);

interface JsonFinding {
  ruleId: string;
  file: string;
  line: number;
  column: number;
  message: string;
}

async function audit(): Promise<{ code: number; findings: JsonFinding[] }> {
  const { code, stdout } = await runMain(main, ['audit', DEMO, '--format', 'json']);
  return { code, findings: (JSON.parse(stdout) as { findings: JsonFinding[] }).findings };
}

describe('fixtures/demo-app', () => {
  it('lockwise audit reports exactly the findings EXPECTED.md lists, and exits 1', async () => {
    expect(expectedFindings.length).toBeGreaterThanOrEqual(20);
    const { code, findings } = await audit();
    expect(findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.ruleId}`).sort()).toEqual(expectedFindings);
    expect(code).toBe(1);
  });

  it('stays quiet on every line EXPECTED.md says must stay quiet', async () => {
    expect(quietLines.length).toBeGreaterThanOrEqual(20);
    const { findings } = await audit();
    const noisy = findings.filter((f) => quietLines.includes(`${f.file}:${f.line}`));
    expect(noisy).toEqual([]);
  });

  it('shows every rule firing at least once', async () => {
    const { findings } = await audit();
    expect(new Set(findings.map((f) => f.ruleId)).size).toBe(Object.keys(plugin.rules).length);
  });

  it('ESLint with the plugin reports the same findings as the CLI: same rule, location and message', async () => {
    const eslint = new ESLint({
      cwd: DEMO,
      overrideConfigFile: true,
      overrideConfig: [
        {
          files: ['**/*.ts'],
          languageOptions: { parser: tseslint.parser, parserOptions: { projectService: true, tsconfigRootDir: DEMO } },
        },
        plugin.configs.strict as never,
      ],
    });
    const results = await eslint.lintFiles(['src/**/*.ts']);
    const fromEslint = results
      .flatMap((r) => r.messages.map((m) => `${path.relative(DEMO, r.filePath).split(path.sep).join('/')}:${m.line}:${m.column} ${m.ruleId} ${m.message}`))
      .sort();
    const { findings } = await audit();
    const fromCli = findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.ruleId} ${f.message}`).sort();
    expect(fromEslint).toEqual(fromCli);
  });
});
