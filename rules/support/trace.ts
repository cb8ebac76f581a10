import type { Analysis, ChainLink, HeldLock, TraceStep } from '@lockwise/analyzer';
import type ts from 'typescript';

/** Where a held lock was taken, as the first step of a trace. */
export function heldStep(analysis: Analysis, held: HeldLock): TraceStep {
  const how: Record<HeldLock['via'], string> = {
    acquire: 'acquired here',
    callback: 'held while this callback runs',
    using: 'held until the end of this scope (using)',
    wrapper: 'acquired through a lock wrapper here',
    entry: 'held by the caller',
  };
  return { location: analysis.location(held.acquiredAt), message: `${held.lock.id} ${how[held.via]}` };
}

/** One step per link of a call chain: "calls X" for each call, the operation at the end. */
export function chainSteps(analysis: Analysis, chain: readonly ChainLink[]): TraceStep[] {
  return chain.map((link) => ({
    location: analysis.location(link.call),
    message: link.to ? `calls ${displayName(analysis, link.to)}` : `${link.operation}`,
  }));
}

export function step(analysis: Analysis, node: ts.Node, message: string): TraceStep {
  return { location: analysis.location(node), message };
}

/** A function key as a reader finds the function (`file#Class.method>@12:5`), for reports: see `FunctionInfo.label`. */
export function labelOf(analysis: Analysis, key: string): string {
  return analysis.functions.get(key)?.label ?? key;
}

/** `storage.appendEntry` style name of a function key, for messages. */
export function displayName(analysis: Analysis, key: string): string {
  return analysis.functions.get(key)?.name ?? key;
}

/** The last operation of a chain, for one-line messages. */
export function chainOperation(chain: readonly ChainLink[]): string {
  return chain[chain.length - 1]?.operation ?? 'an unknown operation';
}

/** The subsystem that owns a lock: where it is declared, else where it was taken. */
export function lockSubsystem(analysis: Analysis, held: HeldLock): string {
  return analysis.locks.get(held.lock.id)?.subsystem ?? analysis.functionAt(held.acquiredAt)?.subsystem ?? '(root)';
}
