import type { Analysis, HoldAndWait, TraceStep } from '@lockwise/analyzer';
import type ts from 'typescript';
import { displayName, heldStep } from './trace.js';

/** `src/app/case.ts:12:7`: where something happened, short enough for a message. */
export function at(analysis: Analysis, node: ts.Node): string {
  const location = analysis.location(node);
  return `${analysis.relativePath(location.file)}:${location.line}:${location.column}`;
}

/** The subsystem whose code makes the acquisition. */
export function acquisitionSubsystem(analysis: Analysis, event: HoldAndWait): string {
  return analysis.functionAt(event.acquisition.at)?.subsystem ?? analysis.subsystemOf(event.acquisition.at.getSourceFile().fileName);
}

/**
 * The proof of one hold-and-wait: where the held lock was taken, every call down to the
 * acquisition, and the acquisition itself (described by `final`, e.g. "acquires it again").
 */
export function holdAndWaitSteps(analysis: Analysis, event: HoldAndWait, final: string): TraceStep[] {
  const steps: TraceStep[] = [heldStep(analysis, event.held)];
  for (const link of event.acquisition.chain) {
    const location = analysis.location(link.call);
    if (!link.to) {
      steps.push({ location, message: `${link.operation ?? event.acquisition.api} ${final}` });
      continue;
    }
    const callee = analysis.functions.get(link.to);
    const excludes = callee?.tags.get('excludes');
    const note = excludes?.length ? ` (documented @excludes ${excludes.join(', ')})` : '';
    const message = callee?.inlineArgumentOf ? 'runs the callback written here' : `calls ${displayName(analysis, link.to)}${note}`;
    steps.push({ location, message });
  }
  return steps;
}
