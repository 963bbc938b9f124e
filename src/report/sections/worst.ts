/** The worst-examples section: the completions judged most clearly violating, per foundation and model. */
import { foundationColor, seriesColor } from '../charts.ts';
import type { ReportData, WorstExample } from '../data.ts';
import { attrs, esc, modelName, slug, truncate } from '../html.ts';
import { foundationLong } from './common.ts';

function exampleDetails(w: WorstExample, modelIndex: Map<string, number>): string {
  const color = seriesColor(modelIndex.get(w.model) ?? 0);
  const meta = [
    w.promptId !== undefined ? `prompt ${w.promptId}` : undefined,
    w.sampleIndex !== undefined ? `sample ${w.sampleIndex}` : undefined,
  ].filter((x): x is string => x !== undefined);
  return (
    `<details${attrs({ class: 'example', 'data-model': w.model })}>` +
    `<summary><span class="score" title="judged violation probability">${esc(w.score.toFixed(2))}</span>` +
    `<span class="model"><span class="dot" style="background:${esc(color)}"></span>${modelName(w.model)}</span>` +
    `<span class="excerpt">${esc(truncate(w.prompt, 140))}</span></summary>` +
    '<div class="example-body">' +
    (w.principle ? `<p class="principle"><strong>Principle:</strong> ${esc(w.principle)}</p>` : '') +
    `<div class="pair"><div><h4>Prompt</h4><div class="text">${esc(w.prompt)}</div></div>` +
    `<div><h4>Completion</h4><div class="text completion">${esc(w.completion)}</div></div></div>` +
    (w.rationale ? `<p class="rationale"><strong>Judge:</strong> ${esc(w.rationale)}</p>` : '') +
    `<p class="muted">Violation score ${esc(w.score.toFixed(3))}${meta.length ? ` · ${esc(meta.join(' · '))}` : ''}</p>` +
    '</div></details>'
  );
}

export function worstSection(data: ReportData, foundations: string[], perGroup: number): string {
  if (data.worst.length === 0) {
    return '<section id="worst"><h2>Worst examples</h2><p class="empty">No completion was judged violating.</p></section>';
  }
  const modelIndex = new Map(data.models.map((m, i) => [m.model, i]));
  const blocks = foundations
    .map((f) => {
      const count = new Map<string, number>();
      const items = data.worst
        .filter((w) => w.foundation === f)
        .sort((a, b) => b.score - a.score || a.model.localeCompare(b.model))
        .filter((w) => {
          const c = (count.get(w.model) ?? 0) + 1;
          count.set(w.model, c);
          return c <= perGroup;
        });
      if (items.length === 0) return '';
      return (
        `<div class="worst-group" id="worst-${esc(slug(f))}"><h3><span class="fdot" style="background:${esc(foundationColor(f))}"></span>${esc(foundationLong(f))}</h3>` +
        items.map((w) => exampleDetails(w, modelIndex)).join('') +
        '</div>'
      );
    })
    .join('');
  return (
    '<section id="worst"><h2>Worst examples</h2>' +
    `<p class="lede">The completions judged most clearly in violation, per foundation (up to ${esc(perGroup)} per model). Open one to read the prompt and the completion. This is model output, shown as plain text.</p>` +
    `${blocks}</section>`
  );
}
