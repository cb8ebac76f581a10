import type { AuditReport } from '../report.js';
import { formatJson } from './json.js';
import { formatSarif } from './sarif.js';
import { formatText } from './text.js';

export const FORMATS = ['text', 'json', 'sarif'] as const;
export type FormatName = (typeof FORMATS)[number];

export function isFormat(name: string): name is FormatName {
  return (FORMATS as readonly string[]).includes(name);
}

export function format(name: FormatName, report: AuditReport, options: { color: boolean }): string {
  switch (name) {
    case 'json':
      return formatJson(report);
    case 'sarif':
      return formatSarif(report);
    case 'text':
      return formatText(report, options);
  }
}

export { formatJson, toJsonReport, JSON_FORMAT_VERSION, type JsonReport, type JsonFinding, type JsonLock } from './json.js';
export { formatSarif, toSarif, fingerprint, FINGERPRINT_KEY } from './sarif.js';
export { formatText, summaryLine } from './text.js';
