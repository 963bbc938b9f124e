/**
 * The report section of an alignment (best-of-N) run: the target and both arms' value profiles on one radar,
 * the reward distribution of both arms, and the summary numbers with N and 95% CIs.
 */
import type { AlignResults } from '../align/bon.ts';
import { SCHWARTZ_CIRCUMPLEX_ORDER, SCHWARTZ_VALUES, SCHWARTZ_VALUE_IDS } from '../values/schwartz.ts';
import { groupedBarChart, niceExtent, radarChart, seriesColor } from './charts.ts';
import type { AlignReport, ReportData } from './data.ts';
import { esc, signed } from './html.ts';

const VALUE_NAMES = new Map(SCHWARTZ_VALUES.map((v) => [v.id as string, v.name]));
const TARGET_COLOR = '#222';

/** The report's view of an alignment run's results. */
export function alignReport(r: AlignResults): AlignReport {
  const arm = (label: string, a: AlignResults['baseline']) => ({
    label,
    reward: a.reward,
    distance: a.distance,
    l2: a.l2,
    ...(a.quality ? { quality: a.quality } : {}),
    values: { samples: a.values.samples, mean: a.values.mean, ci: a.values.ci },
    rewards: a.rewards,
  });
  return {
    method: r.method,
    model: r.model,
    n: r.n,
    target: { id: r.target.id, name: r.target.name, vector: r.target.vector },
    judge: `${r.judge.id}@${r.judge.version}`,
    arms: [arm('baseline (N = 1)', r.baseline), arm(`best-of-${r.n}`, r.best_of_n)],
    difference: r.difference,
    ...(r.quality ? { quality: `${r.quality.rater} (prompt ${r.quality.version})` } : {}),
  };
}

function estimate(e: { mean: number | null; ci: readonly [number | null, number | null] } | undefined, digits = 3): string {
  if (!e || e.mean === null) return 'n/a';
  const ci = e.ci[0] !== null && e.ci[1] !== null ? ` <span class="ci">[${esc(e.ci[0].toFixed(digits))}, ${esc(e.ci[1].toFixed(digits))}]</span>` : '';
  return `${esc(e.mean.toFixed(digits))}${ci}`;
}

/** Equal-width bins over the rewards (rewards are ≤ 0; the last bin holds the maximum). */
function histogram(arms: readonly number[][], bins = 8): { groups: { id: string; label: string }[]; shares: number[][] } {
  const all = arms.flat();
  const lo = Math.min(...all, 0);
  const hi = Math.max(...all, 0);
  const width = hi - lo > 1e-12 ? (hi - lo) / bins : 1;
  const groups = Array.from({ length: bins }, (_, b) => ({ id: `b${b}`, label: `${(lo + b * width).toFixed(2)}…${(lo + (b + 1) * width).toFixed(2)}` }));
  const shares = arms.map((xs) => {
    const counts = Array<number>(bins).fill(0);
    for (const x of xs) counts[Math.min(bins - 1, Math.floor((x - lo) / width))]!++;
    return counts.map((c) => (xs.length ? c / xs.length : 0));
  });
  return { groups, shares };
}

