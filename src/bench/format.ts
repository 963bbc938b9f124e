/** Human renderings of bench results and comparisons (the CLI prints these; `--json` prints the objects). */
import type { CompareResult } from './compare.ts';
import type { GateResult } from './gates.ts';
import { METRIC_NAMES, type MetricSet, type ValueProfile } from './metrics.ts';
import { formatFailureCounts } from '../runtime/failures.ts';
import type { BenchModelResult, BenchResults } from './run.ts';
import type { CorrectedRate } from '../judges/corrected.ts';
import type { Conformity, Gap } from './knowing/gap.ts';
import type { KnowingBlock } from './knowing/run.ts';

const f3 = (x: number | null | undefined): string => (x === null || x === undefined || !Number.isFinite(x) ? '  –  ' : x.toFixed(3));
/** CIs are printed with the same 3 decimals as their point estimates, so a point inside its CI never prints outside it. */
const ci = (c: [number, number] | null | undefined): string => (!c || !Number.isFinite(c[0]) ? '[     –      ]' : `[${f3(c[0])}, ${f3(c[1])}]`);
const pv = (p: number | null): string => (p === null ? '–' : p < 0.001 ? p.toExponential(1) : p.toFixed(3));
const pad = (s: string, n: number): string => (s.length >= n ? `${s} ` : s + ' '.repeat(n - s.length));

function metricRow(label: string, m: MetricSet, width: number): string {
  const k = m.k_min < m.k ? `${m.k_min}–${m.k}` : String(m.k);
  return `  ${pad(label, width)}${pad(`${f3(m.evr)} ${ci(m.ci.evr)}`, 24)}${pad(`${f3(m.mvp)} ${ci(m.ci.mvp)}`, 24)}${pad(`${f3(m.apv)} ${ci(m.ci.apv)}`, 24)}${pad(String(m.n), 6)}${k}${m.missing ? `  (${m.missing} prompts without samples)` : ''}${m.unscored ? `  (${m.unscored} verdicts without a violation score left out)` : ''}`;
}

/** One line naming how each metric's CIs were made, over the overall row and the foundation rows. */
function ciMethodsLine(sets: Record<string, MetricSet>): string {
  const parts = METRIC_NAMES.map((metric) => {
    const byMethod = new Map<string, string[]>();
    for (const [label, set] of Object.entries(sets)) {
      if (!set.n) continue;
      const method = set.ci_method[metric];
      byMethod.set(method, [...(byMethod.get(method) ?? []), label]);
    }
    const ordered = [...byMethod.entries()].sort((x, y) => y[1].length - x[1].length);
    const [main, ...rest] = ordered;
    if (!main) return `${metric.toUpperCase()} –`;
    return `${metric.toUpperCase()} ${main[0]}${rest.map(([m, labels]) => `, ${m} for ${labels.join(', ')}`).join('')}`;
  });
  return `  CI methods: ${parts.join(' · ')}`;
}

function correctedPart(name: string, c: CorrectedRate): string {
  return c.value === null ? `${name} none (${c.reason})` : `${name} ${f3(c.value)} ${ci(c.ci)}`;
}

/** The corrected rates of one model, named so they are never read as the raw ones (empty without a calibration). */
export function correctedLines(m: Pick<BenchModelResult, 'evr_corrected' | 'apv_corrected'>): string[] {
  if (!m.evr_corrected || !m.apv_corrected) return [];
  return [`  corrected for the judge's error (calibration ${m.evr_corrected.calibration_id}; raw above): ${correctedPart('EVR_corrected', m.evr_corrected)} · ${correctedPart('APV_corrected', m.apv_corrected)}`];
}

function valuesLine(v: ValueProfile): string {
  const parts = Object.entries(v.mean).map(([id, x]) => `${id} ${x >= 0 ? '+' : ''}${x.toFixed(2)}`);
  return `  values (mean over ${v.samples} samples, −1 opposed … +1 supported): ${parts.join(', ')}`;
}

function conformityCell(c: Conformity | undefined): string {
  return c && c.value !== null ? `${f3(c.value)} ${ci(c.ci)} N=${c.n}` : '–';
}

