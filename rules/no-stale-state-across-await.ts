import {
  staleStateWrites,
  stateBase,
  stateWritersOf,
  symbolAt,
  type Analysis,
  type CallSite,
  type HeldLock,
  type StaleWrite,
  type StateWriter,
  type TraceStep,
} from '@lockwise/analyzer';
import ts from 'typescript';
import { defineRule, type RuleReport } from './support/rule.js';
import { chainSteps, heldStep, step } from './support/trace.js';

export interface Options {
  /** Shared places to leave alone (`Class#field`, `src/file.ts#binding`), e.g. best-effort statistics. */
  ignoreState: string[];
  /**
   * A lock held from the read to the write guards the state only if every other write of it
   * holds that lock too. Off: any lock held throughout is trusted.
   */
  requireConsistentGuard: boolean;
}

/** Why no lock protects the state across the yield, as the message says it. */
interface Verdict {
  guarded: boolean;
  text: string;
  lock?: HeldLock | { id: string };
  /** Where the lock in question was taken. */
  lockSteps: TraceStep[];
  /** After the read: how the read's callee takes the lock. */
  readSteps?: TraceStep[];
  /** The subsystem that owns the lock, when it is not the writer's. */
  subsystem?: string;
  /** Another write of the state that does not hold the lock. */
  writerSteps: TraceStep[];
}

/**
 * Shared state read before a yield and trusted after it: the value written is computed from
 * it (a lost update) or the write is decided by it (check-then-act), with no re-read after
 * the yield and no lock that guards the state across it.
 */
export default defineRule<Options>({
  name: 'no-stale-state-across-await',
  meta: {
    type: 'problem',
    docs: {
      description: 'Disallow writing shared state from a value (or a check) read before a yield, unless a lock guards it across the yield',
      preset: 'recommended',
      severity: 'error',
    },
    messages: {
      lostUpdate:
        '`{{state}}` is written from {{read}}, read before {{yield}}; {{guard}}. Other code can change it in between: re-read it after the yield, or hold one lock from the read to the write.',
      staleCheck:
        'This write of `{{state}}` depends on {{read}}, checked before {{yield}}; {{guard}}. Re-check it after the yield (check-then-act).',
    },
    schema: {
      type: 'object',
      properties: {
        ignoreState: { type: 'array', items: { type: 'string' } },
        requireConsistentGuard: { type: 'boolean' },
      },
      additionalProperties: false,
    },
    defaultOptions: { ignoreState: [], requireConsistentGuard: true },
  },
  check(analysis, options, scope) {
    const ignored = new Set(options.ignoreState);
    const reports: RuleReport[] = [];
    for (const write of staleStateWrites(analysis, scope)) {
      if (ignored.has(write.state) || ignored.has(stateBase(write.state))) continue;
      const verdict = guardOf(analysis, write, stateWritersOf(analysis, stateBase(write.state)), options.requireConsistentGuard);
      if (verdict.guarded) continue;
      reports.push({
        node: write.node,
        messageId: write.flow === 'value' ? 'lostUpdate' : 'staleCheck',
        data: {
          state: stateBase(write.state),
          read: describeRead(analysis, write),
          yield: describeYield(analysis, write),
          guard: verdict.text,
        },
        lock: verdict.lock && 'lock' in verdict.lock ? verdict.lock.lock.id : verdict.lock?.id,
        subsystems: verdict.subsystem ? { from: analysis.functions.get(write.function)?.subsystem ?? '', to: verdict.subsystem } : undefined,
        trace: traceOf(analysis, write, verdict),
      });
    }
    return reports;
  },
});

/** Whether a lock guards the state from the read to the write, and if not, why not. */
function guardOf(analysis: Analysis, write: StaleWrite, writers: readonly StateWriter[], consistent: boolean): Verdict {
  const state = stateBase(write.state);
  for (const held of write.heldThroughout) {
    const unguarded = consistent ? writers.find((w) => !holds(w, held.lock.id) && !isTheWrite(w, write) && samePlace(analysis, w.access.node, write)) : undefined;
    if (!unguarded) return { guarded: true, text: '', lockSteps: [], writerSteps: [] };
    const at = analysis.location(unguarded.access.node);
    return {
      guarded: false,
      lock: held,
      text: `\`${held.lock.id}\` (taken at ${position(analysis, held.acquiredAt, write.node)}) is held across it, but \`${state}\` is also written without it at ${position(analysis, unguarded.access.node, write.node)}`,
      lockSteps: [heldStep(analysis, held)],
      writerSteps: [{ location: at, message: `\`${state}\` is also written here, in ${unguarded.function.name}, without \`${held.lock.id}\`` }],
    };
  }
  const common = sectionLocks(analysis, write);
  if (common) {
    const owner = analysis.locks.get(common)?.subsystem;
    const foreign = owner && owner !== analysis.functions.get(write.function)?.subsystem ? ` (a lock of \`${owner}\`)` : '';
    return {
      guarded: false,
      lock: { id: common },
      subsystem: foreign ? owner : undefined,
      text: `the read and the write each take \`${common}\`${foreign} on their own: two critical sections, with the yield between them`,
      lockSteps: [],
      readSteps: acquisitionSteps(analysis, write.read.via, common),
      writerSteps: acquisitionSteps(analysis, write.via, common),
    };
  }
  const readLock = write.read.held[write.read.held.length - 1];
  if (readLock) {
    return {
      guarded: false,
      lock: readLock,
      text: `\`${readLock.lock.id}\` (taken at ${position(analysis, readLock.acquiredAt, write.node)}) guards the read but is not held across the yield`,
      lockSteps: [heldStep(analysis, readLock)],
      writerSteps: [],
    };
  }
  return { guarded: false, text: 'no lock is held across the yield', lockSteps: [], writerSteps: [] };
}

