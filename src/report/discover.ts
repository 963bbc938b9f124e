/**
 * The HTML report of a discover run (`tenet report RUN` on a run of kind `discover`): the value hierarchy,
 * prevalence bars with their Wilson intervals (overall and per group), the distinguishing values, values under
 * pressure, and example quotes per value, each linking to its conversation (shown in full further down).
 * Self-contained and offline, with the report's stylesheet and CSP.
 */
import type { DiscoverResult, DiscoverTaskInput, DiscoverValue } from '../discover/run.ts';
import { CSS, REPORT_CSP } from './assets.ts';
import { esc, pct } from './html.ts';

const anchor = (prefix: string, id: string): string => `${prefix}-${id.replace(/[^A-Za-z0-9_-]/g, (c) => `_${c.charCodeAt(0).toString(16)}`)}`;

const EXTRA_CSS = `
.bar{position:relative;height:14px;background:#eef1f5;border-radius:3px;min-width:160px}
.bar .fill{position:absolute;top:0;bottom:0;left:0;background:#0072B2;border-radius:3px;opacity:.8}
.bar .ci{position:absolute;top:6px;height:2px;background:#1b1f24}
.tree ul{list-style:none;padding-left:18px;margin:2px 0}
.tree li{margin:2px 0}
.quote{margin:4px 0;padding:4px 10px;border-left:3px solid #d8dde3;color:#3b4550}
.turn{margin:6px 0;padding:6px 10px;border-radius:6px;background:#fff;border:1px solid #d8dde3;white-space:pre-wrap}
.turn.assistant{background:#f0f6ff}
section{margin:24px 0}
table.t{border-collapse:collapse;width:100%;background:#fff}
table.t td,table.t th{border-bottom:1px solid #d8dde3;padding:4px 8px;text-align:left;vertical-align:top;font-size:14px}
`;

function bar(value: number, ci: readonly [number, number]): string {
  const w = (x: number): string => `${Math.max(0, Math.min(100, x * 100)).toFixed(1)}%`;
  return `<div class="bar" role="img" aria-label="${esc(`${pct(value)} (95% CI ${pct(ci[0])} to ${pct(ci[1])})`)}"><div class="fill" style="width:${w(value)}"></div><div class="ci" style="left:${w(ci[0])};width:${w(ci[1] - ci[0])}"></div></div>`;
}

