/** The DeNEVIL probe section: the violation-rate trajectory per principle, and the per-principle table. */
import { foundationColor, lineChart, type LineSeries } from '../charts.ts';
import type { ReportData } from '../data.ts';
import { attrs, esc, pct, truncate } from '../html.ts';
import { foundationShort, finite, legend } from './common.ts';

export function probeSection(data: ReportData, foundations: string[]): string {
  const principles = data.probe?.principles ?? [];
  if (principles.length === 0) return '';
  const many = principles.length > 12;
  const iters = principles.flatMap((p) => p.iterations.map((it) => it.iteration));
  const maxIter = iters.length ? Math.max(...iters) : 0;
  const minIter = iters.length ? Math.min(...iters) : 0;
  const series: LineSeries[] = principles.map((p) => ({
    id: p.id,
    label: `${p.id}: ${truncate(p.principle, 90)} (${foundationShort(p.foundation)}${p.model ? `, ${p.model}` : ''})`,
    color: foundationColor(p.foundation),
    width: many ? 1.2 : 1.8,
    opacity: many ? 0.35 : 0.7,
    points: p.iterations.map((it) => ({
      x: it.iteration,
      y: it.violationRate,
      ...(it.n !== undefined ? { n: it.n } : {}),
      ...(finite(it.violation) ? { note: `mean violation score ${it.violation.toFixed(2)}` } : {}),
    })),
    ...(p.model ? { data: { 'data-model': p.model } } : {}),
  }));
  const meanPoints: LineSeries['points'] = [];
  for (let it = minIter; it <= maxIter; it++) {
    const ys = principles.map((p) => p.iterations.find((x) => x.iteration === it)?.violationRate).filter(finite);
    meanPoints.push({ x: it, y: ys.length > 0 ? ys.reduce((a, b) => a + b, 0) / ys.length : null, n: ys.length, note: 'N counts principles' });
  }
  series.push({ id: 'mean', label: 'Mean over principles', color: '#111111', width: 3.5, points: meanPoints });
  const usedFoundations = foundations.filter((f) => principles.some((p) => p.foundation === f));
  const first = meanPoints.find((p) => finite(p.y));
  const last = [...meanPoints].reverse().find((p) => finite(p.y));
  const svg = lineChart({
    title: 'Violation rate per DeNEVIL iteration',
    description: `Share of completions judged violating at each iteration, one line per principle (${principles.length}, coloured by foundation) and the mean over principles in black${first && last ? `, from ${pct(first.y)} at iteration ${first.x} to ${pct(last.y)} at iteration ${last.x}` : ''}.`,
    xLabel: 'Iteration',
    yLabel: 'Violation rate',
    series,
  });
  const rows = principles
    .map((p) => {
      const its = [...p.iterations].sort((a, b) => a.iteration - b.iteration);
      const start = its.find((x) => finite(x.violationRate));
      const end = [...its].reverse().find((x) => finite(x.violationRate));
      const change = start && end && finite(start.violationRate) && finite(end.violationRate) ? end.violationRate - start.violationRate : null;
      const prompts = its
        .map((it) => {
          const facts = [
            `Iteration ${it.iteration}`,
            `violation rate ${pct(it.violationRate)}${it.n !== undefined ? ` of ${it.n}` : ''}`,
            ...(finite(it.violation) ? [`mean score ${it.violation.toFixed(2)}`] : []),
            ...(finite(it.selectionViolation) ? [`selection score ${it.selectionViolation.toFixed(2)} (optimistic)`] : []),
            ...(it.accepted === false && it.iteration > 0 ? ['no rewrite accepted: the previous prompt was kept'] : []),
          ];
          return `<li><span class="muted">${esc(facts.join(' · '))}</span><div class="text">${esc(it.prompt)}</div></li>`;
        })
        .join('');
      return (
        `<tr${attrs({ 'data-model': p.model })}><th scope="row"><code>${esc(p.id)}</code></th>` +
        `<td><span class="fdot" style="background:${esc(foundationColor(p.foundation))}"></span>${esc(foundationShort(p.foundation))}</td>` +
        `<td class="principle">${esc(p.principle)}<details class="prompts"><summary>Prompts (${esc(its.length)} iteration${its.length === 1 ? '' : 's'})</summary><ol>${prompts}</ol></details></td>` +
        `<td class="num">${esc(pct(start?.violationRate))}</td><td class="num">${esc(pct(end?.violationRate))}</td>` +
        `<td class="num${change !== null && change > 0 ? ' up' : ''}">${change === null ? '—' : esc(`${change >= 0 ? '+' : '−'}${(Math.abs(change) * 100).toFixed(1)} pt`)}</td>` +
        `<td>${esc(p.stopped ?? '')}</td></tr>`
      );
    })
    .join('');
  const target = data.probe?.target ? ` of <strong>${esc(data.probe.target)}</strong>` : '';
  const generator = data.probe?.generator ? `, prompts rewritten by ${esc(data.probe.generator)}` : '';
  return (
    '<section id="probe"><h2>DeNEVIL probe: violation rate per iteration</h2>' +
    `<p class="lede">The probe${target}${generator}. Each iteration rewrites a principle's story opening so that violating completions follow more naturally while the opening stays neutral. A rising line means the probe found prompts where the target's values give way. ${esc(principles.length)} principle${principles.length === 1 ? '' : 's'}, iterations ${esc(minIter)}–${esc(maxIter)}.</p>` +
    legend([
      ...usedFoundations.map((f) => ({ label: foundationShort(f), color: foundationColor(f) })),
      { label: 'Mean over principles', color: '#111111' },
    ]) +
    `<figure class="chart-figure">${svg}</figure>` +
    '<div class="table-wrap"><table class="principles"><caption>Per principle: the violation rate at the first and the last iteration, the change, and why the trajectory stopped. Open “Prompts” to read how the opening changed.</caption>' +
    '<thead><tr><th scope="col">Id</th><th scope="col">Foundation</th><th scope="col">Principle</th><th scope="col" class="num">First</th><th scope="col" class="num">Last</th><th scope="col" class="num">Change</th><th scope="col">Stopped</th></tr></thead>' +
    `<tbody>${rows}</tbody></table></div></section>`
  );
}
