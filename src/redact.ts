/**
 * The one place secrets are taken out of text before it is shown, logged or stored: credentials in URLs
 * (the whole userinfo: `http://user:key@host`, `http://TOKEN@host` and `http://user:@host` all become
 * `http://***@host`, since a user name alone is often the key itself), secret
 * query parameters (`?api_key=…`, `password=`, `token=`, `key=`…), `Bearer …` tokens, `sk-…` style
 * API keys, and the value of any secret-looking environment variable (`*_KEY`, `*_TOKEN`, `*_SECRET`,
 * `*_PASSWORD`) that appears verbatim. Used by TenetError (every message and hint), the store (run configs, cache rows), the
 * transports (endpoint names), reports, logs and pg-boss jobs.
 */

export const REDACTED = '***';

// The userinfo runs to the last `@` before the path (as URL parsers read it), so an unencoded `@` in a
// password is covered too.
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#"'<>]*@/gi;
const SECRET_PARAM = /(\b(?:password|passwd|pwd|api[_-]?key|apikey|key|token|access[_-]?token|secret|sig|signature)=)[^&#;,\s"'<>]*/gi;
const BEARER = /\b(bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi;
const API_KEY = /\b((?:sk-proj|sk-ant|sk|pk|rk)-)[A-Za-z0-9_-]{16,}/g;

/** Environment variables whose values are secrets. */
const SECRET_ENV = /(KEY|TOKEN|SECRET|PASSWORD|PASS)$/i;

/** `text` with every credential it contains replaced by `***`. Idempotent; safe on any string. */
export function redactSecrets(text: string, env: Record<string, string | undefined> = process.env): string {
  if (text.length === 0) return text;
  let out = text;
  for (const [name, value] of Object.entries(env)) {
    if (value && value.length >= 8 && SECRET_ENV.test(name) && out.includes(value)) out = out.split(value).join(REDACTED);
  }
  return out
    .replace(URL_USERINFO, `$1${REDACTED}@`)
    .replace(SECRET_PARAM, `$1${REDACTED}`)
    .replace(BEARER, `$1${REDACTED}`)
    .replace(API_KEY, `$1${REDACTED}`);
}

/** A URL with its credentials replaced by `***` (the same rules as redactSecrets). */
export function redactUrl(url: string): string {
  return redactSecrets(url);
}

/** A copy of a JSON-like value with redactSecrets applied to every string in it (keys are kept). */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redactSecrets(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v)) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v)])) as T;
  }
  return value;
}

/** Whether a string has been redacted (a URL whose credentials are gone cannot be used to connect). */
export function isRedacted(text: string): boolean {
  // `user:***@`: how runs stored before every userinfo was redacted whole
  return text.includes(`//${REDACTED}@`) || text.includes(`:${REDACTED}@`) || text.includes(`=${REDACTED}`);
}
