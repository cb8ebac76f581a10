import ts from 'typescript';
import { expect } from 'vitest';
import type { Analysis } from '@lockwise/analyzer';
import { findingLines } from './editable-project.js';

/**
 * Every function's facts as text: each node as its place and kind (and marked when it belongs to
 * a file version the analysed program no longer holds), each function as its key. Two analyses
 * of one program that agree on this recorded the same facts at the same nodes.
 */
export function factsDigest(analysis: Analysis): string[] {
  const nodeText = (node: ts.Node): string => {
    const sf = node.getSourceFile();
    const loc = analysis.location(node);
    const stale = analysis.program.getSourceFile(sf.fileName) === sf ? '' : ' STALE';
    return `${analysis.relativePath(loc.file)}:${loc.line}:${loc.column}-${loc.endLine}:${loc.endColumn} ${ts.SyntaxKind[node.kind]}${stale}`;
  };
  const seen = new Set<object>();
  const text = (value: unknown): unknown => {
    if (typeof value !== 'object' || value === null) return value;
    if (isNode(value)) return nodeText(value);
    if ('key' in value && 'node' in value && 'sourceFile' in value) return `fn ${String(value.key)}`;
    if (seen.has(value)) return '(seen)';
    seen.add(value);
    try {
      if (value instanceof Map) return [...value].map(([k, v]) => [text(k), text(v)]);
      if (value instanceof Set || Array.isArray(value)) return [...value].map(text);
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, text(v)]));
    } finally {
      seen.delete(value);
    }
  };
  return [...analysis.facts.values()].map((f) => JSON.stringify({ ...(text(f) as object), info: f.info.key }));
}

function isNode(value: object): value is ts.Node {
  return typeof (value as ts.Node).kind === 'number' && typeof (value as ts.Node).pos === 'number' && typeof (value as ts.Node).getSourceFile === 'function';
}

export function locksDigest(analysis: Analysis): unknown {
  return [...analysis.locks.values()].map((l) => [l.id, l.declaredAt && `${analysis.relativePath(l.declaredAt.file)}:${l.declaredAt.line}`, l.acquireSites.map((s) => s.line)]);
}

/** An editor's analysis says everything one from scratch says: facts, findings with their traces, locks. */
export function expectSame(warm: Analysis, cold: Analysis): void {
  expect(factsDigest(warm)).toEqual(factsDigest(cold));
  expect(findingLines(warm, { trace: true })).toEqual(findingLines(cold, { trace: true }));
  expect(locksDigest(warm)).toEqual(locksDigest(cold));
}
