/**
 * The report of a VILMO run: the arms side by side (EVR, MVP, APV, conformity with N and 95% CIs), bars with
 * CIs per foundation, the paired comparisons of `vilmo` against every other arm (the declared primary metric's
 * Holm family, the other metrics secondary), the training curve, the quality
 * cost, and example test prompts with each arm's instruction and continuation (before: `none`; after: the others).
 */
import { VILMO_METHODS, type VilmoMethod } from '../align/vilmo/config.ts';
import { armTexts } from '../align/vilmo/quality.ts';
import type { VilmoResults } from '../align/vilmo/results.ts';
import { storedSplit, type StoredRun } from '../align/vilmo/stored.ts';
import { notAvailable } from '../runtime/optional-scoring.ts';
import type { PromptTask } from '../runtime/sample-stage.ts';
import { getMoralFoundation, type MftFoundationId } from '../values/mft.ts';
import { groupedBarChart, seriesColor } from './charts.ts';
import type { ReportData } from './data.ts';
import { esc, truncate } from './html.ts';

export interface VilmoExample {
  prompt: string;
  foundation?: string;
  arms: { method: VilmoMethod; instruction: string; continuation: string; violation: number | null }[];
}

export interface VilmoReport {
  results: VilmoResults;
  examples: VilmoExample[];
}

/**
 * Up to `count` test prompts to show: first those where `vilmo` (else the best other arm) changed the
 * first continuation's verdict from violating to not, then the rest, in prompt-id order.
 */
export function vilmoExamples(stored: StoredRun, results: VilmoResults, count = 4): VilmoExample[] {
  const methods = VILMO_METHODS.filter((m) => results.methods[m]);
  const texts = armTexts(stored, methods);
  const test = storedSplit(stored).test;
  const examples: (VilmoExample & { changed: boolean })[] = test.map((p: PromptTask) => {
    const arms = methods.flatMap((m) => {
      const e = texts.get(m)?.get(p.id);
      const first = e?.samples[0];
      if (!e || !first) return [];
      return [{ method: m, instruction: m === 'self-critique' ? '(critique, then revise)' : e.task.instruction ?? '', continuation: first.text, violation: first.violation }];
    });
    const none = arms.find((a) => a.method === 'none');
    const after = arms.find((a) => a.method === 'vilmo');
    const changed = Boolean(none && after && (none.violation ?? 0) > results.tau && (after.violation ?? 1) <= results.tau);
    return { prompt: p.prompt, ...(p.foundation ? { foundation: p.foundation } : {}), arms, changed };
  });
  return [...examples.filter((e) => e.changed), ...examples.filter((e) => !e.changed)].slice(0, count).map(({ changed: _c, ...e }) => e);
}

const f3 = (x: number | null | undefined): string => (x === null || x === undefined || Number.isNaN(x) ? '—' : x.toFixed(3));
const ci = (c: readonly (number | null)[] | undefined): string => (c ? ` <span class="ci">[${esc(f3(c[0]))}, ${esc(f3(c[1]))}]</span>` : '');
const pv = (p: number): string => (p < 0.0001 ? '&lt;0.0001' : esc(p.toFixed(4)));

function foundationLabel(id: string): string {
  try {
    return getMoralFoundation(id as MftFoundationId).name;
  } catch {
    return id;
  }
}

