/**
 * Calibrate a judge's BaseAlign mask threshold (src/align/mask.ts, docs/align.md "The mask threshold"): the
 * threshold that keeps the same share of (response, value) cells as FULCRA's annotators marked as a relation.
 *
 *   node scripts/mask-threshold.ts [JUDGE_SPEC=local-fast] [FULCRA_DIR=../shared/data/fulcra]
 *
 * p = share of the 10 value cells labelled −1 or +1 (not 0) over the held-out test part of
 * fulcra/trustworthy-dev.jsonl (the local judges' split, src/judges/local/split.ts: they never trained on it);
 * the threshold t is the smallest |E| cut with share(|E_k| > t) ≤ p over the judge's readings of the same
 * responses. For reference it also prints the share FULCRA's own mask (|E| > 0.3) keeps on its evaluator files.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadFulcra } from '../src/judges/datasets.ts';
import { createJudge } from '../src/judges/factory.ts';
import { partOfPrompt } from '../src/judges/local/split.ts';
import { vectorFromJudge } from '../src/align/reward.ts';
import { CONFIDENCE_THRESHOLD } from '../src/align/reward.ts';
import { maskThresholdForShare } from '../src/align/mask.ts';

const spec = process.argv[2] ?? 'local-fast';
const dir = process.argv[3] ?? ['../shared/data/fulcra', '../../shared/data/fulcra'].find((d) => existsSync(d)) ?? '../shared/data/fulcra';
const items: { prompt: string; response: string }[] = [];
let cells = 0;
let related = 0;
for await (const row of loadFulcra(join(dir, 'trustworthy-dev.jsonl'))) {
  if (partOfPrompt('fulcra-trustworthy', row.prompt) !== 'test') continue;
  items.push({ prompt: row.prompt, response: row.response });
  cells += 10;
  related += row.labels.filter((l) => l !== 0).length;
}
const p = related / cells;
const judge = await createJudge(spec);
const abs: number[] = [];
for (let i = 0; i < items.length; i += 32) {
  for (const r of await judge.judge(items.slice(i, i + 32))) abs.push(...vectorFromJudge(r.values).map(Math.abs));
}
const t = maskThresholdForShare(abs, p);
let fulcraKept = 0;
let fulcraCells = 0;
const vectors = join(dir, 'evaluator-vectors');
if (existsSync(vectors)) {
  for (const f of readdirSync(vectors).filter((n) => n.endsWith('.jsonl'))) {
    for (const line of readFileSync(join(vectors, f), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const v = (JSON.parse(line) as { value_reward: number[] }).value_reward;
      fulcraCells += v.length;
      fulcraKept += v.filter((x) => Math.abs(x) > CONFIDENCE_THRESHOLD).length;
    }
  }
}
const keptAt = (x: number) => abs.filter((a) => a > x).length / abs.length;
console.log(JSON.stringify({
  judge: `${judge.id}@${judge.version}`, spec, rows: items.length, cells,
  annotated_share: Number(p.toFixed(4)), threshold: t, judge_share_kept: Number(keptAt(t).toFixed(4)),
  judge_share_kept_at_0_3: Number(keptAt(CONFIDENCE_THRESHOLD).toFixed(4)), judge_share_kept_at_0_5: Number(keptAt(0.5).toFixed(4)),
  fulcra_evaluator_share_kept_at_0_3: fulcraCells ? Number((fulcraKept / fulcraCells).toFixed(4)) : null,
}, null, 2));
await (judge as { close?: () => Promise<void> }).close?.();
