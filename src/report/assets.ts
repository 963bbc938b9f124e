/** The report page's inline stylesheet and script, and the Content-Security-Policy that pins the script by its hash. */
import { createHash } from 'node:crypto';

export const CSS = `
:root{--fg:#1b1f24;--muted:#5b6570;--line:#d8dde3;--bg:#f6f7f9;--card:#fff;--accent:#0b5cad;--bad:#b3261e}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",sans-serif}
header.top{background:#14213d;color:#fff;padding:28px 0 18px}
.wrap{max-width:1120px;margin:0 auto;padding:0 24px}
header.top p.caveat{margin:10px 0 0;padding:8px 12px;border-left:4px solid #b45309;background:#fff7ed;color:#7c2d12}
header.top h1{margin:0 0 4px;font-size:26px;font-weight:650;letter-spacing:-.01em}
header.top .sub{color:#c9d3e3;margin:0 0 14px}
.facts{display:flex;flex-wrap:wrap;gap:8px 28px;margin:0}
.facts div{min-width:0}
.facts dt{font-size:11px;text-transform:uppercase;letter-spacing:.06em;color:#9fb0c8}
.facts dd{margin:0;font-weight:600;overflow-wrap:anywhere}
nav.toc{background:#fff;border-bottom:1px solid var(--line);position:sticky;top:0;z-index:2}
nav.toc ul{list-style:none;margin:0 auto;padding:8px 24px;display:flex;flex-wrap:wrap;gap:4px 18px;max-width:1120px}
nav.toc a{color:var(--accent);text-decoration:none;font-weight:550;font-size:14px}
nav.toc a:hover,nav.toc a:focus{text-decoration:underline}
main{padding:8px 0 32px}
section{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:18px 22px 20px;margin:18px 0}
h2{font-size:19px;margin:0 0 10px;letter-spacing:-.005em}
h3{font-size:16px;margin:18px 0 8px}
h4{font-size:12px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);margin:0 0 4px}
.lede{color:var(--muted);margin:0 0 12px;max-width:80ch}
.muted{color:var(--muted);font-size:13px}
.empty{color:var(--muted);font-style:italic}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:14px}
caption{caption-side:top;text-align:left;color:var(--muted);font-size:13px;padding:0 0 8px}
th,td{padding:7px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
thead th{font-size:12px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);border-bottom:2px solid var(--line);white-space:nowrap}
tbody th{font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
abbr[title]{text-decoration:none;border-bottom:1px dotted var(--muted);cursor:help}
td.metric{white-space:nowrap;font-variant-numeric:tabular-nums;min-width:150px}
td.metric .v{font-weight:600}
td.metric.best .v{color:#0a6b3d}
td.metric.best .v::after{content:" ▼";font-size:10px}
.ci{color:var(--muted);font-size:12.5px;font-variant-numeric:tabular-nums}
.meter{display:block;height:4px;background:#e9edf1;border-radius:2px;margin-top:4px;max-width:160px}
.meter span{display:block;height:100%;background:#8aa2bd;border-radius:2px}
.best .meter span{background:#3c9a6b}
.dot,.fdot{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:7px;vertical-align:baseline;flex:none}
.fdot{border-radius:2px}
.glossary{display:grid;grid-template-columns:repeat(auto-fit,minmax(240px,1fr));gap:6px 20px;margin:14px 0 0;font-size:13px;color:var(--muted)}
.glossary dt{display:inline;font-weight:700;color:var(--fg)}
.glossary dt::after{content:" "}
.glossary dd{display:inline;margin:0}
.legend{list-style:none;display:flex;flex-wrap:wrap;gap:4px 18px;padding:0;margin:4px 0 8px;font-size:13.5px}
.legend li{display:flex;align-items:center}
.swatch{display:inline-block;width:14px;height:10px;border-radius:2px;margin-right:6px}
.charts{display:grid;grid-template-columns:1fr 1fr;gap:6px 28px}
.charts .wide{grid-column:1/-1}
figure{margin:0}
.chart-figure figcaption{font-size:14px;color:var(--muted);margin:10px 0 2px}
.chart-figure figcaption strong{color:var(--fg)}
svg.chart{display:block;height:auto;overflow:visible;font-family:inherit}
svg .grid{stroke:#e6e9ee;stroke-width:1}
svg .grid.base{stroke:#9aa4ae}
svg .tick{font-size:11.5px;fill:#66707a;font-variant-numeric:tabular-nums}
svg .axis-label{font-size:12px;fill:#4a545e;font-weight:600}
svg .group-label{font-size:13px;fill:#1b1f24;font-weight:600}
svg .na{font-size:10px;fill:#8a939c}
svg .whisker line{stroke:#1b1f24;stroke-width:1.4}
svg .bar:hover rect{filter:brightness(.9)}
svg .xtick{stroke:#9aa4ae}
svg .ring{fill:none;stroke:#e1e5ea}
svg .ring.zero{stroke:#8d98a3;stroke-dasharray:4 3}
svg .spoke{stroke:#e1e5ea}
svg .radar-label{font-size:12px;fill:#2b333b;font-weight:550}
svg .radar-tick{font-size:9.5px}
svg .band{fill-opacity:.16;stroke:none}
svg .profile{fill-opacity:.12;stroke-width:2.2;stroke-linejoin:round}
svg .profile.overlay{fill-opacity:.06}
.radars{display:grid;grid-template-columns:repeat(auto-fill,minmax(400px,1fr));gap:14px 18px}
.radar-figure{border:1px solid var(--line);border-radius:8px;padding:10px 6px 6px}
.radar-figure.overlay{background:#fafbfc}
.radar-figure figcaption{font-weight:600;font-size:14px;padding:0 8px;display:flex;align-items:baseline;gap:0 8px;flex-wrap:wrap}
.radar-figure figcaption .name{overflow-wrap:anywhere}
.radar-figure figcaption .dot{align-self:center;margin-right:0}
.radar-figure figcaption .muted{font-weight:400}
.radar-figure svg{max-width:440px;margin:4px auto 0}
details.data-table{margin-top:10px}
details>summary{cursor:pointer;color:var(--accent);font-weight:550}
details.data-table>summary,details.config>summary{font-size:14px}
.worst-group h3{display:flex;align-items:center}
details.example{border:1px solid var(--line);border-radius:8px;margin:6px 0;background:#fcfcfd}
details.example>summary{display:flex;gap:12px;align-items:baseline;padding:8px 12px;color:var(--fg);font-weight:400;list-style-position:outside}
details.example>summary::-webkit-details-marker{color:var(--muted)}
details.example[open]>summary{border-bottom:1px solid var(--line)}
.score{flex:none;font-weight:700;font-variant-numeric:tabular-nums;color:#fff;background:var(--bad);border-radius:4px;padding:0 6px;font-size:13px}
.model-name{overflow-wrap:anywhere;min-width:0}
.model-cell{max-width:260px}
.example .model{flex:none;font-weight:600;font-size:13.5px;display:inline-flex;align-items:center;max-width:30%;min-width:0}
.example .model .model-name{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.excerpt{color:var(--muted);font-size:13.5px;min-width:0}
.example-body{padding:10px 14px 6px}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:14px}
.text{white-space:pre-wrap;overflow-wrap:anywhere;background:#f3f5f7;border-radius:6px;padding:8px 10px;font-size:14px;max-height:26em;overflow-y:auto}
.text.completion{background:#fdf1f0;border-left:3px solid var(--bad)}
.principle{margin:0 0 8px}
.rationale{margin:8px 0 0;font-size:14px}
table.principles td.principle{max-width:460px}
details.prompts{margin-top:4px;font-size:13.5px}
details.prompts ol{padding-left:18px;margin:6px 0}
details.prompts li{margin:0 0 8px}
td.up{color:var(--bad);font-weight:600}
ul.notes{margin:0 0 10px;padding-left:20px}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f3f5f7;border-radius:6px;padding:10px;font-size:12.5px;max-height:30em;overflow:auto}
code{font-size:12.5px}
.filter{border:1px solid var(--line);border-radius:8px;padding:6px 12px 8px;margin:16px 0 0;background:#fff;display:flex;flex-wrap:wrap;gap:4px 18px;font-size:14px}
.filter legend{font-size:12px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);padding:0 4px}
.filter label{display:inline-flex;align-items:center;gap:4px;cursor:pointer}
.filter[hidden]{display:none}
.filtered{display:none!important}
footer{color:var(--muted);font-size:12.5px;padding:0 0 28px}
a:focus-visible,summary:focus-visible,input:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
@media (max-width:860px){.charts{grid-template-columns:1fr}}
@media (max-width:720px){.pair{grid-template-columns:1fr}.wrap{padding:0 12px}section{padding:14px 12px}}
@media print{
  body{background:#fff;font-size:11pt}
  nav.toc,.filter{display:none!important}
  header.top{background:#fff;color:#000;padding:0 0 8px;border-bottom:2px solid #000}
  header.top .sub,.facts dt{color:#444}
  section{border:none;padding:0;margin:14px 0;break-inside:auto}
  figure,.radar-figure,tr,details.example{break-inside:avoid}
  h2,h3{break-after:avoid}
  .text{max-height:none;overflow:visible}
  .filtered{display:revert!important}
  a{color:inherit;text-decoration:none}
}
`;

