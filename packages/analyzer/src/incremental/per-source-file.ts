import type ts from 'typescript';

/**
 * An answer about a file computed once per `SourceFile`: its text never changes, and an editor's
 * program versions share the `SourceFile` of every file an edit did not touch, so the answer
 * carries over to them.
 */
export function perSourceFile<T>(compute: (sf: ts.SourceFile) => T): (sf: ts.SourceFile) => T {
  const answers = new WeakMap<ts.SourceFile, T>();
  return (sf) => {
    if (answers.has(sf)) return answers.get(sf) as T;
    const answer = compute(sf);
    answers.set(sf, answer);
    return answer;
  };
}
