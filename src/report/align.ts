/**
 * The report section of an alignment (best-of-N) run: the reward of every arm on both judges side by side (the
 * proxy that picked, the held-out judge that reports), the best-of-n curve on both, the target and the held-out
 * value profiles on one radar, and the held-out reward distributions, with N and 95% CIs.
 */
import type { AlignResults } from '../align/bon.ts';
import { SCHWARTZ_CIRCUMPLEX_ORDER, SCHWARTZ_VALUES, SCHWARTZ_VALUE_IDS } from '../values/schwartz.ts';
import { groupedBarChart, niceExtent, radarChart, seriesColor, valueLineChart } from './charts.ts';
import type { AlignReport, ReportData } from './data.ts';
import { esc, signed } from './html.ts';

const VALUE_NAMES = new Map(SCHWARTZ_VALUES.map((v) => [v.id as string, v.name]));
const TARGET_COLOR = '#222';

/** The report's view of an alignment run's results. */
export function alignReport(r: AlignResults): AlignReport {
  const arm = (label: string, a: AlignResults['heldout']['baseline']) => ({
    label,
    reward: a.reward,
    distance: a.distance,
    l2: a.l2,
    values: { samples: a.values.samples, mean: a.values.mean, ci: a.values.ci },
    rewards: a.rewards,
  });
  const views = ['baseline', 'first_sample', 'best_of_n'] as const;
  const labels = { baseline: `baseline (mean of ${r.n})`, first_sample: 'first sample', best_of_n: `best-of-${r.n}` };
  return {
    method: r.method,
    model: r.model,
    n: r.n,
    target: { id: r.target.id, name: r.target.name, vector: r.target.vector },
    select_judge: `${r.select_judge.id}@${r.select_judge.version}`,
    judge: `${r.judge.id}@${r.judge.version}`,
    reward: r.reward.kind === 'masked' ? `masked (BaseAlign; |E| > ${r.reward.mask.select.threshold} for the select judge, > ${r.reward.mask.report.threshold} for the report judge)` : `−${r.reward.kind} over the target's values (unmasked)`,
    rows: [
      ...views.map((v) => ({ label: labels[v], proxy: r.proxy[v].reward, heldout: r.heldout[v].reward })),
      { label: 'difference (best − baseline, paired)', proxy: r.proxy.difference.reward, heldout: r.heldout.difference.reward },
    ],
    arms: [arm(labels.baseline, r.heldout.baseline), arm(labels.best_of_n, r.heldout.best_of_n)],
    difference: { reward: r.heldout.difference.reward, distance: r.heldout.difference.distance, l2: r.heldout.difference.l2 },
    curve: r.curve.map((c) => ({ n: c.n, proxy: c.proxy, heldout: c.heldout })),
    ...(r.quality ? { quality: { rater: `${r.quality.rater} (prompt ${r.quality.version})`, first_sample: r.quality.first_sample, best_of_n: r.quality.best_of_n, difference: r.quality.difference } } : {}),
    warnings: r.warnings,
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
  const two = a.select_judge !== a.judge;
  const axes = SCHWARTZ_CIRCUMPLEX_ORDER.map((id) => ({ id, label: VALUE_NAMES.get(id) ?? id }));
  const targetAt = (id: string) => ({ mean: a.target.vector[SCHWARTZ_VALUE_IDS.indexOf(id as never)] ?? null, ci: [null, null] as [null, null] });
  const extent = niceExtent([...a.target.vector, ...a.arms.flatMap((arm) => Object.values(arm.values.mean))]);
  const radar = radarChart({
    title: `Target ${a.target.id} and the held-out value profiles`,
    description: `Target ${a.target.id} (black) against the mean profile of the baseline (all ${a.n} samples) and best-of-${a.n} responses as the report judge ${a.judge} reads them, in circumplex order, from ${signed(-extent)} at the centre to ${signed(extent)} at the rim.`,
    axes,
    extent,
    series: [
      { id: 'target', label: `target ${a.target.id}`, color: TARGET_COLOR, band: false, value: targetAt },
      ...a.arms.map((arm, i) => ({ id: arm.label, label: arm.label, color: seriesColor(i), band: false, value: (id: string) => ({ mean: arm.values.mean[id as never] ?? null, ci: arm.values.ci[id as never] ?? [null, null], n: arm.values.samples }) })),
    ],
  });
  const curve = valueLineChart({
    title: 'Best-of-n: the proxy against the held-out judge',
    description: `Expected reward of the select judge's pick among n of the ${a.n} samples of each prompt (exact, from the same samples), as the select judge (proxy, ${a.select_judge}) and the report judge (held out, ${a.judge}) score it. The proxy rises by construction; a held-out line that flattens or falls is over-optimisation.`,
    xLabel: 'n (samples the pick is made from)',
    yLabel: 'mean reward',
    log2: true,
    series: [
      { id: 'proxy', label: `proxy (${a.select_judge})`, color: seriesColor(0), dashed: true, points: a.curve.map((c) => ({ x: c.n, y: c.proxy.mean, ci: c.proxy.ci, n: c.proxy.n })) },
      ...(two ? [{ id: 'heldout', label: `held out (${a.judge})`, color: seriesColor(1), points: a.curve.map((c) => ({ x: c.n, y: c.heldout.mean, ci: c.heldout.ci, n: c.heldout.n })) }] : []),
    ],
  });
  const { groups, shares } = histogram(a.arms.map((arm) => arm.rewards));
  const bars = groupedBarChart({
    title: 'Held-out reward distribution of both arms',
    description: `Share of prompts whose reward (report judge) fell in each range, for the baseline (mean over the ${a.n} samples) and best-of-${a.n}.`,
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
  const rows = a.rows.map((row) => `<tr><th scope="row">${esc(row.label)}</th><td>${estimate(row.proxy)}</td><td>${two ? estimate(row.heldout) : '(same judge)'}</td><td class="num">${esc(row.heldout.n)}</td></tr>`).join('');
  const curveRows = a.curve.map((c) => `<tr><th scope="row">${esc(c.n)}</th><td>${estimate(c.proxy)}</td><td>${two ? estimate(c.heldout) : '(same judge)'}</td><td class="num">${esc(c.heldout.n)}</td></tr>`).join('');
  const armRows = a.arms.map((arm) => `<tr><th scope="row">${esc(arm.label)}</th><td>${estimate(arm.distance)}</td><td>${estimate(arm.l2)}</td></tr>`).join('') +
    `<tr><th scope="row">difference (paired)</th><td>${estimate(a.difference.distance)}</td><td>${estimate(a.difference.l2)}</td></tr>`;
  const valueRows = axes.map((ax) => `<tr><th scope="row">${esc(ax.label)}</th><td>${esc(signed(targetAt(ax.id).mean))}</td>${a.arms.map((arm) => {
    const ci = arm.values.ci[ax.id as never] as [number | null, number | null] | undefined;
    return `<td>${esc(signed(arm.values.mean[ax.id as never]))}${ci && ci[0] !== null && ci[1] !== null ? ` <span class="ci">[${esc(signed(ci[0]))}, ${esc(signed(ci[1]))}]</span>` : ''}</td>`;
  }).join('')}</tr>`).join('');
  const quality = a.quality
    ? `<p>Quality (1–10, ${esc(a.quality.rater)}): first sample ${estimate(a.quality.first_sample, 2)}, best-of-${esc(a.n)} ${estimate(a.quality.best_of_n, 2)}, difference ${estimate(a.quality.difference, 2)}; a negative difference is the alignment tax.</p>`
    : '';
  return (
    '<section id="align"><h2>Best-of-N</h2>' +
    (a.warnings.length ? `<div class="caveats">${a.warnings.map((w) => `<p class="caveat">${esc(w)}</p>`).join('')}</div>` : '') +
    `<p class="lede">${esc(a.model)} answered each prompt ${esc(a.n)} times. The select judge ${esc(a.select_judge)} (the proxy) picked the sample with the highest reward against target ${esc(a.target.id)} (${esc(a.target.name)}); the report judge ${esc(a.judge)} scored the same samples held out. Baseline = the expected reward of a random one of the ${esc(a.n)} samples (their mean); the first sample is one call's reward. The proxy difference is ≥ 0 by construction: only the held-out one is evidence. Reward: ${esc(a.reward)}, 0 is best. Brackets: 95% bootstrap CIs over prompts; differences are paired on the same prompts.</p>` +
    '<div class="table-wrap"><table class="summary"><thead><tr><th scope="col">Arm (mean reward)</th><th scope="col">Proxy (select judge)</th><th scope="col">Held out (report judge)</th><th scope="col" class="num">N</th></tr></thead>' +
    `<tbody>${rows}</tbody></table></div>` +
    `<figure>${curve}</figure>` +
    '<details class="data-table"><summary>The numbers behind the curve</summary><div class="table-wrap"><table><thead><tr><th scope="col">n</th><th scope="col">Proxy</th><th scope="col">Held out</th><th scope="col" class="num">N</th></tr></thead>' +
    `<tbody>${curveRows}</tbody></table></div></details>` +
    quality +
    '<div class="table-wrap"><table class="summary"><thead><tr><th scope="col">Held out</th><th scope="col">Mean distance</th><th scope="col"><abbr title="L2 over the target\'s values, without the mask (FULCRA e_distance)">Mean L2</abbr></th></tr></thead>' +
    `<tbody>${armRows}</tbody></table></div>` +
    `<ul class="legend">${legend}</ul><div class="charts"><figure class="radar-figure">${radar}</figure><figure>${bars}</figure></div>` +
    '<details class="data-table"><summary>The numbers behind the radar</summary><div class="table-wrap"><table><thead><tr><th scope="col">Value</th><th scope="col">Target</th>' +
    `${a.arms.map((arm) => `<th scope="col">${esc(arm.label)}</th>`).join('')}</tr></thead><tbody>${valueRows}</tbody></table></div></details>` +
    '</section>'
  );
}
