import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { analysisCounters } from '@lockwise/analyzer';
import { rulesByName, toEslintRule } from '@lockwise/rules';
import { REPO_ROOT } from './support/virtual-program.js';

// An editor in one process: ESLint's Node API lints a project, one file's text is edited and
// linted again, the way an editor integration re-lints the buffer being typed in.
const FIXTURE = path.join(REPO_ROOT, 'fixtures', 'editor');
const ENGINE = path.join(FIXTURE, 'src', 'sync', 'engine.ts');

function createEslint(ruleNames: string[]): ESLint {
  const rules = Object.fromEntries(ruleNames.map((name) => [name, toEslintRule(rulesByName.get(name)!)]));
  return new ESLint({
    cwd: FIXTURE,
    overrideConfigFile: true,
    overrideConfig: [
      {
        files: ['**/*.ts'],
        languageOptions: { parser: tseslint.parser, parserOptions: { projectService: true, tsconfigRootDir: FIXTURE } },
        plugins: { lockwise: { rules: rules as never } },
        rules: Object.fromEntries(ruleNames.map((name) => [`lockwise/${name}`, 'error'])),
      },
    ],
  });
}

const original = fs.readFileSync(ENGINE, 'utf8');
/** The edit: flush now uploads while still holding the engine's lock (sync → storage → net). */
const blockingEdit = original.replace(
  '    const batch = await engineLock.runExclusive(() => this.queue.splice(0));\n    await archive(batch);',
  '    await engineLock.runExclusive(async () => {\n      await archive(this.queue.splice(0));\n    });',
);

/** The edit: flush rotates the archive while holding the engine's lock; rotate takes that lock again (sync → storage → util). */
const deadlockEdit = original
  .replace("import { archive } from '../storage/archive.js';", "import { archive, rotate } from '../storage/archive.js';")
  .replace(
    '    const batch = await engineLock.runExclusive(() => this.queue.splice(0));\n    await archive(batch);',
    '    const batch = await engineLock.runExclusive(async () => {\n      await rotate();\n      return this.queue.splice(0);\n    });\n    await archive(batch);',
  );

describe('editor simulation', () => {
  it('a deadlock that spans three files appears after an edit and disappears after the undo, without re-walking untouched files', async () => {
    expect(deadlockEdit).not.toBe(original);
    const eslint = createEslint(['no-reentrant-acquire']);
    const messages = async (text: string) => (await eslint.lintText(text, { filePath: ENGINE }))[0]!.messages.map((m) => `${m.line}:${m.column} ${m.ruleId}`);
    expect((await eslint.lintFiles(['src/**/*.ts'])).flatMap((r) => r.messages)).toEqual([]);

    const before = { ...analysisCounters };
    expect(await messages(deadlockEdit)).toEqual(['17:13 lockwise/no-reentrant-acquire']);
    const afterEdit = { ...analysisCounters };
    expect(afterEdit.filesWalked - before.filesWalked).toBeLessThanOrEqual(3);
    expect(afterEdit.filesReused - before.filesReused).toBeGreaterThanOrEqual(1);

    expect(await messages(original)).toEqual([]);
    const afterUndo = { ...analysisCounters };
    expect(afterUndo.filesWalked - afterEdit.filesWalked).toBeLessThanOrEqual(3);
  });

  it('a finding whose chain spans three files appears after an edit and disappears after the undo, re-walking only the edited file', async () => {
    expect(blockingEdit).not.toBe(original);
    const eslint = createEslint(['no-unacknowledged-blocking']);
    const messages = async (text: string) => (await eslint.lintText(text, { filePath: ENGINE }))[0]!.messages.map((m) => `${m.line}:${m.column} ${m.ruleId}`);

    // A full lint of the project first, as an editor does when it opens.
    const all = await eslint.lintFiles(['src/**/*.ts']);
    expect(all.flatMap((r) => r.messages)).toEqual([]);

    const before = { ...analysisCounters };
    expect(await messages(blockingEdit)).toEqual(['16:11 lockwise/no-unacknowledged-blocking']);
    const afterEdit = { ...analysisCounters };
    expect(afterEdit.analyses - before.analyses).toBe(1);
    // The edited file, and files whose walk resolved into it, are walked again; nothing else.
    expect(afterEdit.filesWalked - before.filesWalked).toBeLessThanOrEqual(3);
    expect(afterEdit.filesReused - before.filesReused).toBeGreaterThanOrEqual(1);

    expect(await messages(original)).toEqual([]);
  });
});
