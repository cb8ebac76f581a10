/** What the user can tell the analysis; every field has a default, so `{ rootDir }` is a full configuration. */
export interface AnalyzerOptions {
  /** Directory findings and identities are made relative to (the audited project). */
  rootDir: string;
  subsystems?: SubsystemOptions;
  locks?: LockOptions;
  blocking?: BlockingOptions;
  /** Called with short progress messages on long work (files parsed, fixpoint rounds). */
  onProgress?: (message: string) => void;
}

export interface SubsystemOptions {
  /** Workspace packages: each is a subsystem named after the package. Found by the loader. */
  packages?: { name: string; dir: string }[];
  /** Explicit subsystems: name → globs relative to rootDir. Checked before packages and folders. */
  globs?: Record<string, string[]>;
  /** Directory under which the first folder names the subsystem; defaults to the common source root. */
  sourceRoot?: string;
}

export interface DeclaredLock {
  /** `module#binding` or `Class#field`, or a class name whose instances are locks. */
  target: string;
  kind?: 'mutex' | 'semaphore' | 'keyed' | 'rw' | 'sync';
  reentrant?: boolean;
  acquire?: string[];
  release?: string[];
  runExclusive?: string[];
}

export interface LockOptions {
  declare?: DeclaredLock[];
  /** Hand-rolled locks recognised by shape: confirm (keep) or refute (drop) by class or function key. */
  confirm?: string[];
  refute?: string[];
  /** Lock ids that are held across blocking on purpose: calls under them are acknowledged. */
  heldAcrossBlocking?: string[];
  /** Lock ids configured reentrant. */
  reentrant?: string[];
  /** Lock ids whose regions must never yield (S9/S10). */
  noYield?: string[];
}

export interface BlockingOptions {
  /** Waits bounded below this many milliseconds (`withTimeout(p, ms)`) are not blocking. Default 1000. */
  boundedWaitMs?: number;
  /** Extra blocking operations: `module#export` or `module#Class.method`. */
  operations?: string[];
  /** Calls into packages outside the program that return promises count as blocking. Default true. */
  externalPromisesBlock?: boolean;
}

export const DEFAULT_BOUNDED_WAIT_MS = 1000;
