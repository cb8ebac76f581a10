import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { analyzeProgram } from '@lockwise/analyzer';
import { EditableProject, findingLines } from './support/editable-project.js';

// An editor hands lockwise a new program on every edit. Whatever lockwise keeps from one version
// to the next (file entries, carried query states, answers memoised per file) must not hold an
// earlier program or its type checker: each holds every type of the project, and the editor's
// memory is the user's.

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

async function collected(ref: WeakRef<object>): Promise<boolean> {
  for (let i = 0; i < 4 && ref.deref() !== undefined; i++) {
    // a WeakRef is cleared only once the job that read it is over
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
  }
  return ref.deref() === undefined;
}

describe('an editor session keeps one program version alive', () => {
  it('lets the first program and its checker go once later versions were analysed and linted', async () => {
    const project = EditableProject.fromFixture('memory-versions', 'fixtures/demo-app');
    const refs = await (async () => {
      const first = project.nextProgram();
      // every rule, as the first full lint does: the queries' per-file answers are kept with the file entries
      findingLines(analyzeProgram(first, { rootDir: project.rootDir }));
      return { program: new WeakRef(first), checker: new WeakRef(first.getTypeChecker()) };
    })();
    for (const comment of ['// one', '// two']) {
      project.edit('src/storage/journal.ts', (text) => `${text}\n${comment}\n`);
      findingLines(analyzeProgram(project.nextProgram(), { rootDir: project.rootDir }));
    }
    expect(await collected(refs.checker)).toBe(true);
    expect(await collected(refs.program)).toBe(true);
  });
});
