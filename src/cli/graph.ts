/**
 * `tenet graph …`: build a moral graph from raw votes, rank it, and convert between the study's
 * MoralGraphSummary JSON and tenet's format. Thin: parse options, call src/moralgraph, print.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Option, type Command } from 'commander';
import { TenetError } from '../errors.ts';
import {
  IMPROVED_PARAMS,
  asTenet,
  buildTenetGraph,
  loadGraph,
  loadValues,
  loadVotes,
  parseInstant,
  rankGraph,
  studyToTenet,
  tenetToStudy,
  votesBefore,
  type GraphRanking,
  type GraphValue,
  type ImprovedParams,
  type InputFile,
  type StudySummary,
  type TenetGraph,
} from '../moralgraph/index.ts';
import { action, emit, examples, MAX_LIMIT_OPTION, positiveInt, type GlobalOptions } from './io.ts';

type Format = 'study' | 'tenet';

function writeJson(file: string, data: unknown): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  } catch (error) {
    throw new TenetError('BAD_INPUT', `cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
      hint: 'check that the folder exists and is writable',
      location: { file },
      cause: error,
    });
  }
}

/** Write `doc` to `output`, or print it when there is no output file; `summary` is what gets reported. */
function deliver(opts: GlobalOptions, output: string | undefined, doc: unknown, summary: Record<string, unknown>, human: string): void {
  if (output === undefined) {
    process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    return;
  }
  writeJson(output, doc);
  emit(opts, { output, ...summary }, () => human);
}

function warn(message: string): void {
  process.stderr.write(`warning: ${message}\n`);
}

function number01(name: string, open = false): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0 || n > 1 || (open && (n === 0 || n === 1))) {
      throw new TenetError('BAD_USAGE', `${name} must be a number ${open ? 'strictly between 0 and 1' : 'in [0, 1]'}, got "${value}"`);
    }
    return n;
  };
}

function parsePrior(value: string): [number, number] {
  const parts = value.split(',').map((p) => Number(p.trim()));
  const [a, b] = parts;
  if (parts.length !== 2 || a === undefined || b === undefined || !(a > 0) || !(b > 0)) {
    throw new TenetError('BAD_USAGE', `--prior must be two positive numbers "alpha,beta", got "${value}"`, {
      hint: 'e.g. --prior 1,1 (uniform) or --prior 0.5,0.5 (Jeffreys)',
    });
  }
  return [a, b];
}

function missingCards(graph: TenetGraph, cards: readonly GraphValue[]): number[] {
  const known = new Set(cards.map((c) => c.id));
  const ids = new Set(graph.edges.flatMap((e) => [e.from, e.to]));
  return [...ids].filter((id) => !known.has(id)).sort((a, b) => a - b);
}

interface BuildOpts extends GlobalOptions {
  votes: string;
  /** The cards file, or false for --no-values. */
  values?: string | false;
  before?: string;
  mode: 'study' | 'improved';
  format?: Format;
  all?: boolean;
  prior: [number, number];
  mass: number;
  threshold: number;
  output?: string;
}

