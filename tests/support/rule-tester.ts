import path from 'node:path';
import { RuleTester } from '@typescript-eslint/rule-tester';
import { afterAll, describe, it } from 'vitest';
import { toEslintRule, type LockwiseRule } from '@lockwise/rules';
import { REPO_ROOT } from './virtual-program.js';

RuleTester.afterAll = afterAll;
RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;

/** The project every case is linted in; see fixtures/rule-tester/README.md. */
export const RULE_FIXTURE = path.join(REPO_ROOT, 'fixtures', 'rule-tester');

/**
 * The file every case is linted as, in the `app` subsystem of the fixture. It exists on disk so
 * the project service finds it in the fixture's tsconfig; each case supplies its own text.
 */
export const APP_FILE = path.join(RULE_FIXTURE, 'src', 'app', 'case.ts');
/** A second case file in another subsystem (`other`), for cases that cross from there. */
export const OTHER_FILE = path.join(RULE_FIXTURE, 'src', 'other', 'case.ts');

export function appFile(_name?: string): string {
  return APP_FILE;
}

export function createRuleTester(): RuleTester {
  return new RuleTester({
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: RULE_FIXTURE,
      },
    },
  });
}

/** Runs a lockwise rule's ESLint face through typescript-eslint's RuleTester. */
export function eslintRule<O extends object>(rule: LockwiseRule<O>) {
  return toEslintRule(rule);
}