/** The best-of-N section (empty string for other runs). */
export function alignSection(data: ReportData): string {
  const a = data.align;
  if (!a) return '';
  const axes = SCHWARTZ_CIRCUMPLEX_ORDER.map((id) => ({ id, label: VALUE_NAMES.get(id) ?? id }));
  const targetAt = (id: string) => ({ mean: a.target.vector[SCHWARTZ_VALUE_IDS.indexOf(id as never)] ?? null, ci: [null, null] as [null, null] });
  const extent = niceExtent([...a.target.vector, ...a.arms.flatMap((arm) => Object.values(arm.values.mean))]);
  const radar = radarChart({
    title: `Target ${a.target.id} and the value profiles of both arms`,
    description: `Target ${a.target.id} (black) against the mean judged profile of the baseline and best-of-${a.n} responses, in circumplex order, from ${signed(-extent)} at the centre to ${signed(extent)} at the rim.`,
    axes,
    extent,
    series: [
      { id: 'target', label: `target ${a.target.id}`, color: TARGET_COLOR, band: false, value: targetAt },
      ...a.arms.map((arm, i) => ({ id: arm.label, label: arm.label, color: seriesColor(i), band: false, value: (id: string) => ({ mean: arm.values.mean[id as never] ?? null, ci: arm.values.ci[id as never] ?? [null, null], n: arm.values.samples }) })),
    ],
  });
  const { groups, shares } = histogram(a.arms.map((arm) => arm.rewards));
  const bars = groupedBarChart({
    title: 'Reward distribution of both arms',
    description: `Share of prompts whose chosen response had a BaseAlign reward in each range, for the baseline and best-of-${a.n}.`,
    measure: 'share of prompts',
    groups,
    series: a.arms.map((arm, i) => ({ id: arm.label, label: arm.label, color: seriesColor(i) })),
    value: (g, s) => {
      const i = a.arms.findIndex((arm) => arm.label === s);
      const b = groups.findIndex((x) => x.id === g);
      return { value: shares[i]![b]!, ci: [null, null], n: a.arms[i]!.rewards.length };
    },
  });
  const legend = [{ label: `target ${a.target.id}`, color: TARGET_COLOR }, ...a.arms.map((arm, i) => ({ label: arm.label, color: seriesColor(i) }))]
    .map((l) => `<li><span class="swatch" style="background:${esc(l.color)}"></span>${esc(l.label)}</li>`).join('');
  const rows = a.arms.map((arm) => `<tr><th scope="row">${esc(arm.label)}</th><td>${estimate(arm.reward)}</td><td>${estimate(arm.distance)}</td><td>${estimate(arm.l2)}</td>${a.quality ? `<td>${estimate(arm.quality, 2)}</td>` : ''}<td class="num">${esc(arm.reward.n)}</td></tr>`).join('') +
    `<tr><th scope="row">difference (paired)</th><td>${estimate(a.difference.reward)}</td><td>${estimate(a.difference.distance)}</td><td>${estimate(a.difference.l2)}</td>${a.quality ? `<td>${estimate(a.difference.quality, 2)}</td>` : ''}<td class="num">${esc(a.difference.reward.n)}</td></tr>`;
  const valueRows = axes.map((ax) => `<tr><th scope="row">${esc(ax.label)}</th><td>${esc(signed(targetAt(ax.id).mean))}</td>${a.arms.map((arm) => {
    const ci = arm.values.ci[ax.id as never] as [number | null, number | null] | undefined;
    return `<td>${esc(signed(arm.values.mean[ax.id as never]))}${ci && ci[0] !== null && ci[1] !== null ? ` <span class="ci">[${esc(signed(ci[0]))}, ${esc(signed(ci[1]))}]</span>` : ''}</td>`;
  }).join('')}</tr>`).join('');
  return (
    '<section id="align"><h2>Best-of-N</h2>' +
    `<p class="lede">${esc(a.model)} answered each prompt ${esc(a.n)} times; the baseline is the first sample, best-of-${esc(a.n)} the sample with the highest BaseAlign reward against target ${esc(a.target.id)} (${esc(a.target.name)}), judged by ${esc(a.judge)}. Reward = −distance (0 is best). Brackets: 95% bootstrap CIs over prompts; the difference is paired on the same prompts.</p>` +
    '<div class="table-wrap"><table class="summary"><thead><tr><th scope="col">Arm</th><th scope="col">Mean reward</th><th scope="col">Mean distance</th><th scope="col"><abbr title="L2 over the target\'s values, without the |E| > 0.3 mask (FULCRA e_distance)">Mean L2</abbr></th>' +
    `${a.quality ? '<th scope="col">Quality (1–10)</th>' : ''}<th scope="col" class="num">N</th></tr></thead><tbody>${rows}</tbody></table></div>` +
    (a.quality ? `<p>Quality rated by ${esc(a.quality)}; a negative quality difference is the alignment tax.</p>` : '') +
    `<ul class="legend">${legend}</ul><div class="charts"><figure class="radar-figure">${radar}</figure><figure>${bars}</figure></div>` +
    '<details class="data-table"><summary>The numbers behind the radar</summary><div class="table-wrap"><table><thead><tr><th scope="col">Value</th><th scope="col">Target</th>' +
    `${a.arms.map((arm) => `<th scope="col">${esc(arm.label)}</th>`).join('')}</tr></thead><tbody>${valueRows}</tbody></table></div></details>` +
    '</section>'
  );
}
