/**
 * Building HTML as strings, safely. Everything that is not a literal in this module's callers goes
 * through `esc` (text and attribute values alike); model text is untrusted and is never put in a script,
 * a style, a URL or an event-handler attribute.
 */

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/**
 * HTML-escape a value for text content or a quoted attribute value. Also drops characters HTML cannot
 * carry (NUL and other C0 controls except tab/newline/CR, lone surrogates) so nothing garbles the page.
 */
export function esc(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, '')
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
    .replace(/[&<>"'`]/g, (c) => ESCAPES[c] ?? c);
}

/** Attributes from a record: `{class: 'a', hidden: true, title: x}` → ` class="a" hidden title="…"`. */
export function attrs(values: Record<string, string | number | boolean | null | undefined>): string {
  let out = '';
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined || value === null || value === false) continue;
    if (!/^[a-zA-Z_:][-a-zA-Z0-9_:.]*$/.test(name)) throw new Error(`bad attribute name ${name}`);
    out += value === true ? ` ${name}` : ` ${name}="${esc(value)}"`;
  }
  return out;
}

/** A number for SVG coordinates: short, finite. */
export function num(value: number): string {
  if (!Number.isFinite(value)) return '0';
  return String(Math.round(value * 100) / 100);
}

/** A rate in [0, 1] as a percentage, e.g. 0.3125 → "31.3%"; null → "—". */
export function pct(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return `${(value * 100).toFixed(digits)}%`;
}

/** A CI as "27.0–35.5" (percent, no unit) or "" when unknown. */
export function pctRange(ci: readonly [number | null, number | null] | undefined, digits = 1): string {
  if (!ci) return '';
  const [lo, hi] = ci;
  if (lo === null || hi === null || !Number.isFinite(lo) || !Number.isFinite(hi)) return '';
  return `${(lo * 100).toFixed(digits)}–${(hi * 100).toFixed(digits)}`;
}

/** A signed score, e.g. 0.25 → "+0.25". */
export function signed(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return `${value > 0 ? '+' : value < 0 ? '−' : ''}${Math.abs(value).toFixed(digits)}`;
}

/** An id safe for `id=` and `href="#…"`, derived from arbitrary text. */
export function slug(text: string): string {
  const s = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return s === '' ? 'x' : s;
}

/** Shorten text for a one-line summary, on a word boundary where possible. */
export function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/**
 * A model name as shown in tables and example headers: wrapped anywhere (a spec has no spaces to break at), or
 * cut with an ellipsis where one line is kept, with the whole name in the title (hover).
 */
export function modelName(model: string): string {
  return `<span${attrs({ class: 'model-name', title: model })}>${esc(model)}</span>`;
}
