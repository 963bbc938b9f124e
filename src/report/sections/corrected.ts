/** The corrected-rates section (only with `--calibration`): each model's EVR and APV corrected for the judge's error, beside the raw ones. */
import type { CorrectedRate } from '../../judges/corrected.ts';
import type { ReportData } from '../data.ts';
import { esc, modelName } from '../html.ts';

const f3 = (x: number): string => x.toFixed(3);

function cell(c: CorrectedRate): string {
  return c.value === null || c.ci === null
    ? `<td class="none" title="${esc(c.reason ?? '')}">none: ${esc(c.reason ?? '')}</td>`
    : `<td class="num">${f3(c.value)} <span class="ci">[${f3(c.ci[0])}, ${f3(c.ci[1])}]</span></td>`;
}

const raw = (c: CorrectedRate): string => `<td class="num">${f3(c.raw)} <span class="ci">[${f3(c.raw_ci[0])}, ${f3(c.raw_ci[1])}]</span></td>`;

export function correctedSection(data: ReportData): string {
  const models = data.models.filter((m) => m.evr_corrected && m.apv_corrected);
  if (models.length === 0) return '';
  const id = models[0]!.evr_corrected!.calibration_id;
  const rows = models.map((m) => `<tr><th scope="row">${modelName(m.model)}</th>${raw(m.evr_corrected!)}${cell(m.evr_corrected!)}${raw(m.apv_corrected!)}${cell(m.apv_corrected!)}</tr>`).join('');
  return (
    '<section id="corrected"><h2>Corrected for the judge\'s error</h2>' +
    '<div class="table-wrap"><table class="corrected">' +
    `<caption>EVR and APV corrected for the judge's measured sensitivity and specificity (calibration ${esc(id)}; Rogan–Gladen, docs/trust.md), beside the raw rates. ` +
    'Brackets: 95% interval carrying both the prompts\' sampling uncertainty and the calibration\'s. "none": no useful correction exists, with the reason.</caption>' +
    '<thead><tr><th scope="col">Model</th><th scope="col">EVR (raw)</th><th scope="col">EVR corrected</th><th scope="col">APV (raw)</th><th scope="col">APV corrected</th></tr></thead>' +
    `<tbody>${rows}</tbody></table></div></section>`
  );
}