function gapCell(g: Gap | undefined): string {
  return g && g.value !== null ? `${g.value >= 0 ? '+' : ''}${f3(g.value)} ${ci(g.ci)} p=${pv(g.p)}` : '–';
}

/** Knowing versus doing (bench --mode): conformity of each test per foundation, and the gaps. */
export function knowingLines(m: Pick<BenchModelResult, 'knowing' | 'doing' | 'gap' | 'per_foundation'>): string[] {
  const lines = ['  knowing vs doing — conformity in [0, 1], higher conforms more [95% CI over principles (judgement, doing) or items (questionnaire)]; gap = knowing − doing, paired over principles, exact sign-flip p:'];
  const rows: [string, KnowingBlock][] = [['overall', m as KnowingBlock], ...Object.entries(m.per_foundation ?? {})];
  for (const [label, b] of rows) {
    const parts: string[] = [];
    if (b.knowing.judgement) parts.push(`judgement ${conformityCell(b.knowing.judgement.conformity)}${b.knowing.judgement.unparsed ? ` (${b.knowing.judgement.unparsed} unparsed)` : ''}`);
    if (b.knowing.questionnaire) parts.push(`questionnaire ${conformityCell(b.knowing.questionnaire.conformity)}${b.knowing.questionnaire.unparsed ? ` (${b.knowing.questionnaire.unparsed} unparsed)` : ''}`);
    if (b.doing) parts.push(`doing ${conformityCell(b.doing.conformity)}`);
    if (b.gap?.judgement) parts.push(`gap(judgement) ${gapCell(b.gap.judgement)}`);
    if (b.gap?.questionnaire) parts.push(`gap(questionnaire) ${gapCell(b.gap.questionnaire)}`);
    lines.push(`    ${pad(label, 10)}${parts.join(' · ')}`);
  }
  const unparsed = (m.knowing?.judgement?.unparsed ?? 0) + (m.knowing?.questionnaire?.unparsed ?? 0);
  if (unparsed) lines.push(`    ${unparsed} answers did not parse (strict JSON parser): counted above, never scored`);
  return lines;
}

export function formatBenchResults(r: BenchResults & { interrupted?: boolean }, gates: GateResult[] = []): string {
  const lines: string[] = [];
  lines.push(`run ${r.run} (${r.status}) · ${r.prompts.count} prompts from ${r.prompts.source} · K = ${r.samples} · judge ${r.judge.id}@${r.judge.version} · τ = ${r.tau}`);
  lines.push('EVR, MVP, APV: fractions in [0, 1], lower is better; [95% CI over prompts]: wilson = Wilson score interval, bca-bootstrap = BCa bootstrap (docs/bench.md)');
  for (const m of r.models) {
    const width = Math.max(9, ...Object.keys(m.metrics.per_foundation).map((f) => f.length + 2));
    lines.push('');
    lines.push(m.model);
    lines.push(`  ${pad('', width)}${pad('EVR', 24)}${pad('MVP', 24)}${pad('APV', 24)}${pad('N', 6)}K`);
    lines.push(metricRow('overall', m.metrics.overall, width));
    for (const [f, set] of Object.entries(m.metrics.per_foundation)) lines.push(metricRow(f, set, width));
    lines.push(ciMethodsLine({ overall: m.metrics.overall, ...m.metrics.per_foundation }));
    lines.push(...correctedLines(m));
    if (m.values) lines.push(valuesLine(m.values));
    if (m.knowing) lines.push(...knowingLines(m));
  }
  const failedUnits = r.failureCauses.reduce((n, c) => n + c.units, 0);
  if (failedUnits) {
    lines.push('', `${failedUnits} prompt × model unit${failedUnits === 1 ? '' : 's'} failed after retries (their samples are missing from the metrics); rerun the same command to retry them. Causes:`);
    for (const line of formatFailureCounts(r.failureCauses)) lines.push(`  ${line}`);
  }
  if (r.interrupted) lines.push('', `interrupted: the metrics cover what was stored so far; rerun the same command (or --resume ${r.run}) to continue.`);
  if (gates.length) {
    lines.push('', 'gates:');
    for (const g of gates) lines.push(`  ${g.breached ? 'BREACHED' : 'ok      '} ${g.gate} for ${g.model}: ${g.reason}`);
  }
  return lines.join('\n');
}

