import { codeFrameColumns } from '@babel/code-frame';
import pc from 'picocolors';
import type { Finding } from '@lockwise/rules';
import { type AuditReport, countBySeverity, plural, relativeFile, sortFindings } from '../report.js';

export interface TextOptions {
  /** ANSI colors (the CLI decides: a TTY, no --no-color, no NO_COLOR). */
  color: boolean;
}

/** Findings spanning more lines than this get a frame around their first line only. */
const MAX_MARKED_LINES = 3;

/**
 * The default, human format: findings grouped by file (files in path order), each with its
 * position, severity, message and rule id, a code frame, and the trace as `at file:line:col
 * message` lines; then one summary line.
 */
export function formatText(report: AuditReport, options: TextOptions): string {
  const c = pc.createColors(options.color);
  const root = report.rootDir;
  const out: string[] = [];
  const byFile = new Map<string, Finding[]>();
  for (const f of sortFindings(root, report.findings)) {
    const file = relativeFile(root, f.location.file);
    const list = byFile.get(file) ?? [];
    list.push(f);
    byFile.set(file, list);
  }
  for (const [file, findings] of byFile) {
    out.push(c.underline(file));
    for (const f of findings) {
      const severity = f.severity === 'error' ? c.red('error') : c.yellow('warning');
      out.push(`  ${c.dim(`${f.location.line}:${f.location.column}`)}  ${severity}  ${f.message}  ${c.dim(f.ruleId)}`);
      const frame = codeFrame(report.sourceText(f.location.file), f, options.color);
      if (frame) out.push(indent(frame, '    '));
      for (const step of f.trace) {
        const where = `${relativeFile(root, step.location.file)}:${step.location.line}:${step.location.column}`;
        out.push(`      ${c.dim('at')} ${c.cyan(where)} ${step.message}`);
      }
      out.push('');
    }
  }
  out.push(...pollutionSection(report, c));
  out.push(...lockOrderSection(report, c));
  out.push(summaryLine(report, c));
  return `${out.join('\n')}\n`;
}

/** Subsystems that must know about other subsystems' locks, worst first (docs/pollution.md). */
function pollutionSection(report: AuditReport, c: ReturnType<typeof pc.createColors>): string[] {
  const polluted = report.pollution.filter((p) => p.lockKnowledgeImported > 0);
  if (polluted.length === 0) return [];
  const lines = [c.bold('Lock knowledge imported, worst first')];
  for (const p of polluted) {
    const locks = p.foreignLocks.map((l) => `${l.lock} (${l.owner}: ${l.relations.join(', ')})`).join('; ');
    lines.push(`  ${String(p.lockKnowledgeImported).padStart(3)}  ${c.bold(p.subsystem)}  ${c.dim(locks)}`);
  }
  lines.push('');
  return lines;
}

function lockOrderSection(report: AuditReport, c: ReturnType<typeof pc.createColors>): string[] {
  if (report.lockOrder.cycles.length === 0) return [];
  return [c.bold('Lock-order cycles'), ...report.lockOrder.cycles.map((cycle) => `  ${[...cycle, cycle[0]].join(' → ')}`), ''];
}

export function summaryLine(report: AuditReport, c: ReturnType<typeof pc.createColors> = pc.createColors(false)): string {
  const { errors, warnings } = countBySeverity(report.findings);
  const mark = errors > 0 ? c.red('✖') : warnings > 0 ? c.yellow('⚠') : c.green('✔');
  const parts = [
    `${plural(errors, 'error')}, ${plural(warnings, 'warning')}`,
    ...(report.acknowledgements.length > 0 ? [`${report.acknowledgements.length} acknowledged`] : []),
    plural(report.stats.locks, 'lock'),
    plural(report.stats.files, 'file'),
    formatMs(report.stats.ms),
  ];
  const text = parts.join(' · ');
  return `${mark} ${errors > 0 ? c.bold(text) : text}`;
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

function codeFrame(text: string | undefined, f: Finding, color: boolean): string | undefined {
  if (text === undefined) return undefined;
  const { line, column, endLine, endColumn } = f.location;
  const lines = text.split(/\r?\n/);
  if (line < 1 || line > lines.length) return undefined;
  const end =
    endLine >= line && endLine - line < MAX_MARKED_LINES
      ? { line: endLine, column: endColumn }
      : { line, column: (lines[line - 1]?.length ?? 0) + 1 };
  try {
    return codeFrameColumns(text, { start: { line, column }, end }, {
      highlightCode: color,
      forceColor: color,
      linesAbove: 1,
      linesBelow: 1,
    });
  } catch {
    return undefined;
  }
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((l) => (l === '' ? l : prefix + l))
    .join('\n');
}