export function vilmoSection(data: ReportData): string {
  const v = data.vilmo;
  if (!v) return '';
  const r = v.results;
  const methods = VILMO_METHODS.filter((m) => r.methods[m]);
  const armRows = methods.map((m) => {
    const a = r.methods[m]!;
    return `<tr><th scope="row">${esc(m)}</th><td class="num">${esc(a.n)}</td><td>${esc(f3(a.evr))}${ci(a.ci.evr)}</td><td>${esc(f3(a.mvp))}${ci(a.ci.mvp)}</td><td>${esc(f3(a.apv))}${ci(a.ci.apv)}</td><td>${esc(f3(a.conformity.mean))}${ci(a.conformity.ci)}</td></tr>`;
  }).join('');
  const foundations = [...new Set(methods.flatMap((m) => Object.keys(r.methods[m]!.per_foundation)))];
  const groups = [{ id: 'overall', label: 'all' }, ...foundations.map((f) => ({ id: f, label: foundationLabel(f) }))];
  const bars = (metric: 'apv' | 'evr') => groupedBarChart({
    title: `${metric.toUpperCase()} per foundation and arm`,
    description: `${metric.toUpperCase()} (lower is better) of each arm on the test prompts, overall and per foundation, with 95% CIs over prompts (EVR: Wilson; MVP, APV: BCa bootstrap).`,
    measure: metric.toUpperCase(),
    groups,
    series: methods.map((m, i) => ({ id: m, label: m, color: seriesColor(i) })),
    value: (g, s) => {
      const a = r.methods[s as VilmoMethod];
      const set = g === 'overall' ? a : a?.per_foundation[g];
      return set ? { value: set[metric], ci: set.ci[metric], n: set.n } : undefined;
    },
  });
  const legend = methods.map((m, i) => `<li><span class="swatch" style="background:${esc(seriesColor(i))}"></span>${esc(m)}</li>`).join('');
  const pairedRows = r.paired.map((p) => `<tr${p.significant ? ' class="significant"' : ''}><th scope="row">${esc(p.b)} − ${esc(p.a)}</th><td>${esc(p.metric.toUpperCase())}</td><td>${esc(p.role)}</td><td>${esc(p.difference === null ? '—' : (p.difference >= 0 ? '+' : '') + p.difference.toFixed(3))}${ci(p.ci)}</td><td class="num">${esc(p.n)}</td><td class="num">${pv(p.p)}</td><td class="num">${pv(p.p_holm)}</td><td>${p.significant ? 'yes' : 'no'}</td></tr>`).join('');
  const curve = r.training?.curve.map((p) => `<tr><th scope="row">${esc(p.round)}${p.round === r.training!.selected_round ? ' (selected)' : ''}</th><td class="num">${esc(p.examples)}</td><td>${esc(f3(p.conformity.mean))}${ci(p.conformity.ci)}</td><td class="num">${esc(p.conformity.n)}</td><td>${p.train_best ? `${esc(f3(p.train_best.mean))}${ci(p.train_best.ci)}` : '—'}</td><td>${esc(f3(p.train_mean?.mean))}</td></tr>`).join('') ?? '';
  const q = r.quality;
  const qualityRows = methods.map((m) => {
    const a = q.arms[m];
    if (!a) return '';
    return `<tr><th scope="row">${esc(m)}</th><td>${esc(f3(a.self_bleu.mean))}${ci(a.self_bleu.ci)}</td>${q.reference ? `<td>${a.perplexity ? `${esc(f3(a.perplexity.value))}${ci(a.perplexity.ci)}` : '—'}</td><td>${esc(f3(a.perplexity?.median))}</td>` : ''}${q.rater ? `<td>${a.rating ? `${esc(f3(a.rating.mean))}${ci(a.rating.ci)}` : '—'}</td>` : ''}</tr>`;
  }).join('');
  const qualityDiff = q.paired.map((d) => `<tr><th scope="row">${esc(d.b)} − ${esc(d.a)}</th><td>${esc(d.metric)}</td><td>${esc(d.difference === null ? '—' : (d.difference >= 0 ? '+' : '') + d.difference.toFixed(3))}${ci(d.ci)}</td><td class="num">${esc(d.n)}</td></tr>`).join('');
  const examples = v.examples.map((e, i) => `<details class="example"${i === 0 ? ' open' : ''}><summary><span class="model">${esc(e.foundation ? foundationLabel(e.foundation) : 'prompt')}</span> ${esc(truncate(e.prompt, 160))}</summary>` +
    `<p><strong>Prompt:</strong> ${esc(e.prompt)}</p><div class="table-wrap"><table><thead><tr><th scope="col">Arm</th><th scope="col">Instruction</th><th scope="col">First continuation</th><th scope="col" class="num">Violation</th></tr></thead><tbody>` +
    e.arms.map((a) => `<tr><th scope="row">${esc(a.method)}${a.method === 'none' ? ' (before)' : ''}</th><td>${esc(a.instruction || '—')}</td><td>${esc(truncate(a.continuation, 600))}</td><td class="num">${esc(f3(a.violation))}</td></tr>`).join('') +
    '</tbody></table></div></details>').join('');
  return (
    '<section id="vilmo"><h2>VILMO and its baselines</h2>' +
    `<p class="lede">Target ${esc(r.target)}, generator ${esc(r.generator)}, select judge (training, APE) ${esc(r.select_judge.id)}@${esc(r.select_judge.version)}, report judge (every arm on the test prompts) ${esc(r.judge.id)}@${esc(r.judge.version)}; primary metric ${esc(r.primary.toUpperCase())}, declared before the run. ${esc(r.split.train)} training, ${esc(r.split.val)} validation and ${esc(r.split.test)} test prompts (${esc(r.prompts.source)}; split by principle, so no principle is in two parts); every arm on the same test prompts, K = ${esc(r.samples)} samples each. EVR, MVP and APV are fractions, lower is better; conformity = 1 − mean violation. Brackets: 95% CIs over prompts (EVR: Wilson; MVP, APV: BCa bootstrap; paired differences: Newcombe for 0/1 outcomes, else BCa).</p>` +
    `<div class="table-wrap"><table class="summary"><thead><tr><th scope="col">Arm</th><th scope="col" class="num">N</th><th scope="col">EVR</th><th scope="col">MVP</th><th scope="col">APV</th><th scope="col">Conformity</th></tr></thead><tbody>${armRows}</tbody></table></div>` +
    `<ul class="legend">${legend}</ul><div class="charts"><figure>${bars('apv')}</figure><figure>${bars('evr')}</figure></div>` +
    `<h3>Paired comparisons</h3><p>${r.methods.vilmo ? '<code>vilmo</code> against every other arm' : 'Each arm against <code>none</code>'} on the same test prompts: the mean per-prompt difference b − a (negative: b violates less). p: two-sided ${esc(r.correction.test)} test; p (Holm): adjusted with Holm's step-down method within its family: the ${esc(r.correction.family)} comparisons on the primary metric ${esc(r.correction.primary.toUpperCase())} (declared before the run; the claim rests on these), and separately the ${esc(r.correction.secondary_family)} secondary ones; significant when p (Holm) &lt; ${esc(r.correction.alpha)}.</p>` +
    (r.warnings ?? []).map((w) => `<p class="warning">${esc(w)}</p>`).join('') +
    `<div class="table-wrap"><table><thead><tr><th scope="col">Comparison</th><th scope="col">Metric</th><th scope="col">Role</th><th scope="col">Difference</th><th scope="col" class="num">N</th><th scope="col" class="num">p</th><th scope="col" class="num">p (Holm)</th><th scope="col">Significant</th></tr></thead><tbody>${pairedRows}</tbody></table></div>` +
    (curve ? `<h3>Training</h3><p>Conformity of each round's meta-prompt on the validation prompts; the round with the highest is used for the test prompts. Training columns: the best of M = ${esc(r.candidates)} candidates per training prompt, and all candidates' mean.</p><div class="table-wrap"><table><thead><tr><th scope="col">Round</th><th scope="col" class="num">Examples</th><th scope="col">Validation conformity</th><th scope="col" class="num">N</th><th scope="col">Training: best candidate</th><th scope="col">Training: all candidates</th></tr></thead><tbody>${curve}</tbody></table></div>` : '') +
    (r.ape ? `<p>APE chose: <q>${esc(r.ape.chosen?.instruction ?? '—')}</q> (conformity ${esc(f3(r.ape.chosen?.conformity))} on the training prompts, best of ${esc(r.ape.candidates.length)}).</p>` : '') +
    `<h3>Quality cost</h3><p>Self-BLEU ×100 among each test prompt's K continuations (higher: less diverse)${q.reference ? (q.perplexity_unavailable ? `; perplexity under ${esc(q.reference)} ${esc(notAvailable(q.perplexity_unavailable))}` : `; perplexity of each prompt's first continuation under ${esc(q.reference)} (lower: more fluent), corpus-level (token-weighted: exp(−Σ log-prob / Σ tokens)) with the median per prompt beside it; its paired differences are on per-prompt log-perplexity`) : ''}${q.rater ? `; rating 1–10 by ${esc(q.rater)}` : ''}. Means over prompts with 95% CIs.</p>` +
    `<div class="table-wrap"><table><thead><tr><th scope="col">Arm</th><th scope="col">Self-BLEU</th>${q.reference ? '<th scope="col">Perplexity (corpus)</th><th scope="col">Perplexity (median)</th>' : ''}${q.rater ? '<th scope="col">Quality</th>' : ''}</tr></thead><tbody>${qualityRows}</tbody></table></div>` +
    (qualityDiff ? `<details class="data-table"><summary>Paired quality differences</summary><div class="table-wrap"><table><thead><tr><th scope="col">Comparison</th><th scope="col">Metric</th><th scope="col">Difference</th><th scope="col" class="num">N</th></tr></thead><tbody>${qualityDiff}</tbody></table></div></details>` : '') +
    `<h3>Examples</h3><p>Test prompts with each arm's instruction and first continuation; <code>none</code> is the continuation before alignment. Prompts where VILMO turned a violating continuation into a conforming one come first.</p>${examples}` +
    '</section>'
  );
}
