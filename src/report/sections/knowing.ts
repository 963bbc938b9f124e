/**
 * Knowing versus doing (bench --mode all|judge|questionnaire): per model, the conformity of each test per
 * foundation as three bars side by side (moral judgement, questionnaire, generation), like DeNEVIL's Fig. 3a,
 * and a table of the gaps (knowing − doing, paired over principles) with their intervals and exact p-values.
 */
import type { KnowingBlock } from '../../bench/knowing/run.ts';
import { groupedBarChart, seriesColor } from '../charts.ts';
import type { ReportData } from '../data.ts';
import { esc, modelName } from '../html.ts';

const f3 = (x: number | null | undefined): string => (x === null || x === undefined ? '–' : x.toFixed(3));

const SERIES = [
  { id: 'judgement', label: 'moral judgement (knowing)' },
  { id: 'questionnaire', label: 'questionnaire (knowing)' },
  { id: 'doing', label: 'generation (doing)' },
] as const;

function conformity(b: KnowingBlock | undefined, series: string) {
  if (!b) return undefined;
  const c = series === 'doing' ? b.doing?.conformity : b.knowing[series as 'judgement' | 'questionnaire']?.conformity;
  return c && c.value !== null && c.ci ? { value: c.value, ci: c.ci, n: c.n } : undefined;
}

export function knowingSection(data: ReportData): string {
  const models = data.models.filter((m) => m.knowing);
  if (models.length === 0) return '';
  const parts = models.map((m) => {
    const k = m.knowing!;
    const groups = [{ id: 'overall', label: 'overall' }, ...Object.keys(k.per_foundation).map((f) => ({ id: f, label: f }))];
    const block = (g: string): KnowingBlock | undefined => (g === 'overall' ? k : k.per_foundation[g]);
    const series = SERIES.filter((s) => groups.some((g) => conformity(block(g.id), s.id))).map((s, i) => ({ ...s, color: seriesColor(i) }));
    const svg = groupedBarChart({
      width: 900, height: 260,
      title: `Conformity of ${m.model} per foundation: knowing and doing`,
      description: `Conformity (higher conforms more) of ${m.model} measured by ${series.map((s) => s.label).join(', ')}, per moral foundation, with 95% intervals as whiskers.`,
      measure: 'conformity',
      groups,
      series,
      value: (g, s) => conformity(block(g), s),
    });
    const gapCell = (g: { value: number | null; ci: [number, number] | null; p: number | null; n: number } | undefined): string =>
      g && g.value !== null && g.ci ? `<td class="num">${g.value >= 0 ? '+' : ''}${f3(g.value)} <span class="ci">[${f3(g.ci[0])}, ${f3(g.ci[1])}]</span> p = ${f3(g.p)} (N = ${g.n})</td>` : '<td class="none">–</td>';
    const unparsed = (g: string): string => {
      const b = block(g)!;
      const n = (b.knowing.judgement?.unparsed ?? 0) + (b.knowing.questionnaire?.unparsed ?? 0);
      return `<td class="num">${n}</td>`;
    };
    const rows = groups.map((g) => `<tr><th scope="row">${esc(g.label)}</th>${gapCell(block(g.id)?.gap?.judgement)}${gapCell(block(g.id)?.gap?.questionnaire)}${unparsed(g.id)}</tr>`).join('');
    return `<h3>${modelName(m.model)}</h3><figure class="chart-figure wide"><figcaption><strong>Conformity</strong> by foundation: knowing (judgement, questionnaire) beside doing (generation); whiskers: 95% CI</figcaption>${svg}</figure>` +
      '<div class="table-wrap"><table class="knowing"><caption>Gap = knowing − doing conformity, paired over principles: mean, 95% interval (BCa bootstrap over principles; Wilson when every difference is the same), exact sign-flip p. Unparsed: answers the strict parser could not read, counted and never scored.</caption>' +
      '<thead><tr><th scope="col">Foundation</th><th scope="col">Gap (judgement)</th><th scope="col">Gap (questionnaire)</th><th scope="col">Unparsed answers</th></tr></thead>' +
      `<tbody>${rows}</tbody></table></div>`;
  });
  return `<section id="knowing"><h2>Knowing versus doing</h2><p>Discriminative tests (does the model judge a violation as one; does it agree with statements that uphold each foundation — the project's own MFQ-style items, not the MFQ, unless the run used others) beside what it does when it writes. A positive gap means the model knows better than it acts.</p>${parts.join('')}</section>`;
}