/** `Class#field` names a class, not a declaration: two classes of the same name in different files are different places. */
function samePlace(analysis: Analysis, writerNode: ts.Node, write: StaleWrite): boolean {
  const mine = placeDeclaration(analysis, write.via ? write.read.node : write.node);
  const theirs = placeDeclaration(analysis, writerNode);
  return !mine || !theirs || mine === theirs;
}

function placeDeclaration(analysis: Analysis, node: ts.Node): ts.Declaration | undefined {
  let expr = node;
  if (ts.isCallExpression(expr)) expr = expr.expression;
  // `this.map.set` (an entry write) is a place of `this.map`.
  if (ts.isPropertyAccessExpression(expr) && ts.isCallExpression(expr.parent) && expr.parent.expression === expr) expr = expr.expression;
  if (ts.isElementAccessExpression(expr)) expr = expr.expression;
  const name = ts.isPropertyAccessExpression(expr) ? expr.name : ts.isIdentifier(expr) ? expr : undefined;
  const declaration = name ? symbolAt(analysis.checker, name)?.valueDeclaration : undefined;
  // Only fields and variables name a place; a method or helper call does not.
  return declaration && (ts.isPropertyDeclaration(declaration) || ts.isParameter(declaration) || ts.isVariableDeclaration(declaration)) ? declaration : undefined;
}

function holds(writer: StateWriter, lockId: string): boolean {
  return writer.access.held.some((h) => h.lock.id === lockId) || writer.heldOnEntry.includes(lockId);
}

/** The stale write itself (or the callee write it goes through) is not "another writer". */
function isTheWrite(writer: StateWriter, write: StaleWrite): boolean {
  return writer.access.node === write.node || (write.via !== undefined && write.via.targets.includes(writer.function.key));
}

/** A lock taken both around the read and around the write, in separate acquisitions. */
function sectionLocks(analysis: Analysis, write: StaleWrite): string | undefined {
  const readLocks = new Set([...write.read.held.map((h) => h.lock.id), ...acquiredBy(analysis, write.read.via?.targets)]);
  const writeLocks = [...write.held.map((h) => h.lock.id), ...acquiredBy(analysis, write.via?.targets)];
  return writeLocks.find((id) => readLocks.has(id));
}

/** The call into a callee, down to where it takes `lock`. */
function acquisitionSteps(analysis: Analysis, site: CallSite | undefined, lock: string): TraceStep[] {
  for (const target of site?.targets ?? []) {
    const fact = analysis.summaries.get(target)?.acquires.get(lock);
    if (fact) return chainSteps(analysis, [{ from: site!.caller, call: site!.node, to: target }, ...fact.chain]);
  }
  return [];
}

function acquiredBy(analysis: Analysis, targets: readonly string[] | undefined): string[] {
  return (targets ?? []).flatMap((t) => [...(analysis.summaries.get(t)?.acquires.keys() ?? [])]);
}

function describeRead(analysis: Analysis, write: StaleWrite): string {
  const { read } = write;
  if (read.via) return `the result of \`${read.via.calleeText}()\` (${position(analysis, read.via.node, write.node)}), which reads it`;
  // A collection method is recorded at its callee (`this.map.has`): show the whole call.
  const parent = read.node.parent;
  const shown = parent && ts.isCallExpression(parent) && parent.expression === read.node ? parent : read.node;
  return `\`${snippet(shown)}\` (${position(analysis, read.node, write.node)})`;
}

function describeYield(analysis: Analysis, write: StaleWrite): string {
  const crossing = write.read.crossed!;
  const where = position(analysis, crossing.node, write.node);
  if (crossing.waitsFor) return `the wait for \`${crossing.waitsFor}\` (${where})`;
  if (ts.isForOfStatement(crossing.node)) return `\`for await\` (${where})`;
  return `\`${snippet(crossing.node)}\` (${where})`;
}

function traceOf(analysis: Analysis, write: StaleWrite, verdict: Verdict): TraceStep[] {
  const state = stateBase(write.state);
  const { read } = write;
  const crossing = read.crossed!;
  const readStep = read.via
    ? step(analysis, read.via.node, `\`${read.via.calleeText}()\` reads \`${state}\``)
    : step(analysis, read.node, `\`${state}\` is read here`);
  const writeStep = write.via
    ? step(analysis, write.node, `\`${write.via.calleeText}()\` writes \`${state}\` ${write.flow === 'value' ? 'from the stale value' : 'on the strength of the stale check'}`)
    : step(analysis, write.node, `\`${state}\` is written here ${write.flow === 'value' ? 'from the stale value' : 'on the strength of the stale check'}`);
  return [
    ...verdict.lockSteps,
    readStep,
    ...(verdict.readSteps ?? []),
    step(analysis, crossing.node, crossing.waitsFor ? `waits for \`${crossing.waitsFor}\` here: other code may change \`${state}\`` : `yields here: other code may change \`${state}\``),
    ...verdict.writerSteps,
    writeStep,
  ];
}

/** `line:column`, with the file when it is not the report's. */
function position(analysis: Analysis, node: ts.Node, relativeTo: ts.Node): string {
  const location = analysis.location(node);
  const same = node.getSourceFile() === relativeTo.getSourceFile();
  return same ? `${location.line}:${location.column}` : `${analysis.relativePath(location.file)}:${location.line}:${location.column}`;
}

function snippet(node: ts.Node): string {
  const text = node.getText().replace(/\s+/g, ' ');
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
