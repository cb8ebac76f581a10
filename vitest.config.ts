import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the sources: no build step between an edit and its test.
    alias: {
      '@lockwise/analyzer': here('./packages/analyzer/src/index.ts'),
      '@lockwise/rules': here('./rules/index.ts'),
    },
  },
  test: {
    include: ['tests/**/*.test.ts', 'rules/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', 'tests/__virtual__/**', 'tests/.scratch/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default is one worker fewer than the cores: on a 2-core CI machine, one worker, and
    // the suite ran file after file (761 s under CI=true). Two workers there took 532 s.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