/**
 * The script: a model filter (hides elements whose data-model is unticked) and opening every <details>
 * for printing. It reads model names from the DOM (already escaped there); it never writes HTML.
 */
export const SCRIPT = `
(function () {
  'use strict';
  var filter = document.getElementById('model-filter');
  if (filter) {
    filter.hidden = false;
    var boxes = Array.prototype.slice.call(filter.querySelectorAll('input[type=checkbox]'));
    var apply = function () {
      var hidden = {};
      boxes.forEach(function (b) { if (!b.checked) hidden[b.value] = true; });
      Array.prototype.forEach.call(document.querySelectorAll('[data-model]'), function (el) {
        if (filter.contains(el)) return;
        var on = !Object.prototype.hasOwnProperty.call(hidden, el.getAttribute('data-model'));
        if (el.classList) el.classList.toggle('filtered', !on);
      });
    };
    boxes.forEach(function (b) { b.addEventListener('change', apply); });
  }
  var opened = [];
  window.addEventListener('beforeprint', function () {
    Array.prototype.forEach.call(document.querySelectorAll('details:not([open])'), function (d) { d.open = true; opened.push(d); });
  });
  window.addEventListener('afterprint', function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });
})();
`;

/**
 * The Content-Security-Policy: nothing may be fetched, and the only script that may run is ours (pinned by
 * its hash), so even markup that slipped past escaping could neither load anything nor run.
 */
export const REPORT_CSP = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${createHash('sha256').update(SCRIPT).digest('base64')}'; img-src data:; base-uri 'none'; form-action 'none'`;
