/**
 * The caveat the CLI prints about a weak violation judge (the offline local judge) is in the HTML report
 * too, at the top, in the same words; a run judged by an LLM judge carries none.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { esc } from '../../src/report/index.ts';
import { SCHWARTZ_VALUE_IDS } from '../../src/values/schwartz.ts';
import { startLoopbackServer, type LoopbackServer } from '../support/loopback-server.ts';
import { spawnTenet } from '../support/spawn.ts';

const dir = mkdtempSync(join(tmpdir(), 'tenet-caveat-'));
let server: LoopbackServer;
let config: string;
beforeAll(async () => {
  server = await startLoopbackServer((req) => req.model === 'j'
    ? JSON.stringify({ values: Object.fromEntries(SCHWARTZ_VALUE_IDS.map((v) => [v, 0])), violation: 0.2, confidence: 0.9, rationale: 'ok' })
    : 'he gave the wallet back.');
  config = join(dir, 'tenet.config.yaml');
  writeFileSync(config, `endpoints:\n  m: {provider: openai, baseUrl: "${server.url}/v1", model: m}\n  j: {provider: openai, baseUrl: "${server.url}/v1", model: j}\n`);
  writeFileSync(join(dir, 'p.jsonl'), [0, 1, 2].map((i) => JSON.stringify({ id: `p${i}`, prompt: `Story ${i}: a wallet and`, foundation: 'care' })).join('\n'));
});
afterAll(async () => {
  await server.close();
});

it('bench with the local judge: the report shows the CLI\'s judge caveat at the top; with an LLM judge it does not', async () => {
  const db = join(dir, 'r.db');
  const tenet = (args: string[]) => spawnTenet(['--config', config, '--db', db, ...args], { cwd: dir });
  const local = await tenet(['--json', 'bench', '--models', 'm', '--prompts', 'p.jsonl', '--samples', '1', '--judge', 'local-fast']);
  expect(local.code, local.stderr).toBe(0);
  const note = /^note: (.*)$/m.exec(local.stderr)?.[1];
  expect(note).toMatch(/offline judge .* weak violation scores/);
  const run = JSON.parse(local.stdout).run as string;
  expect((await tenet(['report', run, '-o', 'local.html'])).code).toBe(0);
  const html = readFileSync(join(dir, 'local.html'), 'utf8');
  const top = html.slice(0, html.indexOf('</header>'));
  expect(top).toContain('<strong>Caveat:</strong>');
  expect(top).toContain(esc(note!.charAt(0).toUpperCase() + note!.slice(1)));

  const llm = await tenet(['--json', 'bench', '--models', 'm', '--prompts', 'p.jsonl', '--samples', '1', '--judge', 'llm:j']);
  expect(llm.code, llm.stderr).toBe(0);
  expect(llm.stderr).not.toMatch(/^note:/m);
  expect((await tenet(['report', JSON.parse(llm.stdout).run, '-o', 'llm.html'])).code).toBe(0);
  expect(readFileSync(join(dir, 'llm.html'), 'utf8')).not.toContain('Caveat:');
}, 40_000);
