/**
 * Small security helpers: constant-time token comparison, how an admin session is stored (an HMAC keyed by
 * the admin token; the cookie holds only a random session value), cookie options, response headers and the
 * same-origin check for state-changing requests, and the Host check against DNS rebinding.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { MiddlewareHandler } from 'hono';

/** Compares two secrets in constant time (their SHA-256 digests, so lengths do not leak either). */
export function safeEqual(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y) && a.length === b.length;
}

/**
 * How an admin session is stored: HMAC-SHA256 keyed by the admin token over the cookie's random value.
 * The database never holds the cookie, and sessions made under another admin token never match.
 */
export function adminSessionHash(adminToken: string, sessionValue: string): string {
  return createHmac('sha256', adminToken).update(`tenet-elicit-admin-session:v2:${sessionValue}`).digest('hex');
}

export const SESSION_COOKIE = 'tenet_session';
export const ADMIN_COOKIE = 'tenet_admin';

/** Content-Security-Policy: only our own scripts and styles, no framing, no inline script. */
export const CSP_DIRECTIVES: Readonly<Record<string, string>> = {
  'default-src': "'self'",
  'script-src': "'self'",
  'style-src': "'self'",
  'img-src': "'self' data:",
  'connect-src': "'self'",
  'font-src': "'self'",
  'object-src': "'none'",
  'base-uri': "'none'",
  'form-action': "'self'",
  'frame-ancestors': "'none'",
};

/** A CSP header value from directives. */
export function cspOf(directives: Readonly<Record<string, string>>): string {
  return Object.entries(directives).map(([k, v]) => `${k} ${v}`).join('; ');
}

export const CSP = cspOf(CSP_DIRECTIVES);

export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // Invite links carry a token in the URL: never send a URL to another site. (Not no-referrer: with it,
  // browsers send `Origin: null` on form posts, which the same-origin check must refuse.)
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
};

/**
 * A state-changing request must come from our own pages: when the browser sends Origin (it does on every
 * cross-origin POST), it must match the Host. Requests without Origin (curl, scripts with the admin
 * token) pass; they carry no ambient cookie authority from another site.
 */
export function sameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (!origin) return true;
  if (!host) return false;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

/**
 * Which Host headers a local server answers to: the defence against DNS rebinding (a page on
 * evil.example whose name is re-pointed at 127.0.0.1 reaches the server from the victim's browser as
 * same-origin, with `Host: evil.example:PORT`). As Vite and Jupyter do: IP literals (a rebinding needs a
 * DNS name), `localhost`, the host the server was bound to, and the names given in `allowed` (for a proxy in
 * front; `.example.org` also matches its subdomains). A request without Host (HTTP/1.0 tools) passes; every
 * browser sends one. Ports are not compared: a rebinding page already has the server's port, and port
 * forwards (docker -p 8080:7575) change it legitimately.
 */
export interface HostPolicy {
  /** The address the server listens on (0.0.0.0 and :: add nothing). */
  bound?: string;
  /** Extra host names (no port; a leading dot matches subdomains too). */
  allowed?: readonly string[];
}

function bareHost(name: string): string {
  return name.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
}

/** The host name of a Host header (lower case, IPv6 without brackets), or undefined when it does not parse. */
export function hostNameOf(header: string): string | undefined {
  try {
    const url = new URL(`http://${header.trim()}/`);
    if (url.username || url.password || url.pathname !== '/' || url.search || `${url.host}` === '') return undefined;
    return bareHost(url.hostname);
  } catch {
    return undefined;
  }
}

export function hostAllowed(header: string | undefined, policy: HostPolicy = {}): boolean {
  if (header === undefined) return true;
  const name = hostNameOf(header);
  if (name === undefined) return false;
  if (isIP(name) !== 0 || name === 'localhost') return true;
  if (policy.bound && bareHost(policy.bound) === name) return true;
  return (policy.allowed ?? []).some((entry) => {
    const e = bareHost(entry.replace(/:\d+$/, ''));
    return e.startsWith('.') ? name === e.slice(1) || name.endsWith(e) : name === e;
  });
}

/** The message a refused Host gets (short; the header is not echoed into HTML). */
export function hostRefusal(header: string): string {
  return `Host ${JSON.stringify(header.slice(0, 100))} is not allowed: this server answers to localhost, IP addresses, the host it listens on and --allowed-hosts (a defence against DNS rebinding)`;
}

/** Hono middleware: 403 for a Host header the policy refuses, on every route. */
export function hostCheck(policy: HostPolicy): MiddlewareHandler {
  return async (c, next) => {
    const host = c.req.header('host');
    if (!hostAllowed(host, policy)) {
      const message = hostRefusal(host ?? '');
      return c.req.path.startsWith('/api/') ? c.json({ error: { code: 'FORBIDDEN', message } }, 403) : c.text(message, 403);
    }
    await next();
  };
}
