import type { Analysis, CallSite, FunctionFacts, FunctionSummary } from '@lockwise/analyzer';

/** The facts of the one function whose name is `name` (`Class.method`, `fn`), failing loudly otherwise. */
export function factsOf(analysis: Analysis, name: string): FunctionFacts {
  const matches = [...analysis.facts.values()].filter((f) => f.info.name === name);
  if (matches.length !== 1) {
    throw new Error(`expected one function named ${name}, found ${matches.length}: ${[...analysis.facts.values()].map((f) => f.info.name).join(', ')}`);
  }
  return matches[0]!;
}

export function summaryOf(analysis: Analysis, name: string): FunctionSummary {
  return analysis.summaries.get(factsOf(analysis, name).info.key)!;
}

/** The call in `fn` whose callee is written `callee` (the n-th one, 0-based). */
export function callIn(analysis: Analysis, fn: string, callee: string, nth = 0): CallSite {
  const calls = factsOf(analysis, fn).calls.filter((c) => c.calleeText === callee);
  const call = calls[nth];
  if (!call) throw new Error(`no call #${nth} to ${callee} in ${fn}: ${factsOf(analysis, fn).calls.map((c) => c.calleeText).join(', ')}`);
  return call;
}

export function heldIds(call: { held: { lock: { id: string }; definite: boolean }[] }): string[] {
  return call.held.map((h) => (h.definite ? h.lock.id : `${h.lock.id}?`));
}

/** A chain as readable text: function names, then the final operation. */
export function chainText(analysis: Analysis, chain: { to?: string; operation?: string }[]): string[] {
  return chain.map((l) => (l.to ? analysis.functions.get(l.to)?.name ?? l.to : `op:${l.operation}`));
}