function registerBuild(graph: Command): void {
  const cmd = graph
    .command('build')
    .description('aggregate raw edge votes into a moral graph (the study rule, or the Beta-binomial rule)')
    .requiredOption('--votes <file>', 'raw edge votes: a JSON array of {userId, fromId, toId, contextId, relationship, story, runId, createdAt}')
    .option('--values <file>', 'canonical values cards (JSON array) to put in the graph (required: they give the values their titles)')
    .option('--no-values', 'build without cards: the values are then known only by id ("value 298")')
    .option('--before <iso>', 'only votes created strictly before this instant (the study used 2023-10-18T12:00:00Z)')
    .addOption(new Option('--mode <mode>', 'aggregation rule').choices(['study', 'improved']).default('study'))
    .addOption(
      new Option('--format <format>', "output format (default: study for --mode study, tenet for --mode improved)").choices([
        'study',
        'tenet',
      ]),
    )
    .option('--all', 'tenet format: also write every evaluated ordered pair under allEdges')
    .addOption(
      new Option('--prior <alpha,beta>', 'improved mode: Beta prior')
        .argParser(parsePrior)
        .default([IMPROVED_PARAMS.priorAlpha, IMPROVED_PARAMS.priorBeta], `${IMPROVED_PARAMS.priorAlpha},${IMPROVED_PARAMS.priorBeta}`),
    )
    .option('--mass <p>', 'improved mode: credible-interval mass', number01('--mass', true), IMPROVED_PARAMS.credibleMass)
    .option('--threshold <p>', 'improved mode: keep when the interval lies above this', number01('--threshold'), IMPROVED_PARAMS.threshold)
    .option('-o, --output <file>', 'where to write the graph (default: print it)')
    .action(
      action((_opts: unknown, command: Command) => {
        const opts = command.optsWithGlobals<BuildOpts>();
        const format: Format = opts.format ?? (opts.mode === 'study' ? 'study' : 'tenet');
        if (opts.all && format !== 'tenet') {
          throw new TenetError('BAD_USAGE', '--all needs --format tenet (the study format has no place for unkept pairs)');
        }
        const before = opts.before === undefined ? undefined : new Date(parseInstant(opts.before, '--before')).toISOString();
        const loaded = loadVotes(opts.votes);
        const votes = before === undefined ? loaded.votes : votesBefore(loaded.votes, before);
        const inputs: InputFile[] = [loaded.input];
        if (opts.values === undefined) {
          const ids = new Set(votes.flatMap((v) => [v.fromId, v.toId]));
          throw new TenetError('BAD_USAGE', `graph build needs the values cards (--values FILE): the ${votes.length} votes name ${ids.size} values, and without their cards the graph knows them only by id ("value ${[...ids][0] ?? 1}")`, {
            hint: 'pass the canonical values cards (a JSON array of {id, title, ...}; data/samples/moral-graph/cards.json is an example), or --no-values to build a graph of ids only',
          });
        }
        let cards: GraphValue[] = [];
        if (typeof opts.values === 'string') {
          const v = loadValues(opts.values);
          cards = v.values;
          inputs.push(v.input);
        }
        const improvedParams: ImprovedParams = {
          priorAlpha: opts.prior[0],
          priorBeta: opts.prior[1],
          credibleMass: opts.mass,
          threshold: opts.threshold,
        };
        const tenet = buildTenetGraph(votes, {
          mode: opts.mode,
          values: cards,
          improvedParams,
          inputs,
          includeAll: Boolean(opts.all),
          ...(before === undefined ? {} : { votesBefore: before }),
        });
        const valueIds = new Set(tenet.edges.flatMap((e) => [e.from, e.to]));
        if (opts.values === false) warn(`--no-values: the graph's ${valueIds.size} values have no cards (no titles; they show as "value ID")`);
        else {
          const missing = missingCards(tenet, cards);
          if (missing.length > 0) warn(`${missing.length} value(s) on kept edges have no card in ${opts.values}: ${missing.join(', ')}`);
        }
        const doc: StudySummary | TenetGraph = format === 'study' ? tenetToStudy(tenet) : tenet;
        const summary = {
          mode: opts.mode,
          format,
          votes: votes.length,
          /** Values on the graph's edges (what `graph rank` ranks); `cards`: those with a values card. */
          values: valueIds.size,
          cards: tenet.values.length,
          edges: tenet.edges.length,
          contexts: tenet.contexts.length,
        };
        deliver(
          opts,
          opts.output,
          doc,
          summary,
          `wrote ${opts.output}: ${summary.edges} edges between ${summary.values} values (${summary.cards} with cards), ${summary.contexts} contexts ` +
            `(${opts.mode} mode, ${format} format, ${summary.votes} votes${before ? ` before ${before}` : ''})`,
        );
      }),
    );
  examples(cmd, [
    '# the shipped example (made-up cards and votes), then its ranking:',
    'tenet graph build --votes data/samples/moral-graph/votes.json --values data/samples/moral-graph/cards.json -o graph.json',
    '# the 2023 study graph, exactly as released (study shape):',
    'tenet graph build --votes dft-edge-votes.json --values dft-canonicalValuesCard.json \\',
    '    --before 2023-10-18T12:00:00Z -o graph.json',
    '# per-context Beta-binomial aggregation, tenet format:',
    'tenet graph build --votes dft-edge-votes.json --values dft-canonicalValuesCard.json --mode improved -o improved.json',
  ]);
}

interface RankOpts extends GlobalOptions {
  context?: string;
  top?: number;
  by: 'pagerank' | 'wisdom';
  damping: number;
}

function renderRanking(r: GraphRanking): string {
  const scope = r.context === null ? 'all contexts' : `context "${r.context}"`;
  const lines = [
    `${r.nodes} values, ${r.edges} edges (${r.mode} mode, ${scope}); sorted by ${r.by === 'wisdom' ? 'wisdom (sum of incoming weights)' : 'PageRank'}; ` +
      `PageRank ${r.converged ? 'converged' : 'did not converge'} after ${r.iterations} iterations`,
    '',
    `${'rank'.padStart(4)}  ${'pageRank'.padStart(8)}  ${'wisdom'.padStart(6)}  ${'id'.padStart(5)}  title`,
  ];
  for (const v of r.values) {
    lines.push(
      `${String(v.rank).padStart(4)}  ${v.pageRank.toFixed(4).padStart(8)}  ${v.wisdom.toFixed(3).padStart(6)}  ${String(v.id).padStart(5)}  ${v.title}`,
    );
  }
  return lines.join('\n');
}

