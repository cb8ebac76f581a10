// Generates the benchmark project: a service of many subsystems that use locks the way the
// demo app does (runExclusive, acquire/release, keyed locks, lock wrappers), call across
// subsystems, and do file and network I/O. Deterministic: the same size gives the same code.
import fs from 'node:fs';
import path from 'node:path';

export function generateProject(dir, { subsystems = 12, filesPerSubsystem = 25 } = {}) {
  fs.rmSync(dir, { recursive: true, force: true });
  const names = Array.from({ length: subsystems }, (_, i) => `sub${String(i).padStart(2, '0')}`);
  for (const [si, name] of names.entries()) {
    const next = names[(si + 1) % names.length];
    for (let fi = 0; fi < filesPerSubsystem; fi++) {
      const file = path.join(dir, 'src', name, `module${fi}.ts`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, moduleSource(name, fi, next, filesPerSubsystem));
    }
  }
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          module: 'ESNext',
          moduleResolution: 'Bundler',
          esModuleInterop: true,
          lib: ['ES2022', 'DOM'],
          types: ['node'],
          strict: true,
          skipLibCheck: true,
          noEmit: true,
        },
        include: ['src/**/*.ts'],
      },
      null,
      2,
    ),
  );
  return dir;
}

function moduleSource(subsystem, index, nextSubsystem, count) {
  const peer = (index + 1) % count;
  const cls = `${subsystem[0].toUpperCase()}${subsystem.slice(1)}Service${index}`;
  return `import { Mutex, Semaphore } from 'async-mutex';
import AsyncLock from 'async-lock';
import { promises as fs } from 'node:fs';
import { ${capital(nextSubsystem)}Service${peer} } from '../${nextSubsystem}/module${peer}.js';

export interface Record${index} {
  id: string;
  version: number;
  payload: Record<string, unknown>;
}

export class ${cls} {
  private readonly mutex = new Mutex();
  private readonly slots = new Semaphore(4);
  private readonly keyed = new AsyncLock();
  private readonly cache = new Map<string, Record${index}>();
  private pending: Record${index}[] = [];
  private version = 0;

  constructor(private readonly downstream?: ${capital(nextSubsystem)}Service${peer}) {}

  private withLock<T>(fn: () => Promise<T>): Promise<T> {
    return this.mutex.runExclusive(fn);
  }

  async put(record: Record${index}): Promise<void> {
    await this.withLock(async () => {
      this.cache.set(record.id, record);
      this.version += 1;
      await this.persist(record);
    });
  }

  async get(id: string): Promise<Record${index} | undefined> {
    return this.mutex.runExclusive(() => this.cache.get(id));
  }

  async flush(): Promise<number> {
    const release = await this.mutex.acquire();
    try {
      const batch = this.pending.splice(0);
      for (const record of batch) {
        await this.persist(record);
      }
      if (this.downstream) {
        await this.downstream.forward(batch.map((r) => r.id));
      }
      return batch.length;
    } finally {
      release();
    }
  }

  async forward(ids: string[]): Promise<void> {
    const [, release] = await this.slots.acquire();
    try {
      await Promise.all(ids.map((id) => this.fetchRemote(id)));
    } finally {
      release();
    }
  }

  async update(id: string, patch: Record<string, unknown>): Promise<void> {
    await this.keyed.acquire(id, async () => {
      const current = this.cache.get(id) ?? { id, version: 0, payload: {} };
      const next = { ...current, version: current.version + 1, payload: { ...current.payload, ...patch } };
      this.cache.set(id, next);
      await fs.writeFile(\`/tmp/${subsystem}-${index}-\${id}.json\`, JSON.stringify(next));
    });
  }

  enqueue(record: Record${index}): void {
    this.pending.push(record);
    if (this.pending.length > 100) {
      void this.flush();
    }
  }

  private async persist(record: Record${index}): Promise<void> {
    await fs.appendFile('/tmp/${subsystem}.log', JSON.stringify(record) + '\\n');
  }

  private async fetchRemote(id: string): Promise<string> {
    const response = await fetch(\`https://${subsystem}.internal/records/\${encodeURIComponent(id)}\`);
    if (!response.ok) {
      throw new Error(\`fetch \${id}: \${response.status}\`);
    }
    return response.text();
  }

  stats(): { size: number; version: number; pending: number } {
    let size = 0;
    for (const [, value] of this.cache) {
      size += Object.keys(value.payload).length;
    }
    return { size, version: this.version, pending: this.pending.length };
  }
}

export function create${index}(): ${cls} {
  return new ${cls}();
}
`;
}

function capital(name) {
  return `${name[0].toUpperCase()}${name.slice(1)}`;
}
