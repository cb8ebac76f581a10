import type { AnalysisDelta, Carried } from '../analysis.js';
import type { CacheSlot } from './file-cache.js';

/**
 * `Analysis.carry` for one analysis: each query's result is computed once, and stored in the
 * project's slot for the next program version. A result is carried only from the analysis right
 * before (the delta is relative to it), and only the newest analysis of a slot stores one: an
 * older program linted again must not replace what the next version starts from.
 *
 * A class rather than a closure per analysis, like the analysis itself (see program-analysis.ts).
 */
export class Carrier {
  private readonly results = new Map<string, unknown>();

  constructor(
    private readonly slot: CacheSlot,
    private readonly version: number,
    private readonly delta: AnalysisDelta | undefined,
  ) {}

  get<T>(query: string, compute: (previous: Carried<T> | undefined) => T): T {
    if (this.results.has(query)) return this.results.get(query) as T;
    const stored = this.slot.carried.get(query);
    const previous = this.delta && stored?.version === this.version - 1 ? { value: stored.value as T, delta: this.delta } : undefined;
    const value = compute(previous);
    this.results.set(query, value);
    if (this.slot.version === this.version) this.slot.carried.set(query, { version: this.version, value });
    return value;
  }
}
