import type { LockInfo, Recognition, SourceLocation } from '@lockwise/analyzer';
import type { Acknowledgement, Finding, LockOrderGraphData, SubsystemPollution } from '@lockwise/rules';
import { type AuditReport, compareLocations, relativeFile, sortFindings } from '../report.js';

/**
 * `--format json`: the output contract of docs/output-format.md, version 1. Every key is
 * always present (absent values are `null`), in the order written here; findings, locks and
 * lists inside them are sorted, so two runs over the same code print the same bytes
 * (except `stats.ms`).
 */
export const JSON_FORMAT_VERSION = 1;

export interface JsonPosition {
  file: string;
  line: number;
  column: number;
}

export interface JsonTraceStep extends JsonPosition {
  message: string;
}

export interface JsonFinding {
  ruleId: string;
  severity: 'error' | 'warning';
  message: string;
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  lock: string | null;
  subsystems: { from: string; to: string } | null;
  trace: JsonTraceStep[];
}

export type JsonRecognition =
  | { by: 'library'; library: string }
  | { by: 'shape'; shape: string; confirmed: boolean | null }
  | { by: 'config' }
  | { by: 'jsdoc' };

export interface JsonLock {
  id: string;
  library: string;
  kind: string;
  reentrant: boolean;
  recognition: JsonRecognition;
  declaredAt: JsonPosition | null;
  subsystem: string;
  acquireSites: JsonPosition[];
  subsystems: string[];
}

export interface JsonAcknowledgement extends JsonPosition {
  ruleId: string;
  message: string;
  by: Acknowledgement['by'];
  reason: string;
  lock: string | null;
}

export interface JsonSubsystem {
  name: string;
  lockKnowledgeImported: number;
  foreignLocks: { lock: string; owner: string; relations: string[]; weight: number; sites: (JsonPosition & { relation: string; where: string })[] }[];
  leaksFrom: string[];
  leaksInto: string[];
}

export interface JsonLockOrder {
  nodes: { id: string; library: string; kind: string; subsystem: string | null }[];
  edges: { from: string; to: string; witnesses: (JsonPosition & { function: string })[] }[];
  cycles: string[][];
}

export interface JsonReport {
  version: 1;
  tool: { name: string; version: string };
  findings: JsonFinding[];
  locks: JsonLock[];
  acknowledgements: JsonAcknowledgement[];
  subsystems: JsonSubsystem[];
  lockOrder: JsonLockOrder;
  stats: { files: number; functions: number; callEdges: number; locks: number; heldRegions: number; ms: number };
}

export function toJsonReport(report: AuditReport): JsonReport {
  const root = report.rootDir;
  return {
    version: JSON_FORMAT_VERSION,
    tool: { name: report.tool.name, version: report.tool.version },
    findings: sortFindings(root, report.findings).map((f) => jsonFinding(root, f)),
    locks: [...report.locks].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((l) => jsonLock(root, l)),
    acknowledgements: [...report.acknowledgements]
      .sort((a, b) => compareLocations(root, a.location, b.location) || (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0))
      .map((a) => jsonAcknowledgement(root, a)),
    subsystems: report.pollution.map((p) => jsonSubsystem(root, p)),
    lockOrder: jsonLockOrder(root, report.lockOrder),
    stats: {
      files: report.stats.files,
      functions: report.stats.functions,
      callEdges: report.stats.callEdges,
      locks: report.stats.locks,
      heldRegions: report.stats.heldRegions,
      ms: report.stats.ms,
    },
  };
}

export function formatJson(report: AuditReport): string {
  return `${JSON.stringify(toJsonReport(report), null, 2)}\n`;
}

function jsonFinding(root: string, f: Finding): JsonFinding {
  return {
    ruleId: f.ruleId,
    severity: f.severity,
    message: f.message,
    file: relativeFile(root, f.location.file),
    line: f.location.line,
    column: f.location.column,
    endLine: f.location.endLine,
    endColumn: f.location.endColumn,
    lock: f.lock ?? null,
    subsystems: f.subsystems ? { from: f.subsystems.from, to: f.subsystems.to } : null,
    trace: f.trace.map((step) => ({
      file: relativeFile(root, step.location.file),
      line: step.location.line,
      column: step.location.column,
      message: step.message,
    })),
  };
}

function jsonLock(root: string, l: LockInfo): JsonLock {
  const sites = [...l.acquireSites].sort((a, b) => compareLocations(root, a, b));
  const acquireSites: JsonPosition[] = [];
  for (const site of sites) {
    const p = position(root, site);
    const last = acquireSites[acquireSites.length - 1];
    if (last && last.file === p.file && last.line === p.line && last.column === p.column) continue;
    acquireSites.push(p);
  }
  return {
    id: l.id,
    library: l.library,
    kind: l.kind,
    reentrant: l.reentrant,
    recognition: recognition(l.recognition),
    declaredAt: l.declaredAt ? position(root, l.declaredAt) : null,
    subsystem: l.subsystem,
    acquireSites,
    subsystems: [...new Set(l.subsystemsTouching)].sort(),
  };
}

function position(root: string, loc: SourceLocation): JsonPosition {
  return { file: relativeFile(root, loc.file), line: loc.line, column: loc.column };
}

function recognition(r: Recognition): JsonRecognition {
  switch (r.by) {
    case 'library':
      return { by: 'library', library: r.library };
    case 'shape':
      return { by: 'shape', shape: r.shape, confirmed: r.confirmed ?? null };
    case 'config':
      return { by: 'config' };
    case 'jsdoc':
      return { by: 'jsdoc' };
  }
}

function jsonAcknowledgement(root: string, a: Acknowledgement): JsonAcknowledgement {
  return { ruleId: a.ruleId, message: a.message, ...position(root, a.location), by: a.by, reason: a.reason, lock: a.lock ?? null };
}

function jsonSubsystem(root: string, p: SubsystemPollution): JsonSubsystem {
  return {
    name: p.subsystem,
    lockKnowledgeImported: p.lockKnowledgeImported,
    foreignLocks: p.foreignLocks.map((l) => ({
      lock: l.lock,
      owner: l.owner,
      relations: [...l.relations],
      weight: l.weight,
      sites: l.sites.map((s) => ({ ...position(root, s.location), relation: s.relation, where: s.where })),
    })),
    leaksFrom: [...p.leaksFrom],
    leaksInto: [...p.leaksInto],
  };
}

function jsonLockOrder(root: string, graph: LockOrderGraphData): JsonLockOrder {
  return {
    nodes: graph.nodes.map((n) => ({ id: n.id, library: n.library, kind: n.kind, subsystem: n.subsystem ?? null })),
    edges: graph.edges.map((e) => ({ from: e.from, to: e.to, witnesses: e.witnesses.map((w) => ({ ...position(root, w.location), function: w.function })) })),
    cycles: graph.cycles.map((c) => [...c]),
  };
}