/** The report page of a discover result; `conversations` are the run's stored conversations (by id). */
export function renderDiscoverReport(result: DiscoverResult, conversations: ReadonlyMap<string, DiscoverTaskInput>, options: { title?: string; version?: string } = {}): string {
  const byName = new Map(result.values.map((v) => [v.name, v]));
  const title = options.title ?? `Values in the wild: ${result.extractor}`;
  const tree = (v: DiscoverValue): string => {
    const kids = v.children.map((c) => byName.get(c)).filter((c): c is DiscoverValue => Boolean(c));
    return `<li data-value="${esc(v.name)}" data-level="${v.level}"><a href="#${anchor('value', v.name)}">${esc(v.name)}</a> <span class="muted">${pct(v.prevalence.overall.value)}</span>${kids.length ? `<ul>${kids.map(tree).join('')}</ul>` : ''}</li>`;
  };
  const roots = result.values.filter((v) => !v.parent);
  const groups = Object.keys(result.groups);
  const linked = new Set<string>();
  const valueRows = result.values.map((v) => {
    const m = v.framework_match ? `${esc(v.framework_match.framework)}:${esc(v.framework_match.id)} (${v.framework_match.similarity.toFixed(2)})` : '—';
    const byRows = result.by ? groups.map((g) => {
      const p = v.prevalence.by[g];
      return p ? `<tr><td>${esc(result.by)} = ${esc(g)}</td><td>${pct(p.value)} [${pct(p.ci[0])}, ${pct(p.ci[1])}] of ${p.n}</td><td>${bar(p.value, p.ci)}</td></tr>` : '';
    }).join('') : '';
    const quotes = v.examples.map((e) => {
      linked.add(e.conversation);
      return `<blockquote class="quote">“${esc(e.quote)}” <span class="muted">(${esc(e.mode)}, “${esc(e.phrase)}”)</span> — <a class="conv-link" href="#${anchor('conv', e.conversation)}">${esc(e.conversation)}</a></blockquote>`;
    }).join('');
    return `<article class="value card" id="${anchor('value', v.name)}" data-value="${esc(v.name)}">
<h3>${esc(v.name)} <span class="muted">level ${v.level}${v.parent ? `, in ${esc(v.parent)}` : ''}</span></h3>
<table class="t"><tr><td>all conversations</td><td>${pct(v.prevalence.overall.value)} [${pct(v.prevalence.overall.ci[0])}, ${pct(v.prevalence.overall.ci[1])}] of ${v.prevalence.overall.n}</td><td>${bar(v.prevalence.overall.value, v.prevalence.overall.ci)}</td></tr>${byRows}</table>
<p class="muted">nearest framework value: ${m}; ${v.stated} stated, ${v.enacted} enacted; under pressure in ${v.under_pressure.n}${v.phrases.length ? `; phrases: ${v.phrases.slice(0, 12).map(esc).join(', ')}${v.phrases.length > 12 ? ', …' : ''}` : ''}</p>
${quotes}
</article>`;
  }).join('\n');
  const dist = result.by
    ? `<section id="distinguishing"><h2>Values that distinguish ${esc(result.by)} groups</h2><p class="muted">Fisher's exact test for each value and pair of groups, Holm-corrected over ${result.tests} tests; difference with Newcombe's interval. Only those significant at 0.05 are listed.</p>
<table class="t"><tr><th>value</th><th>a</th><th>b</th><th>a − b</th><th>95% CI</th><th>p (Holm)</th></tr>${result.distinguishing.map((d) => `<tr><td>${esc(d.value)}</td><td>${esc(d.a)}</td><td>${esc(d.b)}</td><td>${(d.difference * 100).toFixed(1)} pts</td><td>[${(d.ci[0] * 100).toFixed(1)}, ${(d.ci[1] * 100).toFixed(1)}]</td><td>${d.p_adj.toPrecision(2)}</td></tr>`).join('') || '<tr><td colspan="6">none</td></tr>'}</table></section>`
    : '';
  const pressure = result.values_under_pressure.length
    ? `<section id="pressure"><h2>Values under pressure</h2><p class="muted">Values the assistant kept while the user pushed against them (flagged by the extractor).</p><ul>${result.values_under_pressure.map((v) => `<li>${esc(v.value)}: ${v.n} (${pct(v.share)} of the conversations expressing it)</li>`).join('')}</ul></section>`
    : '';
  const convs = [...linked].sort().map((id) => {
    const c = conversations.get(id);
    if (!c) return '';
    return `<article class="conversation card" id="${anchor('conv', id)}"><h3>${esc(id)}</h3>${Object.keys(c.meta ?? {}).length ? `<p class="muted">${esc(JSON.stringify(c.meta))}</p>` : ''}${c.messages.map((m) => `<div class="turn ${esc(m.role)}"><b>${esc(m.role)}:</b> ${esc(m.content)}</div>`).join('')}</article>`;
  }).join('\n');
  const unparsed = result.unparsed
    ? `<section id="unparsed"><h2>Unparsed extractions (${result.unparsed})</h2><p class="muted">Their conversations are left out of every prevalence (the denominators are the parsed ones).</p><ul>${result.unparsed_examples.map((u) => `<li>${esc(u.conversation)}: ${esc(u.why)} — <code>${esc(u.reply.slice(0, 160))}</code></li>`).join('')}</ul></section>`
    : '';
  return `<!doctype html>
<html lang="en"><head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${esc(REPORT_CSP)}">
<meta name="referrer" content="no-referrer">
<meta name="generator" content="tenet${options.version ? ` ${esc(options.version)}` : ''}">
<title>${esc(title)}</title>
<style>${CSS}${EXTRA_CSS}</style>
</head><body>
<header class="top"><div class="wrap"><h1>${esc(title)}</h1><p class="sub">Discover run ${esc(result.run)} (${esc(result.status)})</p>
<dl class="facts"><div><dt>Kind</dt><dd>Values in the wild (discover)</dd></div><div><dt>Conversations</dt><dd>${result.n_conversations}</dd></div><div><dt>Unparsed</dt><dd>${result.unparsed}</dd></div><div><dt>Extractor</dt><dd>${esc(result.extractor)}</dd></div><div><dt>Encoder</dt><dd>${esc(result.encoder)}</dd></div>${result.by ? `<div><dt>By</dt><dd>${esc(result.by)}</dd></div>` : ''}</dl></div></header>
<main class="wrap">
<section id="hierarchy"><h2>Hierarchy</h2><div class="tree"><ul>${roots.map(tree).join('')}</ul></div></section>
${dist}
${pressure}
<section id="values"><h2>Values</h2><p class="muted">Share of parsed conversations in which the assistant expresses each value, with 95% Wilson intervals.</p>
${valueRows || '<p>No values were extracted.</p>'}</section>
${unparsed}
<section id="conversations"><h2>Conversations quoted</h2>${convs}</section>
${result.notes.length ? `<section id="notes"><h2>Notes</h2><ul>${result.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul></section>` : ''}
</main></body></html>`;
}
