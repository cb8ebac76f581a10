import type ts from 'typescript';
import type { Analysis, AnalysisDelta } from '../analysis.js';
import type { CallSite, FunctionFacts } from '../types.js';

/**
 * The facts of the program grouped by the file that declares them, and indexes over one file's
 * facts. A rule scoped to the edited file, or a query that looks up a call by its node, needs one
 * file's facts, not a pass over the program's.
 *
 * A file's facts are replaced together (a walk produces all of a file's facts, a reused walk
 * keeps all of them): a file's list is the same array across program versions until the file is
 * walked again, so a per-file index keyed by that array is built once per walk of the file.
 */

interface Grouping {
  byFile: Map<ts.SourceFile, readonly FunctionFacts[]>;
}

const NONE: readonly FunctionFacts[] = [];

/** Per file, its functions' facts in the analysis' order (a function before the closures inside it). */
export function factsByFile(analysis: Analysis): ReadonlyMap<ts.SourceFile, readonly FunctionFacts[]> {
  return analysis.carry<Grouping>('facts-by-file', (previous) =>
    previous ? regroup(previous.value, analysis.facts, previous.delta) : group(analysis.facts),
  ).byFile;
}

export function factsOfFile(analysis: Analysis, file: ts.SourceFile): readonly FunctionFacts[] {
  return factsByFile(analysis).get(file) ?? NONE;
}

function group(facts: ReadonlyMap<string, FunctionFacts>): Grouping {
  const byFile = new Map<ts.SourceFile, FunctionFacts[]>();
  for (const f of facts.values()) {
    const list = byFile.get(f.info.sourceFile);
    if (list) list.push(f);
    else byFile.set(f.info.sourceFile, [f]);
  }
  return { byFile };
}

/**
 * The previous grouping with the files of changed facts replaced. `changed` holds every function
 * whose facts object differs, and `former` what they had; since a re-walk replaces all of a
 * file's facts, those of one file, in the facts' order, are exactly its new list.
 *
 * Updated in place, as the facts map it groups is (see `mapByParts`): a copy of a map of every
 * file would be most of what an edit allocates here, and the previous analysis is superseded.
 */
function regroup(previous: Grouping, facts: ReadonlyMap<string, FunctionFacts>, delta: AnalysisDelta): Grouping {
  const byFile = previous.byFile;
  const rebuilt = new Map<ts.SourceFile, FunctionFacts[]>();
  for (const key of delta.changed) {
    const before = delta.former.get(key);
    const after = facts.get(key);
    if (before === after) continue;
    if (before) byFile.delete(before.info.sourceFile);
    if (!after) continue;
    const list = rebuilt.get(after.info.sourceFile);
    if (list) list.push(after);
    else rebuilt.set(after.info.sourceFile, [after]);
  }
  for (const [file, list] of rebuilt) byFile.set(file, list);
  return { byFile };
}

/**
 * An index over one file's facts, built once per walk of the file and shared by every program
 * version that reuses the walk. `build` may read the facts and their nodes, and ask the checker
 * about the file's own nodes (what `Analysis.memo` allows: a reused walk means the file and the
 * files it resolved into are unchanged); nothing of other functions' summaries.
 */
export function perFile<T>(build: (facts: readonly FunctionFacts[], analysis: Analysis) => T): (analysis: Analysis, file: ts.SourceFile) => T {
  const built = new WeakMap<readonly FunctionFacts[], T>();
  return (analysis, file) => {
    const facts = factsOfFile(analysis, file);
    let value = built.get(facts);
    if (value === undefined) {
      value = build(facts, analysis);
      built.set(facts, value);
    }
    return value;
  };
}

const callSites = perFile((facts) => {
  const byNode = new Map<ts.Node, CallSite>();
  for (const f of facts) for (const site of f.calls) byNode.set(site.node, site);
  return byNode;
});

/** The recorded call at a call or `new` expression. */
export function callSiteAt(analysis: Analysis, node: ts.Node): CallSite | undefined {
  return callSites(analysis, node.getSourceFile()).get(node);
}

const positions = perFile((facts) => new Map(facts.map((f, i) => [f, i] as const)));
const fileOrders = new WeakMap<Analysis, Map<ts.SourceFile, number>>();

/**
 * Compares two functions' facts by the analysis' order (its files' order, then the walk's), the
 * order a pass over `analysis.facts` meets them in: what queries that keep the first of several
 * answers sort by.
 */
export function compareFacts(analysis: Analysis, a: FunctionFacts, b: FunctionFacts): number {
  const fa = a.info.sourceFile;
  const fb = b.info.sourceFile;
  if (fa !== fb) return compareFiles(analysis, fa, fb);
  return (positions(analysis, fa).get(a) ?? -1) - (positions(analysis, fb).get(b) ?? -1);
}

/** Compares two files by the analysis' order of files. */
export function compareFiles(analysis: Analysis, a: ts.SourceFile, b: ts.SourceFile): number {
  let order = fileOrders.get(analysis);
  if (!order) fileOrders.set(analysis, (order = new Map(analysis.sourceFiles.map((sf, i) => [sf, i] as const))));
  return (order.get(a) ?? -1) - (order.get(b) ?? -1);
}
