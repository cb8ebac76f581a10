import { expect } from 'vitest';
import type { Analysis } from '@lockwise/analyzer';
import { findingLines } from './editable-project.js';
import { factsDigest } from '../../scripts/check/facts-digest.mjs';

export function locksDigest(analysis: Analysis): unknown {
  return [...analysis.locks.values()].map((l) => [l.id, l.declaredAt && `${analysis.relativePath(l.declaredAt.file)}:${l.declaredAt.line}`, l.acquireSites.map((s) => s.line)]);
}

/** An editor's analysis says everything one from scratch says: facts, findings with their traces, locks. */
export function expectSame(warm: Analysis, cold: Analysis): void {
  expect(factsDigest(warm)).toEqual(factsDigest(cold));
  expect(findingLines(warm, { trace: true })).toEqual(findingLines(cold, { trace: true }));
  expect(locksDigest(warm)).toEqual(locksDigest(cold));
}