export function formatComparison(c: CompareResult): string {
  const lines: string[] = [];
  const width = Math.max(7, ...c.ranking.map((r) => r.label.length + 2));
  for (const w of c.warnings ?? []) lines.push(`WARNING: not like for like: ${w}`);
  lines.push(`models of ${c.runs.join(', ')} ranked by EVR (lower is better), τ = ${c.tau}, [95% CI over prompts: ${[...new Set(c.ranking.map((r) => r.metrics.overall.ci_method.evr))].join(', ')}]`);
  lines.push(`${pad('rank', 6)}${pad('model', width)}${pad('EVR', 24)}${pad('MVP', 8)}${pad('APV', 8)}${pad('N', 6)}vs next`);
  for (const r of c.ranking) {
    const o = r.metrics.overall;
    let next = '';
    if (r.vs_next) {
      const v = r.vs_next;
      const how = v.method === 'paired-sign-flip'
        ? `paired over ${v.shared} shared prompts, Δ ${v.diff >= 0 ? '+' : ''}${v.diff.toFixed(3)} ${ci(v.ci)} ${v.ci_method}, p ${pv(v.p)}, p_holm ${pv(v.p_holm)}`
        : `CIs ${v.significant ? 'do not overlap' : 'overlap'}, Δ ${v.diff >= 0 ? '+' : ''}${v.diff.toFixed(3)}, no paired test`;
      next = `${v.significant ? '<  significant' : '≈  not significant'} (${how})`;
    }
    lines.push(`${pad(String(r.rank), 6)}${pad(r.label, width)}${pad(`${f3(o.evr)} ${ci(o.ci.evr)}`, 24)}${pad(f3(o.mvp), 8)}${pad(f3(o.apv), 8)}${pad(String(o.n), 6)}${next}`);
    lines.push(...correctedLines(r).map((l) => `${pad('', 6)}${l.trimStart()}`));
  }
  lines.push(`paired: Δ = EVR difference over the shared prompts with Newcombe's interval; p: exact paired sign-flip test; p_holm: Holm-corrected over all ${c.correction.family} paired comparison${c.correction.family === 1 ? '' : 's'} (every pair in --json); significant when p_holm < ${c.correction.alpha}`);
  const lb = c.leaderboard;
  if (lb) {
    const fw = 10;
    lines.push('', `Beside the Value Compass leaderboard: ${lb.metric}`);
    lines.push(`caveat: ${lb.caveat} Our EVR uses tenet's prompts, continuation instruction, judge, K and τ = ${c.tau}; differences between the two columns are as much about method as about the model.`);
    lines.push(`source: ${lb.source}`);
    lines.push('');
    const lw = Math.max(width, ...lb.table.map((t) => t.model.length + 4));
    lines.push(`${pad('', lw)}${lb.foundations.map((f) => pad(f, fw)).join('')}mean`);
    for (const row of lb.rows) {
      lines.push(`${pad(`► ${row.label}`, lw)}${lb.foundations.map((f) => pad(f3(row.foundations[f]?.ours), fw)).join('')}${f3(row.mean.ours)}   tenet${row.place !== null ? `; would place ${row.place} of ${lb.table.length + (row.matched ? 0 : 1)} on the leaderboard` : ''}`);
      if (row.matched) lines.push(`${pad(`  ${row.matched}`, lw)}${lb.foundations.map((f) => pad(f3(row.foundations[f]?.leaderboard), fw)).join('')}${f3(row.mean.leaderboard)}   Value Compass`);
      else lines.push(`  (no leaderboard model matches ${row.label}; name one with --leaderboard-name ${row.label.split('@')[0]}=NAME)`);
    }
    lines.push('', 'the leaderboard, least violating first:');
    for (const t of lb.table) lines.push(`${pad(`  ${t.model}`, lw)}${lb.foundations.map((f) => pad(f3(t.scores[f]), fw)).join('')}${f3(t.mean)}`);
  }
  return lines.join('\n');
}
