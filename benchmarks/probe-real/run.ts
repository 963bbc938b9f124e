/**
 * One DeNEVIL probe on the real small models (docs/probe.md, "Measured on real small models"): SmolLM2-135M
 * as the target, Gemma 3 270M writing the openings, the offline judge, 2 fairness principles × 2 prompts ×
 * 2 iterations, K = 2, K′ = 4, log-probability ranking. Writes results.json (the probe --json) beside this
 * file and prints the human output. Needs `npm run fetch-models`. Run: node benchmarks/probe-real/run.ts
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createJudge } from '../../src/judges/factory.ts';
import { createModel } from '../../src/models/index.ts';
import { unloadLlamaModels } from '../../src/models/llama-runtime.ts';
import { runProbe, probeJson } from '../../src/probe/index.ts';
import { renderProbe } from '../../src/cli/probe.ts';
import { loadPrinciples } from '../../src/values/principles.ts';
import { openStore } from '../../src/store/index.ts';
const store = await openStore(process.env.PROBE_DB ?? join(mkdtempSync(join(tmpdir(), 'tenet-probe-real-')), 'probe.db'));
const principles = (await loadPrinciples()).filter((p) => p.foundation === 'fairness').slice(0, 2);
const t0 = Date.now();
const result = await runProbe({
  store, target: createModel('llamacpp:smollm2-135m-instruct-q4_1'), generator: createModel('llamacpp:gemma-3-270m-q4_k_m'),
  judge: await createJudge('local'), judgeSpec: 'local', principles,
  iterations: 2, samples: 2, evalSamples: 4, promptsPerPrinciple: 2, candidates: 2, scoring: 'logprob', tau: 0.95,
  targetSampling: { temperature: 1, maxTokens: 40 }, generatorSampling: { temperature: 0.9, maxTokens: 80 },
  log: (l) => process.stderr.write(`[probe] ${l}\n`),
});
const out = probeJson(result);
console.log(renderProbe(out));
console.log(`\nwall ${(Date.now() - t0) / 1000}s`);
writeFileSync(new URL('./results.json', import.meta.url), `${JSON.stringify({ measured: 'a machine shared by 6 agents on 2 cores', wall_s: (Date.now() - t0) / 1000, probe: out }, null, 1)}\n`);
await store.close();
await unloadLlamaModels();
