import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import ts from 'typescript';
import { ts as tsMorphTs } from 'ts-morph';

const require = createRequire(import.meta.url);

describe('pinned toolchain', () => {
  it('uses one TypeScript version, whether the program comes from ts-morph or typescript-eslint', () => {
    expect(ts.version).toBe('6.0.2');
    expect(tsMorphTs.version).toBe(ts.version);
    const parserTs = require(require.resolve('typescript', { paths: [require.resolve('@typescript-eslint/typescript-estree')] })) as typeof ts;
    expect(parserTs.version).toBe(ts.version);
  });

  it('pins ESLint 10 and typescript-eslint 8.72.0 (the rule tester and the parser agree)', () => {
    expect((require('eslint/package.json') as { version: string }).version).toMatch(/^10\./);
    for (const name of ['@typescript-eslint/parser', '@typescript-eslint/utils', '@typescript-eslint/rule-tester', 'typescript-eslint']) {
      expect((require(`${name}/package.json`) as { version: string }).version, name).toBe('8.72.0');
    }
  });
});
