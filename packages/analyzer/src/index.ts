export { analyzeProgram } from './analyze.js';
export { analysisCounters } from './incremental/file-cache.js';
export type { Analysis } from './analysis.js';
export type * from './types.js';
export type * from './options.js';
export { DEFAULT_BOUNDED_WAIT_MS } from './options.js';
export { LOCK_LIBRARIES } from './model/lock-libraries.js';
export { BLOCKING_OPERATIONS } from './model/blocking-operations.js';
export { locationOf, relativePosix, toPosix } from './report/location.js';
export { ROOT_SUBSYSTEM } from './graph/subsystems.js';
export { componentsInOrder } from './queries/dependency-graph.js';
export { directBlockingOperation, sitesWaitedOn } from './summaries/fixpoint.js';
export { substitute } from './summaries/wrappers.js';
export { stripExpression } from './flow/lock-identity.js';
export { symbolAt } from './flow/symbols.js';
export { directiveFor, directivesOf, type Directive } from './report/directives.js';
export {
  distinctInstances,
  holdAndWait,
  holdAndWaitChanges,
  holdAndWaitOf,
  isSingleInstance,
  type Acquisition,
  type HoldAndWait,
  type HoldAndWaitChanges,
  type HoldAndWaitResult,
  type LockInstance,
} from './queries/hold-and-wait.js';
export { staleStateWrites, stateWriters, stateWritersOf, stateBase, sameState, type StaleWrite, type StateRead, type StateWriter, type Crossing } from './queries/stale-state.js';
export { alwaysThrows, isWithin, mayThrow, protectionOf, throwPointsOf, tryStatementsOf, type Protection, type ThrowPoint } from './queries/exceptional-flow.js';
export { annotatedLocks, closest, FUNCTION_ANNOTATIONS, hasAnnotation, lockNames, programAnnotations, type Annotation, type FunctionAnnotationKind, type GuardedState, type LockRef, type ProgramAnnotations } from './queries/lock-annotations.js';
export { carriedMustHoldOnEntry, mustHoldOnEntry } from './queries/must-hold.js';
export {
  lockFlow,
  originStep,
  originText,
  type CalleeRelease,
  type CarriedAs,
  type ForeignLockUse,
  type ForeignThrough,
  type LockCarrier,
  type LockDrop,
  type LockFlow,
  type LockFlowFindings,
  type LockHandoff,
  type LockOrigin,
  type LockPeer,
  type LockUse,
  type StaleState,
} from './queries/lock-flow.js';
export { deferredParam, deferredParams, type DeferredParam } from './queries/deferred-params.js';
export { callSiteAt, doesWork, isPromiseTyped, startsAsyncWork } from './queries/async-work.js';
export * from './load/index.js';
export { storedCallbackTargets } from './queries/stored-callbacks.js';
export { factsInScope, inScope, scopeKey, type FileScope } from './queries/scope.js';
export { compareFacts, compareFiles, factsByFile, factsOfFile, perFile } from './queries/file-index.js';
