/**
 * Server-rendered page shells. The dynamic parts are built by small vanilla scripts under web/elicit/
 * (no inline script: the CSP forbids it). Data the scripts start with goes in a JSON <script> block of
 * type application/json, which browsers never execute.
 */

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON safe inside a <script type="application/json"> element. */
function jsonForHtml(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

interface PageOptions {
  title: string;
  body: string;
  scripts?: string[];
  boot?: unknown;
  bodyClass?: string;
}

/**
 * The stylesheet link carries the id Cytoscape looks for before injecting its own <style> element (which
 * the CSP would block); style.css holds that one rule instead.
 */
export function page(options: PageOptions): string {
  const scripts = (options.scripts ?? []).map((s) => `<script src="/assets/${s}" defer></script>`).join('\n    ');
  const boot = options.boot === undefined ? '' : `<script type="application/json" id="boot">${jsonForHtml(options.boot)}</script>`;
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>${escapeHtml(options.title)}</title>
    <link rel="stylesheet" href="/assets/style.css" id="__________cytoscape_stylesheet">
    ${boot}
    ${scripts}
  </head>
  <body${options.bodyClass ? ` class="${escapeHtml(options.bodyClass)}"` : ''}>
${options.body}
  </body>
</html>
`;
}

export function participantPage(title: string): string {
  return page({
    title,
    bodyClass: 'participant',
    scripts: ['cytoscape.min.js', 'dom.js', 'graph.js', 'participant.js'],
    body: `    <header class="top"><span class="brand">tenet</span><span class="top-title">${escapeHtml(title)}</span>
      <nav aria-label="Progress"><ol id="steps" class="steps"></ol></nav></header>
    <main id="app" tabindex="-1" aria-live="polite"><p class="muted">Loading…</p></main>
    <noscript><p class="notice">This page needs JavaScript to run the interview.</p></noscript>`,
  });
}

export function adminPage(): string {
  return page({
    title: 'tenet · elicitation admin',
    bodyClass: 'admin',
    scripts: ['cytoscape.min.js', 'dom.js', 'graph.js', 'admin.js'],
    body: `    <header class="top"><span class="brand">tenet</span><span class="top-title">Moral graph elicitation · admin</span>
      <form method="post" action="/admin/logout" class="top-right"><button class="link" type="submit">Sign out</button></form></header>
    <main id="app" tabindex="-1"><p class="muted">Loading…</p></main>
    <noscript><p class="notice">The admin pages need JavaScript.</p></noscript>`,
  });
}

export function adminLoginPage(error?: string): string {
  return page({
    title: 'tenet · admin sign-in',
    bodyClass: 'admin',
    body: `    <header class="top"><span class="brand">tenet</span><span class="top-title">Moral graph elicitation · admin</span></header>
    <main class="narrow">
      <h1>Sign in</h1>
      ${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
      <form method="post" action="/admin/login" class="stack">
        <label for="token">Admin token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required>
        <button type="submit">Sign in</button>
      </form>
      <p class="muted">The token is the one given to <code>tenet elicit serve --admin-token</code> (or <code>$TENET_ADMIN_TOKEN</code>).</p>
    </main>`,
  });
}

export function messagePage(title: string, message: string, status = 'notice'): string {
  return page({
    title: `tenet · ${title}`,
    body: `    <header class="top"><span class="brand">tenet</span></header>
    <main class="narrow"><h1>${escapeHtml(title)}</h1><p class="${escapeHtml(status)}">${escapeHtml(message)}</p></main>`,
  });
}
