import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBestOfN, loadAlignResults, bonPicks } from '../../src/align/bon.ts';
import { exportRun } from '../../src/align/export.ts';
import { loadReportData, renderReport } from '../../src/report/index.ts';
import { loadAlignPrompts } from '../../src/align/prompts.ts';
import { qualityRater } from '../../src/align/raters.ts';
import { loadTarget } from '../../src/align/targets.ts';
import type { Judge, SchwartzVector } from '../../src/judges/types.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { SCHWARTZ_VALUE_IDS } from '../../src/values/schwartz.ts';
import { loopbackModel } from '../models/helpers.ts';
import { startLoopbackServer, type LoopbackServer } from '../support/loopback-server.ts';

/**
 * The scripted model answers prompt Qi, sample c with "answer-k", k = (i + c) mod 4. The judge reads
 * benevolence −0.9, 0.2, 0.9, 0.6 for k = 0…3, so against the "ideal" target (benevolence 1) the rewards are
 * −1.9, 0 (0.2 is inside the "no relation" band: the uncalibrated judge's mask is |E| > 0.5), −0.1, −0.4:
 * best-of-4 must pick answer-1 everywhere.
 */
const BENEVOLENCE = [-0.9, 0.2, 0.9, 0.6];
const REWARD = [-1.9, 0, -0.1, -0.4];
const kOf = (text: string): number => Number(/answer-(\d)/.exec(text)?.[1] ?? NaN);
const judge: Judge = {
  id: 'test-judge',
  version: '1',
  async judge(items) {
    return items.map((item) => ({ values: Object.fromEntries(SCHWARTZ_VALUE_IDS.map((v) => [v, v === 'benevolence' ? BENEVOLENCE[kOf(item.response)]! : 0])) as SchwartzVector, confidence: 1 }));
  },
};

const dir = mkdtempSync(join(tmpdir(), 'tenet-align-bon-'));
const promptFile = join(dir, 'prompts.jsonl');
// 8 prompts, plus p8 repeating p0's text (its samples duplicate p0's, for the export's de-duplication)
writeFileSync(promptFile, [...Array.from({ length: 8 }, (_, i) => ({ id: `p${i}`, prompt: `Q${i}: what should I do?` })), { id: 'p8', prompt: 'Q0: what should I do?' }].map((r) => JSON.stringify(r)).join('\n'));

let server: LoopbackServer;
let store: Store;
let abortAfter = Number.POSITIVE_INFINITY;
const controller = new AbortController();
beforeAll(async () => {
  server = await startLoopbackServer((req) => {
    if (req.model === 'q') {
      const k = kOf(req.messages.map((m) => m.content).join('\n'));
      return JSON.stringify({ score: k === 1 ? 4 : 8, rationale: 'scripted' });
    }
    if (req.callIndex + 1 >= abortAfter) controller.abort();
    const i = Number(/Q(\d+)/.exec(req.messages.at(-1)!.content)?.[1]);
    return `answer-${(i + req.choiceIndex) % 4}`;
  }, { latencyMs: 2 });
  store = await openStore(join(dir, 'align.db'));
});
afterAll(async () => {
  await server.close();
  await store.close();
});

