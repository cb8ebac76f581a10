import { describe, expect, it } from 'vitest';
import { EditableProject, findingLines } from './support/editable-project.js';

/**
 * The editor's analysis carries results from one program version to the next (summaries, query
 * results, checker answers). Whatever is carried, every rule must then find exactly what an
 * analysis from scratch of the same program finds: same places, messages and traces. Each step
 * edits one file of a fixture project in a way that keeps its lock structure but moves every
 * position in it, or that changes what it blocks on, then puts it back.
 */
const EDITS: { name: string; apply: (text: string) => string | undefined }[] = [
  { name: 'every position moves', apply: (text) => `// edited\n${text}` },
  { name: 'the first await is dropped', apply: (text) => (text.includes('await ') ? text.replace('await ', '') : undefined) },
  { name: 'the first lock call is dropped', apply: (text) => dropFirst(text, /\.(acquire|runExclusive|lock)\(/) },
];

/** `x.acquire(` becomes `x.toString(`: the call stays, the lock operation goes. */
function dropFirst(text: string, pattern: RegExp): string | undefined {
  const match = pattern.exec(text);
  return match ? text.slice(0, match.index) + '.toString(' + text.slice(match.index + match[0].length) : undefined;
}

const FIXTURES: { dir: string; files: number }[] = [
  { dir: 'fixtures/demo-app', files: 3 },
  { dir: 'fixtures/libraries', files: 3 },
];

describe('a warm analysis finds what a cold one finds, edit after edit', () => {
  for (const fixture of FIXTURES) {
    it(fixture.dir, () => {
      const project = EditableProject.fromFixture(fixture.dir.replace(/\W/g, '-'), fixture.dir);
      let { warm, cold } = project.analyseBothWays();
      expect(findingLines(warm)).toEqual(findingLines(cold));
      expect(findingLines(cold).length).toBeGreaterThan(0);
      // the files with the most lock calls: where edits change the most
      const files = project.files
        .sort((a, b) => (project.text(b).match(/acquire|runExclusive|await/g)?.length ?? 0) - (project.text(a).match(/acquire|runExclusive|await/g)?.length ?? 0))
        .slice(0, fixture.files);
      let steps = 0;
      for (const file of files) {
        const original = project.text(file);
        for (const edit of EDITS) {
          const changed = edit.apply(original);
          if (changed === undefined) continue;
          project.edit(file, () => changed);
          ({ warm, cold } = project.analyseBothWays());
          expect(findingLines(warm), `${file}: ${edit.name}`).toEqual(findingLines(cold));
          project.edit(file, () => original);
          ({ warm, cold } = project.analyseBothWays());
          expect(findingLines(warm), `${file}: ${edit.name}, then put back`).toEqual(findingLines(cold));
          steps++;
        }
      }
      expect(steps).toBeGreaterThan(fixture.files);
    }, 300_000);
  }
});
