import { describe, expect, it } from 'vitest';
import { analyzeProgram } from '@lockwise/analyzer';
import { allRules, runRule, withDefaults } from '@lockwise/rules';
// @ts-expect-error plain ESM helper shared with the benchmark
import { CORPUS, materialize, programOf } from '../scripts/bench/corpus.mjs';

describe('real code the analysis did not expect', () => {
  for (const entry of CORPUS as { name: string }[]) {
    it(`analyses ${entry.name}'s shipped sources without an internal error, and every rule runs on it`, () => {
      const dir = materialize(entry);
      const program = programOf(dir);
      const analysis = analyzeProgram(program, { rootDir: dir });
      expect(analysis.diagnostics).toEqual([]);
      expect(analysis.stats.files).toBeGreaterThan(50);
      expect(analysis.stats.functions).toBeGreaterThan(500);
      expect(analysis.stats.callEdges).toBeGreaterThan(500);
      for (const rule of allRules) {
        expect(() => runRule(analysis, rule, withDefaults(rule, {})), rule.name).not.toThrow();
      }
    });
  }
});
