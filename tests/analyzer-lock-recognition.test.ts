import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import ts from 'typescript';
import { analyzeProgram, type Analysis } from '@lockwise/analyzer';
import { REPO_ROOT } from './support/virtual-program.js';
import { EditableProject } from './support/editable-project.js';

// fixtures/libraries marks every acquisition with `// acquire: <id>[, <id>]` (see its README):
// the analysis must find exactly those, on exactly those lines, for every library.
const FIXTURE = path.join(REPO_ROOT, 'fixtures', 'libraries');

function loadFixture(): Analysis {
  const parsed = ts.getParsedCommandLineOfConfigFile(path.join(FIXTURE, 'tsconfig.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  })!;
  return analyzeProgram(ts.createProgram(parsed.fileNames, parsed.options), { rootDir: FIXTURE });
}

/** `withMutex(mutex)` is how the analysis names a parameter lock inside its function; the fixture writes `param:mutex`. */
const normalize = (id: string) => id.replace(/^[\w$.<>@:~]+\((\w+)\)/, 'param:$1');

function expectedAcquisitions(file: string): Map<number, string[]> {
  const byLine = new Map<number, string[]>();
  fs.readFileSync(path.join(FIXTURE, file), 'utf8')
    .split('\n')
    .forEach((text, i) => {
      const marker = /\/\/ acquire: (.+)$/.exec(text);
      if (marker) byLine.set(i + 1, marker[1]!.split(/,\s*(?![^[]*\])/).map((s) => s.trim()));
    });
  return byLine;
}

/** Acquisitions the analysis found per line: lock operations that take a lock, and calls of wrappers that take one. */
function foundAcquisitions(analysis: Analysis, file: string): Map<number, string[]> {
  const byLine = new Map<number, string[]>();
  const add = (node: ts.Node, id: string) => {
    const line = analysis.location(node).line;
    const list = byLine.get(line) ?? [];
    if (!list.includes(normalize(id))) list.push(normalize(id));
    byLine.set(line, list);
  };
  for (const facts of analysis.facts.values()) {
    if (analysis.relativePath(facts.info.sourceFile.fileName) !== file) continue;
    for (const op of facts.lockOps) {
      if (['acquire', 'try-acquire', 'run-callback'].includes(op.op.kind)) add(op.node, op.op.lock.id);
    }
    for (const call of facts.calls) {
      for (const target of call.targets) {
        const wrapper = analysis.wrappers.get(target);
        if (!wrapper) continue;
        const locks = [...wrapper.heldOnExit, ...(wrapper.returns ? [wrapper.returns.lock] : []), ...[...wrapper.paramsUnderLock.values()].flat()];
        for (const lock of locks) {
          const substituted = lock.paramIndex === undefined ? lock : call.lockArgs.find((a) => a.argIndex === lock.paramIndex)?.lock;
          if (substituted) add(call.node, substituted.id);
        }
      }
    }
  }
  return byLine;
}

describe('lock recognition, per library (fixtures/libraries)', () => {
  const analysis = loadFixture();
  const files = fs.readdirSync(FIXTURE).filter((f) => f.endsWith('.ts'));

  it('covers every library of the lock model', () => {
    const libraries = new Set([...analysis.locks.values()].map((l) => l.library));
    for (const library of ['async-mutex', 'await-lock', 'async-lock', 'web-locks', 'proper-lockfile', 'redlock', 'mutexify', 'semaphore-async-await', '@esfx/async-mutex', 'hand-rolled', 'user']) {
      expect(libraries, library).toContain(library);
    }
  });

  it('reports no internal error', () => {
    expect(analysis.diagnostics).toEqual([]);
  });

  for (const file of files) {
    it(`${file}: finds every marked acquisition with its lock id, and nothing else`, () => {
      const expected = Object.fromEntries(expectedAcquisitions(file));
      const found = Object.fromEntries(foundAcquisitions(analysis, file));
      expect(found).toEqual(expected);
    });
  }

  it('records how each lock was recognised, and reentrancy from the constructor options', () => {
    const sessions = analysis.locks.get("async-lock.ts#sessions['*']") ?? [...analysis.locks.values()].find((l) => l.id.startsWith('async-lock.ts#sessions'));
    expect(sessions?.reentrant).toBe(true);
    const handRolled = [...analysis.locks.values()].filter((l) => l.recognition.by === 'shape');
    expect(handRolled.map((l) => (l.recognition as { shape: string }).shape).sort()).toEqual(['disposable-guard', 'promise-chain', 'promise-chain', 'releaser-promise', 'resolver-queue']);
  });
});

// Whether a value is a lock is a question about its type. A parameter written as `string`,
// `string[]` or a union of literals cannot be one: binding it asks the checker nothing.
describe('values whose written type holds no lock', () => {
  it('asks the checker nothing about them, and still finds the lock beside them', () => {
    const project = new EditableProject('written-types-no-lock', {
      'src/use.ts': `import { Mutex } from 'async-mutex';
export async function run(m: Mutex | undefined, id: string, ids: string[], mode: 'a' | 'b', n?: number): Promise<number> {
  if (!m) return 0;
  const release = await m.acquire();
  try {
    return ids.includes(id) && mode === 'a' ? (n ?? 1) : 0;
  } finally {
    release();
  }
}`,
    });
    const program = project.nextProgram();
    const checker = program.getTypeChecker();
    const typed: string[] = [];
    const typeOf = checker.getTypeOfSymbol.bind(checker);
    checker.getTypeOfSymbol = (symbol) => {
      typed.push(symbol.name);
      return typeOf(symbol);
    };
    // and of a parameter's own name, what its symbol is
    const parameters: string[] = [];
    const symbolOf = checker.getSymbolAtLocation.bind(checker);
    checker.getSymbolAtLocation = (node) => {
      if (ts.isParameter(node.parent)) parameters.push(node.getText());
      return symbolOf(node);
    };
    const analysis = analyzeProgram(program, { rootDir: project.rootDir });
    const ops = analysis.facts.get('src/use.ts#run')!.lockOps.map((o) => `${o.op.kind} ${o.op.lock.id}`);
    expect(ops).toEqual(['acquire run(m)', 'release run(m)']);
    expect(typed).toContain('m');
    expect(parameters).toEqual(['m']);
    for (const name of ['id', 'ids', 'mode', 'n']) expect(typed).not.toContain(name);
  });
});
