import type { Command } from 'commander';
import { action, emit, examples, type GlobalOptions } from './io.ts';
import { loadFramework, type Dimension, type Framework } from '../values/index.ts';

/** The JSON shape of `tenet values list --json`. */
export function frameworkListing(framework: Framework): {
  framework: string;
  dimensions: {
    id: string;
    name: string;
    definition: string;
    items?: { id: string; name: string }[];
    poles?: { positive: string; negative: string };
  }[];
} {
  return {
    framework: framework.id,
    dimensions: framework.dimensions.map((d) => ({
      id: d.id,
      name: d.name,
      definition: d.definition,
      ...(d.items && d.items.length > 0 ? { items: d.items.map((i) => ({ id: i.id, name: i.name })) } : {}),
      ...(d.poles ? { poles: { positive: d.poles.positive, negative: d.poles.negative } } : {}),
    })),
  };
}

/** Wrap `text` to `width` columns, every line after the first indented by `indent`. */
function wrap(text: string, width: number, indent: string): string {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines.join(`\n${indent}`);
}

/** A readable listing: one aligned row per dimension, poles and items beneath. */
export function renderFramework(framework: Framework, columns = process.stdout.columns || 100): string {
  const idWidth = Math.max(...framework.dimensions.map((d) => d.id.length));
  const nameWidth = Math.max(...framework.dimensions.map((d) => d.name.length));
  const pad = ' '.repeat(2 + idWidth + 2 + nameWidth + 2);
  const width = Math.max(30, Math.min(columns, 120) - pad.length);
  const sub = ' '.repeat(2 + idWidth + 2);
  const subWidth = Math.max(30, Math.min(columns, 120) - sub.length);
  const out = [`${framework.name} (${framework.id}): ${framework.dimensions.length} dimensions`];
  if (framework.description) out.push(framework.description);
  out.push('');
  for (const d of framework.dimensions as Dimension[]) {
    out.push(`  ${d.id.padEnd(idWidth)}  ${d.name.padEnd(nameWidth)}  ${wrap(d.definition, width, pad)}`);
    if (d.poles) {
      out.push(`${sub}+ ${wrap(d.poles.positive, subWidth - 2, `${sub}  `)}`);
      out.push(`${sub}- ${wrap(d.poles.negative, subWidth - 2, `${sub}  `)}`);
    }
    if (d.items && d.items.length > 0) {
      out.push(`${sub}${wrap(`items: ${d.items.map((i) => i.name).join(', ')}`, subWidth, `${sub}  `)}`);
    }
  }
  return out.join('\n');
}

export function registerValues(program: Command): Command {
  const values = program
    .command('values')
    .description('value theories tenet knows: Moral Foundations, Schwartz basic values, or your own framework file');

  const list = values
    .command('list')
    .description('list the dimensions of a value framework (built-in or a YAML/JSON file)')
    .option('-f, --framework <id|file>', 'mft, mft_liberty, schwartz, or a .yaml/.yml/.json framework file', 'schwartz')
    .action(
      action((_opts: unknown, command: Command) => {
        const opts = command.optsWithGlobals<GlobalOptions & { framework: string }>();
        const framework = loadFramework(opts.framework);
        emit(opts, frameworkListing(framework), () => renderFramework(framework));
      }),
    );
  examples(list, [
    'tenet values list                              # Schwartz: 10 values with their 54 items',
    'tenet values list --framework mft              # Moral Foundations with virtue/vice poles',
    'tenet values list --framework my-values.yaml   # check and show your own framework',
    'tenet values list --framework mft --json | jq ".dimensions[].id"',
    '',
    'A framework file (YAML or JSON):',
    '  id: workplace',
    '  name: Workplace values',
    '  dimensions:',
    '    - id: candour',
    '      name: Candour',
    '      definition: Says what is true even when it is unwelcome.',
    '      poles: {positive: frank and clear, negative: evasive or flattering}',
  ]);
  examples(values, ['tenet values list --framework mft']);
  return values;
}
