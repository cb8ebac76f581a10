// Every function's facts as text: each node as its place and kind (marked STALE when it belongs
// to a file version the analysed program no longer holds), each function as its key. Two
// analyses of one program that agree on this recorded the same facts at the same nodes. Used by
// scripts/check/warm-vs-cold.mjs and by the incremental tests (tests/support/analysis-digest.ts).
import ts from 'typescript';

/** @param {import('@lockwise/analyzer').Analysis} analysis @returns {string[]} one JSON line per function */
export function factsDigest(analysis) {
  const nodeText = (node) => {
    const sf = node.getSourceFile();
    const loc = analysis.location(node);
    const stale = analysis.program.getSourceFile(sf.fileName) === sf ? '' : ' STALE';
    return `${analysis.relativePath(loc.file)}:${loc.line}:${loc.column}-${loc.endLine}:${loc.endColumn} ${ts.SyntaxKind[node.kind]}${stale}`;
  };
  // the objects on the path to the value being written: a value met again below itself is a cycle
  const open = new Set();
  const text = (value) => {
    if (typeof value !== 'object' || value === null) return value;
    if (typeof value.kind === 'number' && typeof value.pos === 'number' && typeof value.getSourceFile === 'function') return nodeText(value);
    if ('key' in value && 'node' in value && 'sourceFile' in value) return `fn ${value.key}`;
    if (open.has(value)) return '(cycle)';
    open.add(value);
    try {
      if (value instanceof Map) return [...value].map(([k, v]) => [text(k), text(v)]);
      if (value instanceof Set || Array.isArray(value)) return [...value].map(text);
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, text(v)]));
    } finally {
      open.delete(value);
    }
  };
  return [...analysis.facts.values()].map((f) => JSON.stringify({ ...text(f), info: f.info.key }));
}
