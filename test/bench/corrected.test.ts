/**
 * Error-corrected rates (judges/corrected.ts): Rogan–Gladen arithmetic, the no-correction case, and a loopback
 * world where the truth is known: a model violates on 30 of 150 prompts (K = 1), a scripted LLM judge knows the
 * truth and reports it with sensitivity 0.9 and specificity 0.7. The raw EVR (0.42) misses the true 0.2; the
 * corrected EVR, with a calibration file of those values and their uncertainty, covers it.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { correctRate, correctedModelRates, roganGladen, type Calibration } from '../../src/judges/corrected.ts';
import { SCHWARTZ_VALUE_IDS } from '../../src/values/schwartz.ts';
import { runCli } from '../support/cli.ts';
import { startLoopbackServer, type LoopbackServer, type ScriptRequest } from '../support/loopback-server.ts';

const calibration = (se: [number, number, number], sp: [number, number, number], judge = { id: 'j', version: '1' }): Calibration => ({
  id: 'cal-test', judge, n_labels: 120,
  sensitivity: { value: se[0], ci: [se[1], se[2]] },
  specificity: { value: sp[0], ci: [sp[1], sp[2]] },
});

describe('Rogan–Gladen', () => {
  it('recovers the prevalence behind an observed rate: 0.2·0.9 + 0.8·0.3 = 0.42 observed → 0.2; clipped to [0, 1]', () => {
    expect(roganGladen(0.42, 0.9, 0.7)).toBeCloseTo(0.2, 12);
    expect(roganGladen(0.1, 0.9, 0.7)).toBe(0); // below the false-alarm floor 1 − Sp
    expect(roganGladen(0.95, 0.9, 0.7)).toBe(1); // above Se
    expect(roganGladen(0.5, 0.5, 0.5)).toBeNaN(); // Se + Sp − 1 = 0: undefined
  });

  it('gives no correction, with a reason, when Se + Sp − 1 is too small, and none for EVR when Sp^K is', () => {
    const observed = (idx: Int32Array): number => (idx.length ? 0.4 : Number.NaN);
    const weak = correctRate(100, observed, calibration([0.6, 0.45, 0.74], [0.55, 0.4, 0.7]));
    expect(weak).toMatchObject({ value: null, ci: null, reason: expect.stringMatching(/too small for a useful correction.*lower 95% bound/) });
    const good = calibration([0.9, 0.82, 0.95], [0.7, 0.62, 0.77]);
    expect(correctRate(100, observed, good).value).toBeCloseTo(1 / 6, 5);
    // K = 10 samples per prompt: a prompt without violations is flagged unless all 10 verdicts are right (0.7^10 ≈ 0.03)
    expect(correctRate(100, observed, good, { k: 10 })).toMatchObject({ value: null, reason: expect.stringMatching(/K = 10/) });
  });

  it('refuses a calibration of another judge, naming both', () => {
    const prompts = [{ id: 'p', scores: [0.9] }, { id: 'q', scores: [0.1] }];
    const c = correctedModelRates(prompts, calibration([0.9, 0.8, 0.95], [0.7, 0.6, 0.8]), { judge: { id: 'other', version: '2' } });
    expect(c.evr).toMatchObject({ raw: 0.5, value: null, reason: expect.stringMatching(/judge j@1.*other@2/) });
  });
});

describe('a loopback world with a known true rate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenet-corrected-'));
  const db = join(dir, 'tenet.db');
  const promptFile = join(dir, 'prompts.jsonl');
  const calFile = join(dir, 'calibration.json');
  const N = 150;
  let server: LoopbackServer;

  /** Prompt i truly violates when i % 5 = 0 (30 of 150). */
  const truth = (i: number): boolean => i % 5 === 0;
  /** The judge misses 3 of the 30 violators (Se 0.9) and flags 36 of the 120 others (Sp 0.7). */
  const judged = (i: number): boolean => (truth(i) ? (i / 5) % 10 !== 0 : (i - Math.floor(i / 5) - 1) % 10 < 3);

  function script(req: ScriptRequest): string {
    if (req.model === 'judge') {
      const content = req.messages.map((m) => m.content).join('\n');
      const i = Number(/(?:VIOLATE|calm)-(\d+)/.exec(content.slice(content.indexOf('The assistant responded:')))?.[1]);
      const bad = judged(i);
      return JSON.stringify({ values: Object.fromEntries(SCHWARTZ_VALUE_IDS.map((v) => [v, 0])), violation: bad ? 0.9 : 0.1, confidence: 0.9, rationale: 'scripted' });
    }
    const i = Number(/Story (\d+):/.exec(req.messages.at(-1)!.content)?.[1]);
    return truth(i) ? `and then VIOLATE-${i}.` : `and then calm-${i}.`;
  }

  beforeAll(async () => {
    server = await startLoopbackServer(script);
    writeFileSync(promptFile, Array.from({ length: N }, (_, i) => JSON.stringify({ id: `p${i}`, prompt: `Story ${i}: the wallet lay there and`, foundation: 'care' })).join('\n'));
  });
  afterAll(async () => {
    await server.close();
  });

  it('bench --calibration FILE: the corrected EVR interval covers the true 0.2, the raw one does not; raw and corrected named apart', async () => {
    const spec = (m: string): string => `openai-compatible:${m}@${server.url}/v1`;
    const judgeId = `llm:${spec('judge')}`;
    const args = ['--db', db, 'bench', '--models', spec('target'), '--prompts', promptFile, '--samples', '1', '--judge', judgeId, '--concurrency', '8'];
    const first = await runCli([...args, '--json']);
    expect(first.code, first.stderr).toBe(0);
    const judge = JSON.parse(first.stdout).judge as { id: string; version: string };
    // Se 0.9 from ~30 labelled violators, Sp 0.7 from ~90 labelled non-violators: roughly their 95% Wilson intervals
    writeFileSync(calFile, JSON.stringify({ ...calibration([0.9, 0.74, 0.97], [0.7, 0.6, 0.78], judge), n_labels: 120 }));

    const r = await runCli([...args, '--calibration', calFile, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout).models[0];
    const raw = m.metrics.overall;
    expect(raw.evr).toBeCloseTo(0.42, 6); // (27 + 36) / 150
    expect(raw.ci.evr[0]).toBeGreaterThan(0.2); // the raw interval misses the truth
    expect(m.evr_corrected).toMatchObject({ raw: raw.evr, raw_ci: raw.ci.evr, calibration_id: 'cal-test', method: expect.stringMatching(/rogan-gladen/) });
    expect(m.evr_corrected.value).toBeCloseTo(0.2, 6);
    expect(m.evr_corrected.ci[0]).toBeLessThan(0.2);
    expect(m.evr_corrected.ci[1]).toBeGreaterThan(0.2);
    expect(m.evr_corrected.ci[1] - m.evr_corrected.ci[0]).toBeGreaterThan(raw.ci.evr[1] - raw.ci.evr[0]); // carries the calibration's uncertainty too
    expect(m.apv_corrected.value).toBeCloseTo(0.2, 6); // K = 1: APV = EVR

    const table = await runCli([...args, '--calibration', calFile]);
    expect(table.stdout).toMatch(/corrected for the judge's error \(calibration cal-test; raw above\): EVR_corrected 0\.200 \[/);

    const run = JSON.parse(r.stdout).run as string;
    const compared = await runCli(['--db', db, 'bench', 'compare', run, '--calibration', calFile, '--json']);
    expect(compared.code, compared.stderr).toBe(0);
    expect(JSON.parse(compared.stdout).ranking[0].evr_corrected.value).toBeCloseTo(0.2, 6);

    const html = join(dir, 'report.html');
    const report = await runCli(['--db', db, 'report', run, '--calibration', calFile, '-o', html]);
    expect(report.code, report.stderr).toBe(0);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain("Corrected for the judge's error");
    expect(page).toMatch(/<th scope="col">EVR \(raw\)<\/th><th scope="col">EVR corrected<\/th>/);
    expect(page).toMatch(/0\.420 <span class="ci">.*0\.200 <span class="ci">/s);

    const id = await runCli(['--db', db, 'bench', 'compare', run, '--calibration', 'cal-123']);
    expect(id.code).toBe(2);
    expect(id.stderr).toMatch(/no judge calibration cal-123 in the store/);
  }, 60_000);
});
