import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HAZARD_FILES, jsonReportProblems, makeProject, REPO_ROOT, removeProjects, snapshotDir } from './cli-harness.js';

afterAll(removeProjects);

const BIN = path.join(REPO_ROOT, 'packages/cli/bin/lockwise.js');

/** The real command, as `npx lockwise` runs it: the bin over the built dist (`npm test` builds first). */
function lockwise(args: string[], cwd: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', CI: '1' };
  delete env.FORCE_COLOR;
  return spawnSync(process.execPath, [BIN, ...args], { cwd, env, encoding: 'utf8', timeout: 120_000 });
}

describe('the lockwise bin', () => {
  it('runs an audit end to end in a child process', () => {
    expect(fs.existsSync(path.join(REPO_ROOT, 'packages/cli/dist/main.js')), 'run `npm run build` first').toBe(true);
    const version = lockwise(['--version'], REPO_ROOT);
    expect(version.status).toBe(0);
    expect(version.stdout).toBe(`${JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'packages/cli/package.json'), 'utf8')).version}\n`);

    const dir = makeProject(HAZARD_FILES, { nodeModules: true });
    const before = snapshotDir(dir);
    const audit = lockwise(['audit', '--format', 'json'], dir);
    expect(audit.stderr).toBe('');
    expect(audit.status).toBe(1);
    const out = JSON.parse(audit.stdout);
    expect(jsonReportProblems(out)).toEqual([]);
    expect(out.findings.map((f: { ruleId: string; file: string; line: number }) => [f.ruleId, f.file, f.line])).toEqual([
      ['lockwise/no-unacknowledged-blocking', 'src/app/case.ts', 7],
    ]);
    expect(snapshotDir(dir)).toEqual(before);

    const bad = lockwise(['audit', 'fixtures/scenarios/no-tsconfig'], REPO_ROOT);
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('--project');

    const usage = lockwise(['audit', '--bogus'], REPO_ROOT);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain("Unknown option '--bogus'");
  });
});