describe('best-of-N', () => {
  it('is interrupted, resumed without repeating a call, and picks the known best sample of every prompt', async () => {
    const prompts = await loadAlignPrompts(promptFile);
    const model = loopbackModel('openai', server, { model: 'm' });
    const target = loadTarget('ideal');
    abortAfter = 3;
    const first = await runBestOfN({ store, prompts, model, n: 4, target, judge, concurrency: 1, signal: controller.signal });
    expect(first.interrupted).toBe(true);
    expect(first.status).toBe('interrupted');
    const callsBefore = server.requests.filter((r) => r.body?.model === 'm').length;
    abortAfter = Number.POSITIVE_INFINITY;

    const result = await runBestOfN({ store, prompts, model, n: 4, target, judge, concurrency: 3, quality: qualityRater(loopbackModel('openai', server, { model: 'q' })), bootstrap: { b: 300 } });
    expect(result.run).toBe(first.run);
    expect(result.status).toBe('done');
    expect(result.stage.skipped).toBeGreaterThan(0);
    expect(callsBefore).toBeGreaterThanOrEqual(3);
    // one n = 4 call per prompt over both invocations; only the call cut off by the interruption may be made again
    const perPrompt = new Map<string, number>();
    for (const r of server.requests.filter((x) => x.body?.model === 'm')) {
      const text = JSON.stringify(r.body.messages);
      perPrompt.set(text, (perPrompt.get(text) ?? 0) + 1);
    }
    expect(perPrompt.size).toBe(8); // p8 repeats p0's text
    expect([...perPrompt.values()].filter((c) => c > (1)).length).toBeLessThanOrEqual(2); // Q0 is asked by p0 and p8
    expect([...perPrompt.values()].reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(10);
    expect((await store.samples.listByRun(result.run)).length).toBe(36);

    const { picks } = await bonPicks(store, result.run);
    expect(picks).toHaveLength(9);
    for (const p of picks) {
      expect(p.best.text).toBe('answer-1');
      expect(p.worst.text).toBe('answer-0');
      expect(p.first.index).toBe(0);
    }
    // first sample k = i mod 4 for p0…p7 and 0 for p8 → rewards 2·(−1.9 + 0 − 0.1 − 0.4) − 1.9 over 9
    const firstMean = (2 * (REWARD[0]! + REWARD[1]! + REWARD[2]! + REWARD[3]!) + REWARD[0]!) / 9;
    // baseline: every prompt's 4 samples are answer-0…3, so a random one's expected reward is their mean
    const baseline = (REWARD[0]! + REWARD[1]! + REWARD[2]! + REWARD[3]!) / 4;
    expect(result.n_prompts).toBe(9);
    const r = result.proxy;
    expect(r.first_sample.reward.mean).toBeCloseTo(firstMean, 12);
    expect(r.baseline.reward.mean).toBeCloseTo(baseline, 12);
    expect(r.best_of_n.reward.mean).toBeCloseTo(0, 12);
    expect(r.difference.reward.mean).toBeCloseTo(-baseline, 12);
    expect(r.difference.reward.n).toBe(9);
    expect(r.best_of_n.distance.mean).toBeCloseTo(0, 12);
    expect(r.best_of_n.values.mean.benevolence).toBeCloseTo(0.2, 12);
    expect(r.baseline.values.mean.benevolence).toBeCloseTo((-0.9 + 0.2 + 0.9 + 0.6) / 4, 12);
    expect(r.baseline.rewards).toHaveLength(9);
    // one judge: held-out is the proxy, and the output says so
    expect(result.heldout).toEqual(result.proxy);
    expect(result.select_judge).toEqual({ id: 'test-judge', version: '1' });
    expect(result.warnings.join(' ')).toMatch(/Goodhart/);
    expect(result.warnings.join(' ')).toMatch(/no calibrated mask threshold; using 0.5/);
    // the curve: n = 1 is the baseline, n = 4 the pick; best of 2 from {−1.9, 0, −0.1, −0.4}: Σ C(i−1, 1)/6 · r_(i)
    expect(result.curve.map((c) => c.n)).toEqual([1, 2, 4]);
    expect(result.curve[0]!.proxy.mean).toBeCloseTo(baseline, 12);
    expect(result.curve[1]!.proxy.mean).toBeCloseTo((1 * -0.4 + 2 * -0.1 + 3 * 0) / 6, 12);
    expect(result.curve[2]!.proxy.mean).toBeCloseTo(0, 12);
    // quality: answer-1 rates 4, others 8 → first sample (2·(8 + 4 + 8 + 8) + 8)/9, best 4
    expect(result.quality?.rater).toBe('quality:openai:q');
    expect(result.quality!.first_sample.mean).toBeCloseTo(64 / 9, 12);
    expect(result.quality!.best_of_n.mean).toBe(4);
    expect(result.quality!.difference.mean).toBeCloseTo(4 - 64 / 9, 12);

    // results are read back from the store the same way
    const again = await loadAlignResults(store, result.run, { b: 300 });
    expect(again.proxy.difference.reward).toEqual(result.proxy.difference.reward);
    expect(again.quality?.rater).toBe('quality:openai:q');
  });

  it('exports DPO, SFT and KTO in TRL formats, de-duplicated, with a sidecar, and reads them back', async () => {
    const runs = await store.runs.list({ limit: 5 });
    const run = runs.find((r) => r.kind === 'align')!.id;
    const read = (f: string) => readFileSync(f, 'utf8').trim().split('\n').map((l) => JSON.parse(l));

    const dpo = await exportRun(store, run, join(dir, 'dpo.jsonl'), { format: 'dpo' });
    expect(dpo).toMatchObject({ rows: 8, prompts: 9, skipped: { duplicate: 1, no_margin: 0 } });
    const dpoRows = read(dpo.output);
    expect(dpoRows.find((r) => r.prompt.startsWith('Q0'))).toEqual({ prompt: 'Q0: what should I do?', chosen: 'answer-1', rejected: 'answer-0' });
    expect(new Set(dpoRows.map((r) => r.prompt)).size).toBe(8);
    const meta = JSON.parse(readFileSync(`${dpo.output}.meta.json`, 'utf8'));
    expect(meta).toMatchObject({ run, format: 'dpo', target: { id: 'ideal' }, judge: { id: 'test-judge', version: '1' }, rows: 8 });

    const chat = read((await exportRun(store, run, join(dir, 'dpo-chat.jsonl'), { format: 'dpo', chat: true })).output);
    expect(chat.find((r) => r.prompt[0].content.startsWith('Q0'))).toEqual({ prompt: [{ role: 'user', content: 'Q0: what should I do?' }], chosen: [{ role: 'assistant', content: 'answer-1' }], rejected: [{ role: 'assistant', content: 'answer-0' }] });

    const none = await exportRun(store, run, join(dir, 'dpo-margin.jsonl'), { format: 'dpo', minMargin: 2 });
    expect(none).toMatchObject({ rows: 0, skipped: { no_margin: 9 } });

    const sft = read((await exportRun(store, run, join(dir, 'sft.jsonl'), { format: 'sft' })).output);
    expect(sft).toHaveLength(8);
    expect(sft.find((r) => r.prompt.startsWith('Q0'))).toEqual({ prompt: 'Q0: what should I do?', completion: 'answer-1' });
    const sftChat = read((await exportRun(store, run, join(dir, 'sft-chat.jsonl'), { format: 'sft', chat: true })).output);
    expect(sftChat.find((r) => r.messages[0].content.startsWith('Q0'))).toEqual({ messages: [{ role: 'user', content: 'Q0: what should I do?' }, { role: 'assistant', content: 'answer-1' }] });

    const kto = read((await exportRun(store, run, join(dir, 'kto.jsonl'), { format: 'kto' })).output);
    expect(kto).toHaveLength(16);
    expect(kto.filter((r) => r.prompt.startsWith('Q0'))).toEqual([
      { prompt: 'Q0: what should I do?', completion: 'answer-1', label: true },
      { prompt: 'Q0: what should I do?', completion: 'answer-0', label: false },
    ]);
  });

  it('reports a best-of-N run: target and both arms on one radar, both reward distributions, numbers with N and CIs', async () => {
    const run = (await store.runs.list({ limit: 5 })).find((r) => r.kind === 'align')!.id;
    const data = await loadReportData(store, run, { b: 200 });
    expect(data.run.kind).toBe('align');
    expect(data.align!.arms.map((a) => a.label)).toEqual(['baseline (mean of 4)', 'best-of-4']);
    expect(data.align!.curve.map((c) => c.n)).toEqual([1, 2, 4]);
    expect(data.align!.arms[1]!.rewards).toHaveLength(9);
    expect(data.align!.target.vector).toEqual([0, 0, 0, 1, 0, 1, 0, 1, 1, 1]);
    const html = renderReport(data, { generatedAt: new Date('2026-01-01T00:00:00Z') });
    expect(html).toContain('<section id="align"><h2>Best-of-N</h2>');
    expect(html).toContain("default-src &#39;none&#39;");
    const radar = /<svg[^>]*class="chart radar"[\s\S]*?<\/svg>/.exec(html)![0];
    expect(radar).toContain('data-model="target"');
    expect(radar).toContain('data-model="baseline (mean of 4)"');
    expect(radar).toContain('data-model="best-of-4"');
    const bars = /<svg[^>]*class="chart bars"[\s\S]*?<\/svg>/.exec(html)![0];
    expect(bars).toContain('reward distribution of both arms');
    // best-of-4 has all 9 prompts at reward 0: the top bin holds 100% of them
    expect(bars).toMatch(/best-of-4 — [-0-9.]+…0\.00: share of prompts 100\.0%/);
    expect(html).toContain('difference (best − baseline, paired)');
    const curve = /<svg[^>]*class="chart lines values"[\s\S]*?<\/svg>/.exec(html)![0];
    expect(curve).toContain('Best-of-n: the proxy against the held-out judge');
    expect(curve).toContain('n = 4: 0.000');
    expect(html).toContain('Goodhart');
    expect(html).toContain('quality:openai:q');
    expect(html).not.toContain('<section id="summary">');
  });
});
