import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeProgram, loadProject } from '@lockwise/analyzer';
import { allRules, runRule, withDefaults, type Finding } from '@lockwise/rules';
import { REPO_ROOT } from './support/virtual-program.js';

/**
 * The editor asks each rule for one file's findings and the rule skips the rest of the program
 * (`check(analysis, options, scope)`). That is only an optimisation if it is exact: per file, the
 * scoped findings must be the whole-program findings that fall in the file, for every rule.
 */
const PROJECTS = ['fixtures/demo-app', 'fixtures/editor', 'fixtures/libraries'];

const identity = (f: Finding) => `${f.ruleId} ${f.location.file}:${f.location.line}:${f.location.column} ${f.message} ${JSON.stringify(f.trace)}`;

describe('a rule asked for one file finds exactly what the whole-program run finds there', () => {
  for (const project of PROJECTS) {
    it(project, () => {
      const loaded = loadProject({ dir: path.join(REPO_ROOT, project) });
      const analysis = analyzeProgram(loaded.program, { rootDir: loaded.rootDir });
      let compared = 0;
      for (const rule of allRules) {
        const options = withDefaults(rule, undefined);
        const whole = runRule(analysis, rule, options);
        for (const sourceFile of analysis.sourceFiles) {
          const file = path.resolve(sourceFile.fileName);
          const scoped = runRule(analysis, rule, options, undefined, new Set([sourceFile]));
          const expected = whole.findings.filter((f) => path.resolve(f.location.file) === file);
          expect(scoped.findings.map(identity), `${rule.name} in ${sourceFile.fileName}`).toEqual(expected.map(identity));
          const expectedAcks = whole.acknowledgements.filter((a) => path.resolve(a.location.file) === file);
          expect(scoped.acknowledgements.map((a) => `${a.ruleId} ${a.location.line}:${a.location.column} ${a.by}`)).toEqual(
            expectedAcks.map((a) => `${a.ruleId} ${a.location.line}:${a.location.column} ${a.by}`),
          );
          compared += expected.length;
        }
      }
      // the comparison is not vacuous: the demo has findings of every rule in many files
      if (project === 'fixtures/demo-app') expect(compared).toBeGreaterThan(20);
    });
  }
});
