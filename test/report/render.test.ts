import { describe, expect, it } from 'vitest';
import { groupedBarChart, lineChart, niceExtent, niceRateAxis, radarChart } from '../../src/report/charts.ts';
import type { ReportData } from '../../src/report/data.ts';
import { esc, pct, pctRange, truncate } from '../../src/report/html.ts';
import { REPORT_CSP, renderReport } from '../../src/report/render.ts';
import { SCHWARTZ_CIRCUMPLEX_ORDER } from '../../src/values/schwartz.ts';
import { benchFixture, hostileFixture, probeFixture } from './fixtures.ts';

const fixed = { generatedAt: new Date('2025-06-15T10:00:00Z') };

/** Attributes that make a browser fetch something, with a value that points off the page. */
const NETWORK_ATTR = /\b(?:src|href|action|formaction|poster|data|srcset|xlink:href|background|ping|manifest)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?\/\//i;

function tagsOf(html: string, name: string): string[] {
  return html.match(new RegExp(`<${name}\\b[^>]*>`, 'gi')) ?? [];
}

describe('esc and formatting', () => {
  it('escapes every character that could open markup or end an attribute', () => {
    expect(esc(`<script>"a" & 'b' \`c\`</script>`)).toBe('&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39; &#96;c&#96;&lt;/script&gt;');
    expect(esc(null)).toBe('');
    expect(esc(42)).toBe('42');
  });

  it('drops control characters and repairs lone surrogates', () => {
    expect(esc('a\u0000b\u0007c\td\ne')).toBe('abc\td\ne');
    expect(esc('x\uD800y')).toBe('x\uFFFDy');
    expect(esc('😀')).toBe('😀');
  });

  it('formats rates, intervals and excerpts', () => {
    expect(pct(0.3125)).toBe('31.3%');
    expect(pct(null)).toBe('—');
    expect(pct(Number.NaN)).toBe('—');
    expect(pctRange([0.2, 0.35])).toBe('20.0–35.0');
    expect(pctRange([null, 0.3])).toBe('');
    expect(truncate('one two three four five six', 14)).toBe('one two three…');
    expect(truncate('short', 14)).toBe('short');
  });
});

describe('charts', () => {
  it('picks a rate axis that covers the data', () => {
    expect(niceRateAxis(0.03)).toEqual({ top: 0.05, step: 0.01 });
    expect(niceRateAxis(0.33)).toEqual({ top: 0.4, step: 0.1 });
    expect(niceRateAxis(0.61)).toEqual({ top: 0.8, step: 0.2 });
    expect(niceRateAxis(1)).toEqual({ top: 1, step: 0.2 });
    expect(niceRateAxis(Number.NaN)).toEqual({ top: 1, step: 0.2 });
    expect(niceExtent([0.1, -0.3, null])).toBe(0.5);
    expect(niceExtent([])).toBe(0.25);
  });

  it('draws a bar and a CI whisker per value, and n/a where there is none', () => {
    const svg = groupedBarChart({
      title: 'T',
      description: 'D',
      measure: 'EVR',
      groups: [
        { id: 'care', label: 'Care' },
        { id: 'fairness', label: 'Fairness' },
      ],
      series: [
        { id: 'a', label: 'a', color: '#000' },
        { id: 'b', label: 'b', color: '#111' },
      ],
      value: (g, s) => (g === 'fairness' && s === 'b' ? undefined : { value: 0.3, ci: [0.2, 0.4], n: 10 }),
    });
    expect(svg.match(/<rect /g)).toHaveLength(3);
    expect(svg.match(/class="whisker"/g)).toHaveLength(3);
    expect(svg).toContain('>n/a<');
    expect(svg).toContain('role="img"');
    expect(svg).toMatch(/<title id="[^"]+">T<\/title><desc id="[^"]+">D<\/desc>/);
    expect(svg).toContain('a — Care: EVR 30.0% (95% CI 20.0–40.0), N = 10');
  });

  it('breaks a line where a point is missing', () => {
    const svg = lineChart({
      title: 'T',
      description: 'D',
      xLabel: 'x',
      yLabel: 'y',
      series: [{ id: 's', label: 's', color: '#000', width: 2, points: [{ x: 0, y: 0.1 }, { x: 1, y: 0.2 }, { x: 2, y: null }, { x: 3, y: 0.4 }, { x: 4, y: 0.5 }] }],
    });
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg.match(/<circle /g)).toHaveLength(4);
  });

  it('draws a radar with one axis label per value, a band and a profile', () => {
    const axes = SCHWARTZ_CIRCUMPLEX_ORDER.map((id) => ({ id, label: id }));
    const svg = radarChart({ title: 'T', description: 'D', axes, extent: 0.5, series: [{ id: 'm', color: '#000', value: () => ({ mean: 0.1, ci: [0, 0.2] }) }] });
    for (const id of SCHWARTZ_CIRCUMPLEX_ORDER) expect(svg).toContain(`>${id}</text>`);
    expect(svg).toContain('class="band"');
    expect(svg).toContain('class="profile"');
    expect(svg.match(/<circle /g)).toHaveLength(10);
  });
});

