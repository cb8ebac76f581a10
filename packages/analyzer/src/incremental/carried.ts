import type { Analysis, AnalysisDelta, Carried } from '../analysis.js';
import type { CacheSlot } from './file-cache.js';

/**
 * `Analysis.carry` for one analysis: each query's result is computed once, and stored in the
 * project's slot for the next program version. A result is carried only from the analysis right
 * before (the delta is relative to it), and only the newest analysis of a slot stores one: an
 * older program linted again must not replace what the next version starts from.
 */
export function carrier(slot: CacheSlot, version: number, delta: AnalysisDelta | undefined): Analysis['carry'] {
  const results = new Map<string, unknown>();
  return <T>(query: string, compute: (previous: Carried<T> | undefined) => T): T => {
    if (results.has(query)) return results.get(query) as T;
    const stored = slot.carried.get(query);
    const previous = delta && stored?.version === version - 1 ? { value: stored.value as T, delta } : undefined;
    const value = compute(previous);
    results.set(query, value);
    if (slot.version === version) slot.carried.set(query, { version, value });
    return value;
  };
}
