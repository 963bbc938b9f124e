/** The Moral Graph Elicitation web app: `createElicitApp` (a Hono app) and `serveElicit` (an HTTP server). */
export { createElicitApp, type ElicitAppOptions } from './app.ts';
export { serveElicit, type ElicitServer, type ServeElicitOptions } from './serve.ts';
export { createRateLimiter, DEFAULT_RATE_LIMIT, type RateLimiter, type RateLimitSettings } from './rate-limit.ts';
export { adminSessionHash, hostAllowed, hostCheck, safeEqual, sameOrigin, ADMIN_COOKIE, SESSION_COOKIE, SECURITY_HEADERS, type HostPolicy } from './security.ts';
export { listenError } from './listen.ts';
