import pc from 'picocolors';
import { allRules } from '@lockwise/rules';
import { type CliIo, useColor, write } from './io.js';

/** `lockwise rules`: every rule with its default severity, preset and description. */
export async function listRules(io: CliIo, noColor: boolean): Promise<number> {
  const c = pc.createColors(useColor(io.stdout, io.env, noColor));
  const rules = [...allRules].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const width = Math.max(...rules.map((r) => r.name.length), 4);
  const lines = rules.map((r) => {
    const severity = r.meta.docs.severity === 'error' ? c.red('error  ') : c.yellow('warning');
    return `  ${r.name.padEnd(width)}  ${severity}  ${r.meta.docs.preset.padEnd(11)}  ${r.meta.docs.description}`;
  });
  await write(
    io.stdout,
    `${c.bold(`${rules.length} rule${rules.length === 1 ? '' : 's'}`)} (id lockwise/<name>; severity and preset by default)\n\n${lines.join('\n')}\n`,
  );
  return 0;
}
