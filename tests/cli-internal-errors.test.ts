import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Analysis, AnalyzerOptions } from '@lockwise/analyzer';
import type { LockwiseRule } from '@lockwise/rules';

/** What the mocked analyzer does on top of the real one. */
const mode = vi.hoisted(() => ({ current: 'diagnostic' as 'diagnostic' | 'throw' | 'none' }));

vi.mock('@lockwise/analyzer', async (importOriginal) => {
  const real = await importOriginal<typeof import('@lockwise/analyzer')>();
  return {
    ...real,
    analyzeProgram(program: Parameters<typeof real.analyzeProgram>[0], options: AnalyzerOptions): Analysis {
      if (mode.current === 'throw') throw new Error('the call graph fell over');
      const analysis = real.analyzeProgram(program, options);
      if (mode.current === 'none') return analysis;
      const file = `${options.rootDir}/src/app/case.ts`;
      // the real analysis underneath (its methods live on its class), with two diagnostics added
      return Object.assign(Object.create(analysis) as Analysis, {
        diagnostics: [
          ...analysis.diagnostics,
          {
            severity: 'error',
            message: 'internal error while analysing run; it was skipped: kaboom',
            location: { file, line: 6, column: 1, endLine: 8, endColumn: 2 },
          },
          { severity: 'warning', message: 'a note that is not an error' },
        ],
      });
    },
  };
});

vi.mock('@lockwise/rules', async (importOriginal) => {
  const real = await importOriginal<typeof import('@lockwise/rules')>();
  const crashing: LockwiseRule<object> = {
    name: 'crashes-always',
    meta: {
      type: 'problem',
      docs: { description: 'A rule with a bug', preset: 'strict', severity: 'error' },
      messages: {},
      schema: {},
      defaultOptions: {},
    },
    check() {
      throw new Error('rule bug');
    },
  };
  return { ...real, allRules: [...real.allRules, crashing] };
});

import { main } from '../packages/cli/src/main.js';
import { HAZARD_FILES, jsonReportProblems, makeProject, removeProjects, runMain } from './cli-harness.js';

afterAll(removeProjects);
beforeEach(() => {
  mode.current = 'diagnostic';
});

const RULE = 'lockwise/no-unacknowledged-blocking';

describe('internal errors', () => {
  it('a function skipped and a rule that crashed: the report is printed, the errors on stderr with file:line, exit 2', async () => {
    const dir = makeProject(HAZARD_FILES, { nodeModules: true });
    const run = await runMain(main, ['audit', dir, '--format', 'json']);
    expect(run.code).toBe(2);
    const out = JSON.parse(run.stdout);
    expect(jsonReportProblems(out)).toEqual([]);
    expect(out.findings.map((f: { ruleId: string }) => f.ruleId)).toEqual([RULE]);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe('lockwise: error: src/app/case.ts:6:1: internal error while analysing run; it was skipped: kaboom');
    expect(lines[1]).toBe('lockwise: warning: a note that is not an error');
    expect(lines[2]).toMatch(/^lockwise: error: internal error in rule crashes-always; its findings are missing: rule bug \(at .+\)$/);
  });

  it('internal errors win over --fail-on never', async () => {
    const dir = makeProject(HAZARD_FILES, { nodeModules: true });
    expect((await runMain(main, ['audit', dir, '--fail-on', 'never'])).code).toBe(2);
  });

  it('--quiet keeps the errors and drops the warning', async () => {
    const dir = makeProject(HAZARD_FILES, { nodeModules: true });
    const run = await runMain(main, ['audit', dir, '--quiet']);
    expect(run.code).toBe(2);
    expect(run.stderr).not.toContain('a note that is not an error');
    expect(run.stderr).toContain('src/app/case.ts:6:1: internal error while analysing run');
  });

  it('SARIF marks the run unsuccessful and carries the notifications', async () => {
    const dir = makeProject(HAZARD_FILES, { nodeModules: true });
    const run = await runMain(main, ['audit', dir, '--format', 'sarif']);
    expect(run.code).toBe(2);
    const invocation = JSON.parse(run.stdout).runs[0].invocations[0];
    expect(invocation.executionSuccessful).toBe(false);
    expect(invocation.toolExecutionNotifications.map((n: { level: string }) => n.level)).toEqual(['error', 'warning', 'error']);
    expect(invocation.toolExecutionNotifications).toContainEqual({
      level: 'error',
      message: { text: 'internal error while analysing run; it was skipped: kaboom' },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: 'src/app/case.ts', uriBaseId: 'SRCROOT' },
            region: { startLine: 6, startColumn: 1 },
          },
        },
      ],
    });
  });

  it('the analysis itself failing: exit 2, no report', async () => {
    mode.current = 'throw';
    const dir = makeProject(HAZARD_FILES, { nodeModules: true });
    const run = await runMain(main, ['audit', dir, '--format', 'json']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^lockwise: internal error while analysing the program: the call graph fell over \(at .+\)\n$/);
  });

  it('without internal errors the crashing rule alone still gives exit 2', async () => {
    mode.current = 'none';
    const dir = makeProject(HAZARD_FILES, { nodeModules: true });
    const run = await runMain(main, ['audit', dir, '--rule', 'crashes-always']);
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/^✔ 0 errors, 0 warnings/);
  });
});
