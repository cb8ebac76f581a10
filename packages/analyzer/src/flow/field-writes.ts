import ts from 'typescript';
import type { BodyEdits } from '../incremental/body-edits.js';
import { importedFiles } from '../incremental/file-cache.js';
import { fieldWriteSites, type PropertyNames, type SyntacticNames } from './property-names.js';
import { containerStateOf, sharedStateOf } from './shared-state.js';

/**
 * The class fields a file's code writes, by name, and the files the answers were read from.
 *
 * Whether `x.data = v` writes a class field is the checker's answer: `x` may be an error
 * object, or a plain one whose type merely has a `data`. A read pairs only with a write of a
 * field, so the names that matter are those of the fields the program's writes resolve to;
 * viem writes `data`, `type` and `address` of plain objects everywhere and no class field
 * outside a constructor.
 */
export interface FieldWrites {
  /** Each write site (see `fieldWriteSites`), by position, and whether it writes a class field. */
  sites: readonly { pos: number; end: number; field: boolean }[];
  names: readonly string[];
  /** The files the answers depend on: the file's imports and the files that declare what they resolved to. */
  deps: readonly ts.SourceFile[];
}

const NO_WRITES: FieldWrites = { sites: [], names: [], deps: [] };

/** The answers of a file's previous version, and how an edit inside its bodies moved them. */
export interface EarlierWrites {
  writes: FieldWrites;
  edits: BodyEdits;
}

/**
 * A file's field writes. Each write site is resolved as the walk resolves it (`sharedStateOf`
 * for a target, `containerStateOf` for a collection whose entries a method changes), so a
 * write the walk records is one this counts. After an edit inside the file's bodies, a site
 * outside the changed bodies keeps its earlier answer: resolving every write of a large file
 * with an editor's fresh checker would cost more than walking the edited function.
 */
export function fieldWritesOf(
  sf: ts.SourceFile,
  checker: ts.TypeChecker,
  rootDir: string,
  names: SyntacticNames,
  programFiles: ReadonlySet<ts.SourceFile>,
  earlier?: EarlierWrites,
): FieldWrites {
  const sites = fieldWriteSites(sf);
  if (sites.length === 0) return NO_WRITES;
  const deps = new Set<ts.SourceFile>(earlier ? earlier.writes.deps : importedFiles(sf, checker).filter((f) => programFiles.has(f)));
  // as a walk's entry: declaration files and libraries never change under an editor
  const context = {
    dependOn: (declaration: ts.Node) => {
      const file = declaration.getSourceFile();
      if (programFiles.has(file)) deps.add(file);
    },
  };
  // writes are never filtered by what is watched: only reads are
  const fields: PropertyNames = { declared: names.declared, functions: names.functions, watched: EMPTY };
  const kept = new Map<number, boolean>();
  if (earlier) for (const site of earlier.writes.sites) if (!earlier.edits.inside(site)) kept.set(earlier.edits.position(site.pos), site.field);
  const answers: FieldWrites['sites'][number][] = [];
  const written = new Set<string>();
  for (const site of sites) {
    const { pos, end } = site.expression;
    const field = kept.get(pos) ?? (site.entries ? containerStateOf : sharedStateOf)(checker, rootDir, site.expression, 'write', sf, fields, context) !== undefined;
    answers.push({ pos, end, field });
    if (field) written.add(site.name);
  }
  deps.delete(sf);
  return { sites: answers, names: [...written], deps: [...deps] };
}

const EMPTY: ReadonlySet<string> = new Set();

/**
 * The watched names of a program (see `PropertyNames.watched`): the guarded fields and every
 * file's field writes. A file's writes are taken from `known` (the last analyses' answers) when
 * `current` says they still hold (it may give them with their dependencies' new versions), and
 * resolved again otherwise.
 */
export function watchedNames(
  files: readonly ts.SourceFile[],
  guarded: ReadonlySet<string>,
  known: WeakMap<ts.SourceFile, FieldWrites>,
  current: (sf: ts.SourceFile, writes: FieldWrites) => FieldWrites | undefined,
  resolve: (sf: ts.SourceFile) => FieldWrites,
): Set<string> {
  const watched = new Set(guarded);
  for (const sf of files) {
    const cached = known.get(sf);
    let writes = cached && current(sf, cached);
    if (!writes) writes = resolve(sf);
    if (writes !== cached) known.set(sf, writes);
    for (const name of writes.names) watched.add(name);
  }
  return watched;
}
