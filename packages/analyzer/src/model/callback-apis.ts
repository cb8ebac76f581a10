/**
 * When library APIs call the functions handed to them. Whether a callback runs inside or
 * after the region it was created in decides what it inherits: an `immediate` callback runs
 * under every lock held at the call, a `deferred` one under none. Keys are `Type.member` as
 * declared in TypeScript's lib files or Node's types; `*.member` matches any declaring type.
 */
export type CallbackTiming = 'immediate' | 'deferred';

export interface CallbackApiModel {
  timing: CallbackTiming;
  /** Argument positions that are callbacks; default: every function-typed argument. */
  args?: number[];
}

export const CALLBACK_APIS: Readonly<Record<string, CallbackApiModel>> = {
  // Arrays and typed arrays run their callbacks before returning.
  'Array.forEach': { timing: 'immediate' },
  'Array.map': { timing: 'immediate' },
  'Array.flatMap': { timing: 'immediate' },
  'Array.filter': { timing: 'immediate' },
  'Array.reduce': { timing: 'immediate' },
  'Array.reduceRight': { timing: 'immediate' },
  'Array.some': { timing: 'immediate' },
  'Array.every': { timing: 'immediate' },
  'Array.find': { timing: 'immediate' },
  'Array.findIndex': { timing: 'immediate' },
  'Array.findLast': { timing: 'immediate' },
  'Array.findLastIndex': { timing: 'immediate' },
  'Array.sort': { timing: 'immediate' },
  'Array.toSorted': { timing: 'immediate' },
  'ReadonlyArray.forEach': { timing: 'immediate' },
  'ReadonlyArray.map': { timing: 'immediate' },
  'ReadonlyArray.flatMap': { timing: 'immediate' },
  'ReadonlyArray.filter': { timing: 'immediate' },
  'ReadonlyArray.reduce': { timing: 'immediate' },
  'ReadonlyArray.some': { timing: 'immediate' },
  'ReadonlyArray.every': { timing: 'immediate' },
  'ReadonlyArray.find': { timing: 'immediate' },
  'ArrayConstructor.from': { timing: 'immediate' },
  'Map.forEach': { timing: 'immediate' },
  'ReadonlyMap.forEach': { timing: 'immediate' },
  'Set.forEach': { timing: 'immediate' },
  'ReadonlySet.forEach': { timing: 'immediate' },
  'String.replace': { timing: 'immediate' },
  'String.replaceAll': { timing: 'immediate' },
  'PromiseConstructor.new': { timing: 'immediate' },
  // Scheduled for later.
  'Promise.then': { timing: 'deferred' },
  'Promise.catch': { timing: 'deferred' },
  'Promise.finally': { timing: 'deferred' },
  'PromiseLike.then': { timing: 'deferred' },
  setTimeout: { timing: 'deferred' },
  setInterval: { timing: 'deferred' },
  setImmediate: { timing: 'deferred' },
  queueMicrotask: { timing: 'deferred' },
  requestAnimationFrame: { timing: 'deferred' },
  requestIdleCallback: { timing: 'deferred' },
  'Process.nextTick': { timing: 'deferred' },
  'process.nextTick': { timing: 'deferred' },
  '*.addEventListener': { timing: 'deferred' },
  '*.addListener': { timing: 'deferred' },
  '*.on': { timing: 'deferred' },
  '*.once': { timing: 'deferred' },
  '*.prependListener': { timing: 'deferred' },
  '*.subscribe': { timing: 'deferred' },
  // Node's EventEmitter declares its listener methods on `NodeJS.EventEmitter`, three names deep.
  'EventEmitter.on': { timing: 'deferred' },
  'EventEmitter.once': { timing: 'deferred' },
  'EventEmitter.addListener': { timing: 'deferred' },
  'EventEmitter.prependListener': { timing: 'deferred' },
  'EventEmitter.prependOnceListener': { timing: 'deferred' },
};

/** `emitter.emit(...)`: runs listeners registered anywhere, synchronously (PATTERNS S8). */
export const EMIT_APIS: ReadonlySet<string> = new Set(['EventEmitter.emit', 'EventTarget.dispatchEvent', 'NodeJS.EventEmitter.emit']);