function registerRank(graph: Command): void {
  const cmd = graph
    .command('rank')
    .description('rank the values of a graph (either format) by weighted PageRank, with the study\'s wisdom score beside it')
    .argument('<file>', "a graph: tenet's format or the study's MoralGraphSummary JSON")
    .option('--context <context>', 'rank inside one context, e.g. "When in distress"')
    .option('--top <n>', 'show only the first N values', positiveInt('--top', MAX_LIMIT_OPTION))
    .addOption(new Option('--by <score>', 'sort by').choices(['pagerank', 'wisdom']).default('pagerank'))
    .option('--damping <d>', 'PageRank damping factor', (v: string) => {
      const d = Number(v);
      if (!(d >= 0 && d < 1)) throw new TenetError('BAD_USAGE', `--damping must be in [0, 1), got "${v}"`);
      return d;
    }, 0.85)
    .action(
      action((file: string, _opts: unknown, command: Command) => {
        const opts = command.optsWithGlobals<RankOpts>();
        const { loaded } = loadGraph(file);
        const ranking = rankGraph(asTenet(loaded), {
          by: opts.by,
          damping: opts.damping,
          ...(opts.context === undefined ? {} : { context: opts.context }),
          ...(opts.top === undefined ? {} : { top: opts.top }),
        });
        emit(opts, ranking, () => renderRanking(ranking));
      }),
    );
  examples(cmd, [
    'tenet graph rank graph.json --top 10',
    'tenet graph rank graph.json --context "When in distress" --by wisdom --json',
  ]);
}

function registerImport(graph: Command): void {
  const cmd = graph
    .command('import')
    .description("convert the study's MoralGraphSummary JSON into tenet's graph format")
    .argument('<file>', 'a study graph, e.g. moral-graph-all-participants.json')
    .option('-o, --output <file>', 'where to write the tenet graph (default: print it)')
    .action(
      action((file: string, _opts: unknown, command: Command) => {
        const opts = command.optsWithGlobals<GlobalOptions & { output?: string }>();
        const { loaded, input } = loadGraph(file);
        if (loaded.kind === 'tenet') {
          throw new TenetError('BAD_INPUT', `${file} is already in tenet's format`, {
            hint: 'use `tenet graph export FILE --format study` to go the other way',
            location: { file },
          });
        }
        const doc = studyToTenet(loaded.graph, input);
        deliver(opts, opts.output, doc, { values: doc.values.length, edges: doc.edges.length }, `wrote ${opts.output}: ${doc.edges.length} edges, ${doc.values.length} values (tenet format)`);
      }),
    );
  examples(cmd, ['tenet graph import dft-moral-graph-all-participants.json -o study-graph.tenet.json']);
}

function registerExport(graph: Command): void {
  const cmd = graph
    .command('export')
    .description("write a graph (either format) in the study's MoralGraphSummary shape or tenet's format")
    .argument('<file>', 'a graph in either format')
    .addOption(new Option('--format <format>', 'output format').choices(['study', 'tenet']).makeOptionMandatory())
    .option('-o, --output <file>', 'where to write it (default: print it)')
    .action(
      action((file: string, _opts: unknown, command: Command) => {
        const opts = command.optsWithGlobals<GlobalOptions & { output?: string; format: Format }>();
        const { loaded, input } = loadGraph(file);
        const tenet = loaded.kind === 'tenet' ? loaded.graph : studyToTenet(loaded.graph, input);
        const doc = opts.format === 'study' ? tenetToStudy(tenet) : tenet;
        deliver(
          opts,
          opts.output,
          doc,
          { format: opts.format, values: tenet.values.length, edges: tenet.edges.length },
          `wrote ${opts.output}: ${tenet.edges.length} edges, ${tenet.values.length} values (${opts.format} format)`,
        );
      }),
    );
  examples(cmd, [
    'tenet graph export improved.json --format study -o improved.study.json',
    'tenet graph export dft-moral-graph-all-participants.json --format tenet -o graph.tenet.json',
  ]);
}

export function registerGraph(program: Command): Command {
  const graph = program
    .command('graph')
    .description('moral graphs (Moral Graph Elicitation): build from votes, rank, import and export');
  registerBuild(graph);
  registerRank(graph);
  registerImport(graph);
  registerExport(graph);
  examples(graph, [
    'tenet graph build --votes votes.json --values cards.json --before 2023-10-18T12:00:00Z -o graph.json',
    'tenet graph rank graph.json --top 10',
  ]);
  return graph;
}
