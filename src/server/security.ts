/**
 * Small security helpers: constant-time token comparison, how an admin session is stored (an HMAC keyed by
 * the admin token; the cookie holds only a random session value), cookie options, response headers and the
 * same-origin check for state-changing requests.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

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
export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

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
