/**
 * Operations that really suspend: where a may-block chain ends. A resolved declaration is
 * looked up by its module (package name, or `node:`-less core module) and member path.
 * `*` matches every member of the module or type.
 */
export interface BlockingOperationModel {
  module: string;
  /** Exported name or `Type.member`; `*` for all. */
  member: string;
  /** Shown at the end of a chain: what the operation does. */
  what: string;
}

export const BLOCKING_OPERATIONS: readonly BlockingOperationModel[] = [
  { module: 'fs/promises', member: '*', what: 'file-system I/O' },
  { module: 'fs', member: 'promises.*', what: 'file-system I/O' },
  { module: 'fs', member: 'FileHandle.*', what: 'file-system I/O' },
  { module: 'fs/promises', member: 'FileHandle.*', what: 'file-system I/O' },
  { module: 'child_process', member: '*', what: 'a child process' },
  { module: 'timers/promises', member: '*', what: 'a timer' },
  { module: 'dns/promises', member: '*', what: 'a DNS lookup' },
  { module: 'dns', member: 'promises.*', what: 'a DNS lookup' },
  { module: 'stream/promises', member: '*', what: 'a stream' },
  { module: 'readline/promises', member: '*', what: 'reading input' },
  { module: 'net', member: '*', what: 'a network socket' },
  { module: 'http', member: '*', what: 'an HTTP request' },
  { module: 'https', member: '*', what: 'an HTTP request' },
  { module: 'http2', member: '*', what: 'an HTTP request' },
  { module: 'worker_threads', member: '*', what: 'a worker thread' },
  { module: 'zlib', member: '*', what: 'compression' },
  { module: 'crypto', member: 'webcrypto.*', what: 'Web Crypto' },
  // The DOM / undici globals typed in TypeScript's own lib files.
  { module: 'typescript/lib', member: 'fetch', what: 'a network request' },
  { module: 'typescript/lib', member: 'WindowOrWorkerGlobalScope.fetch', what: 'a network request' },
  { module: 'typescript/lib', member: 'SubtleCrypto.*', what: 'Web Crypto' },
  { module: 'typescript/lib', member: 'Body.*', what: 'reading a response body' },
  { module: 'typescript/lib', member: 'Response.*', what: 'reading a response body' },
  { module: 'typescript/lib', member: 'Cache.*', what: 'the Cache API' },
  { module: 'typescript/lib', member: 'CacheStorage.*', what: 'the Cache API' },
  { module: 'typescript/lib', member: 'IDBFactory.*', what: 'IndexedDB' },
  { module: 'undici-types', member: 'fetch', what: 'a network request' },
  // @types/node declares fetch and its Response as globals.
  { module: 'node', member: 'fetch', what: 'a network request' },
  { module: 'node', member: 'Response.*', what: 'reading a response body' },
  { module: 'undici-types', member: 'Body.*', what: 'reading a response body' },
  { module: 'undici-types', member: 'Response.*', what: 'reading a response body' },
  // Network and database clients.
  { module: 'undici', member: '*', what: 'a network request' },
  { module: 'node-fetch', member: '*', what: 'a network request' },
  { module: 'axios', member: '*', what: 'a network request' },
  { module: 'got', member: '*', what: 'a network request' },
  { module: 'ky', member: '*', what: 'a network request' },
  { module: 'pg', member: '*', what: 'a database query' },
  { module: 'mysql2', member: '*', what: 'a database query' },
  { module: 'mongodb', member: '*', what: 'a database query' },
  { module: 'ioredis', member: '*', what: 'a Redis command' },
  { module: 'redis', member: '*', what: 'a Redis command' },
  { module: '@redis/client', member: '*', what: 'a Redis command' },
  { module: 'better-sqlite3', member: '*', what: 'a database query' },
  { module: 'sqlite3', member: '*', what: 'a database query' },
  { module: 'ws', member: '*', what: 'a WebSocket' },
  { module: 'amqplib', member: '*', what: 'a message broker' },
  { module: 'kafkajs', member: '*', what: 'a message broker' },
  { module: '@aws-sdk/*', member: '*', what: 'an AWS request' },
];

/**
 * Promise-returning library APIs that settle without waiting on the outside world: awaiting
 * them lets microtasks run but never another task, so they end no may-block chain.
 */
export const NON_BLOCKING_PROMISE_APIS: readonly { module: string; member: string }[] = [
  { module: 'typescript/lib', member: 'PromiseConstructor.resolve' },
  { module: 'typescript/lib', member: 'PromiseConstructor.reject' },
  { module: 'typescript/lib', member: 'Promise.then' },
  { module: 'typescript/lib', member: 'Promise.catch' },
  { module: 'typescript/lib', member: 'Promise.finally' },
];

/** `Promise.all(xs.map(cb))` and friends: the promise settles when the callbacks' work does. */
export const PROMISE_COMBINATORS: ReadonlySet<string> = new Set(['all', 'allSettled', 'race', 'any']);

/** Timer globals whose promise form (`new Promise(r => setTimeout(r, ms))`) makes a sleep. */
export const TIMER_GLOBALS: ReadonlySet<string> = new Set(['setTimeout', 'setInterval', 'setImmediate']);
