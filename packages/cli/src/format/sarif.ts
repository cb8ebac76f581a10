import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { SourceLocation } from '@lockwise/analyzer';
import type { Finding } from '@lockwise/rules';
import { type AuditReport, relativeFile, sortFindings } from '../report.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
export const SARIF_VERSION = '2.1.0';
/** `partialFingerprints` key; bump the suffix if the hashed text ever changes. */
export const FINGERPRINT_KEY = 'lockwise/v1';
const SRCROOT = 'SRCROOT';

/**
 * `--format sarif`: SARIF 2.1.0 for code-scanning services. One run; `tool.driver.rules`
 * lists the rules that ran; each result has its rule, level, message, location, a code flow
 * built from the finding's trace, and a partial fingerprint that survives unrelated edits
 * (rule id + relative file + message + the trimmed text of the finding's line — no line
 * number), with an occurrence suffix when identical findings repeat in a file.
 */
export function formatSarif(report: AuditReport): string {
  return `${JSON.stringify(toSarif(report), null, 2)}\n`;
}

export function toSarif(report: AuditReport): Record<string, unknown> {
  const root = report.rootDir;
  const rules = [...report.rules].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));
  const occurrences = new Map<string, number>();
  const results = sortFindings(root, report.findings).map((f) => {
    const hash = fingerprint(f, relativeFile(root, f.location.file), lineText(report, f.location));
    const n = (occurrences.get(hash) ?? 0) + 1;
    occurrences.set(hash, n);
    const result: Record<string, unknown> = {
      ruleId: f.ruleId,
      ...(ruleIndex.has(f.ruleId) ? { ruleIndex: ruleIndex.get(f.ruleId) } : {}),
      level: f.severity === 'error' ? 'error' : 'warning',
      message: { text: f.message },
      locations: [{ physicalLocation: physicalLocation(root, f.location, true) }],
    };
    if (f.trace.length > 0) {
      result.codeFlows = [
        {
          threadFlows: [
            {
              locations: f.trace.map((step) => ({
                location: {
                  physicalLocation: physicalLocation(root, step.location, false),
                  message: { text: step.message },
                },
              })),
            },
          ],
        },
      ];
    }
    result.partialFingerprints = { [FINGERPRINT_KEY]: `${hash}:${n}` };
    const properties: Record<string, unknown> = {};
    if (f.lock !== undefined) properties.lock = f.lock;
    if (f.subsystems) properties.subsystems = { from: f.subsystems.from, to: f.subsystems.to };
    if (Object.keys(properties).length > 0) result.properties = properties;
    return result;
  });
  const errors = report.diagnostics.filter((d) => d.severity === 'error');
  return {
    $schema: SARIF_SCHEMA,
    version: SARIF_VERSION,
    runs: [
      {
        tool: {
          driver: {
            name: report.tool.name,
            version: report.tool.version,
            semanticVersion: report.tool.version,
            informationUri: 'https://github.com/lockwise/lockwise',
            rules: rules.map((r) => ({
              id: r.id,
              name: r.name,
              shortDescription: { text: r.description },
              helpUri: r.helpUri,
              defaultConfiguration: { level: r.defaultSeverity === 'error' ? 'error' : 'warning' },
            })),
          },
        },
        invocations: [
          {
            executionSuccessful: errors.length === 0,
            toolExecutionNotifications: report.diagnostics.map((d) => ({
              level: d.severity === 'error' ? 'error' : 'warning',
              message: { text: d.message },
              ...(d.location ? { locations: [{ physicalLocation: physicalLocation(root, d.location, false) }] } : {}),
            })),
          },
        ],
        originalUriBaseIds: {
          [SRCROOT]: { uri: pathToFileURL(root.endsWith('/') ? root : `${root}/`).href },
        },
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
}

/** The stable part of a finding's identity, hex sha-256 (first 32 digits). */
export function fingerprint(f: Finding, relativeFilePath: string, lineText: string): string {
  return createHash('sha256')
    .update([f.ruleId, relativeFilePath, f.message, lineText.trim()].join('\0'))
    .digest('hex')
    .slice(0, 32);
}

function lineText(report: AuditReport, loc: SourceLocation): string {
  const text = report.sourceText(loc.file);
  if (text === undefined) return '';
  return text.split(/\r?\n/)[loc.line - 1] ?? '';
}

function physicalLocation(root: string, loc: SourceLocation, withEnd: boolean): Record<string, unknown> {
  const region: Record<string, number> = { startLine: loc.line, startColumn: loc.column };
  if (withEnd) {
    region.endLine = loc.endLine;
    region.endColumn = loc.endColumn;
  }
  return {
    artifactLocation: { uri: encodeUri(relativeFile(root, loc.file)), uriBaseId: SRCROOT },
    region,
  };
}

function encodeUri(relative: string): string {
  return relative.split('/').map(encodeURIComponent).join('/');
}