describe('renderReport', () => {
  const bench = renderReport(benchFixture(), fixed);
  const probe = renderReport(probeFixture(), fixed);
  const hostile = renderReport(hostileFixture(), fixed);

  it('is one complete document that loads nothing from a network', () => {
    for (const html of [bench, probe, hostile]) {
      expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
      expect(html.trimEnd().endsWith('</html>')).toBe(true);
      expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${esc(REPORT_CSP)}">`);
      expect(html).not.toMatch(NETWORK_ATTR);
      expect(html).not.toMatch(/url\(\s*["']?(?:[a-z]+:)?\/\//i);
      expect(html).not.toMatch(/@import/i);
      expect(tagsOf(html, 'link')).toEqual([]);
      expect(tagsOf(html, 'img')).toEqual([]);
      expect(tagsOf(html, 'iframe')).toEqual([]);
      expect(tagsOf(html, 'script')).toEqual(['<script>']);
    }
    // No URL at all in a report made of ordinary data.
    expect(bench).not.toMatch(/https?:/);
    expect(probe).not.toMatch(/https?:/);
  });

  it('escapes model and user text everywhere', () => {
    expect(hostile).not.toContain('<script>window.__pwned');
    expect(hostile).not.toContain('onerror="');
    expect(hostile).not.toContain('onload="');
    expect(hostile).not.toContain('<img');
    expect(hostile).not.toContain('<style>body');
    expect(hostile).not.toContain('</details></section><script>');
    expect(hostile).toContain('&lt;script&gt;window.__pwned = 1&lt;/script&gt;');
    expect(hostile).toContain('evil-model&quot;&gt;&lt;script&gt;');
    expect(hostile).toContain('&lt;a href=&quot;https://attacker.invalid/x&quot;&gt;link&lt;/a&gt;');
    // in the sample fixture too: a <b> in a completion is text, not markup
    expect(bench).toContain('&lt;b&gt;not bold&lt;/b&gt;');
    expect(bench).not.toContain('<b>not bold</b>');
    // exactly one style element (ours) and one script (ours)
    expect(tagsOf(hostile, 'style')).toEqual(['<style>']);
  });

  it('includes every model, every foundation, and every section a bench report has', () => {
    const data = benchFixture();
    for (const m of data.models) expect(bench).toContain(esc(m.model));
    for (const f of ['Care / Harm', 'Fairness / Cheating', 'Loyalty / Betrayal', 'Authority / Subversion', 'Sanctity / Degradation']) expect(bench).toContain(f);
    for (const f of ['Care', 'Fairness', 'Loyalty', 'Authority', 'Sanctity']) expect(bench).toContain(`>${f}</text>`);
    for (const id of ['summary', 'foundations', 'values', 'worst', 'notes']) expect(bench).toContain(`<section id="${id}">`);
    expect(bench).not.toContain('<section id="probe">');
    // summary table: one row per model with EVR/MVP/APV, CI and N
    expect(bench.match(/<tr data-model="[^"]+"><th scope="row"><span class="dot"/g)).toHaveLength(data.models.length);
    const o = data.models[0]!.metrics.overall;
    expect(bench).toContain(`<span class="v">${pct(o.evr)}</span> <span class="ci" title="95% confidence interval (wilson)">[${pctRange(o.ci.evr)}]</span> <span class="ci-method">wilson</span>`);
    expect(bench).toContain('<span class="ci-method">bca-bootstrap</span>');
    // three bar charts, one radar per model plus the overlay, a worst example per entry
    expect(bench.match(/class="chart bars"/g)).toHaveLength(3);
    expect(bench.match(/class="chart radar"/g)).toHaveLength(data.models.length + 1);
    expect(bench.match(/<details class="example"/g)).toHaveLength(data.worst.length);
    // the notes and the run's configuration
    for (const n of data.notes) expect(bench).toContain(esc(n));
    expect(bench).toContain('builtin:valuecompass-mft');
  });

  it('orders the radar axes by the Schwartz circumplex', () => {
    const radar = /<svg class="chart radar"[\s\S]*?<\/svg>/.exec(bench)![0];
    const labels = [...radar.matchAll(/class="radar-label"[^>]*>([^<]+)</g)].map((m) => m[1]);
    expect(labels).toEqual(['Self-direction', 'Stimulation', 'Hedonism', 'Achievement', 'Power', 'Security', 'Conformity', 'Tradition', 'Benevolence', 'Universalism']);
    expect(SCHWARTZ_CIRCUMPLEX_ORDER[0]).toBe('self_direction');
  });

  it('shows a probe run: one line per principle plus the mean, and a row per principle', () => {
    const data = probeFixture();
    expect(probe).toContain('<section id="probe">');
    const chart = /<svg class="chart lines"[\s\S]*?<\/svg>/.exec(probe)![0];
    expect(chart.match(/<g class="line"/g)).toHaveLength(data.probe!.principles.length + 1);
    expect(chart).toContain('<title>Mean over principles</title>');
    for (const p of data.probe!.principles) {
      expect(probe).toContain(`<code>${esc(p.id)}</code>`);
      expect(probe).toContain(esc(p.principle));
    }
    expect(probe).toContain('example:model-c');
  });

  it('is deterministic for the same data and time', () => {
    expect(renderReport(benchFixture(), fixed)).toBe(bench);
  });

  it('renders runs with nothing in them, and numbers that could not be computed', () => {
    const empty: ReportData = { title: 'Empty', run: { id: 'bench-0', kind: 'bench', createdAt: 'not a date', config: null }, models: [], worst: [], notes: [] };
    const html = renderReport(empty, fixed);
    expect(html).toContain('This run has no judged samples yet.');
    expect(html).toContain('No completion was judged violating.');
    expect(html).not.toContain('<section id="foundations">');
    expect(html).not.toContain('<section id="values">');

    const nan: ReportData = {
      ...empty,
      models: [{ model: 'm', metrics: { overall: { evr: Number.NaN, mvp: null, apv: null, n: 0, k: 4, ci: { evr: [Number.NaN, Number.NaN], mvp: [null, null], apv: [null, null] } }, per_foundation: { care: { evr: null, mvp: null, apv: null, n: 0, k: 4, ci: { evr: [null, null], mvp: [null, null], apv: [null, null] } } } } }],
    };
    const out = renderReport(nan, fixed);
    expect(out).toContain('<span class="v">—</span>');
    expect(out).toContain('>n/a</text>');
    expect(out).not.toContain('NaN');
  });
});
