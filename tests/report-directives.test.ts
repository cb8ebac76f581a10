import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { directivesOf } from '../packages/analyzer/src/report/directives.js';

// Acknowledgement comments, found only where the file's text mentions them and only in comments.

const parse = (text: string) => ts.createSourceFile('/virtual/file.ts', text, ts.ScriptTarget.Latest, true);
const found = (text: string) =>
  [...directivesOf(parse(text)).values()].flat().map((d) => ({ kind: d.kind, rules: d.rules, reason: d.reason, line: d.line, appliesToLine: d.appliesToLine }));

describe('acknowledgement directives', () => {
  it('finds directives deep inside nested bodies, leading, trailing and before a closing brace', () => {
    const text = `// an ordinary comment
export class Store {
  /* another */
  async run(): Promise<void> {
    const handler = async () => {
      // lockwise-ignore no-unacknowledged-blocking -- the queue is drained first
      await fetch('x');
      await fetch('y'); // eslint-disable-line lockwise/no-reentrant-acquire -- checked by hand
    };
    await handler();
    // eslint-disable-next-line lockwise/consistent-lock-order -- before the brace
  }
}
`;
    expect(found(text)).toEqual([
      { kind: 'lockwise', rules: ['no-unacknowledged-blocking'], reason: 'the queue is drained first', line: 6, appliesToLine: 7 },
      { kind: 'eslint', rules: ['no-reentrant-acquire'], reason: 'checked by hand', line: 8, appliesToLine: 8 },
      { kind: 'eslint', rules: ['consistent-lock-order'], reason: 'before the brace', line: 11, appliesToLine: 12 },
    ]);
  });

  it('ignores the words in strings and templates, and directives for other plugins', () => {
    const text = `const a = '// eslint-disable-next-line lockwise/no-lock-passing -- not a comment';
const b = \`
// lockwise-ignore no-lock-passing -- inside a template
\`;
// eslint-disable-next-line no-console -- another plugin's rule
console.log(a, b);
`;
    expect(found(text)).toEqual([]);
  });
});
