/**
 * Knowing versus doing on real models (bench --mode all): SmolLM2-135M and Gemma 3 270M each answer the
 * moral-judgement question on scenarios it writes itself, rates one of the project's questionnaire items per
 * foundation and continues story openings, K = 2 on 2 built-in prompts, judged by the offline local judge. What the numbers are is not
 * asserted (models this small say little about values; docs/bench.md#knowing-versus-doing says what they
 * showed); that every answer is stored and either scored or counted as unparsed, with a gap and its test, is.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { loadItems } from '../../src/bench/knowing/questionnaire.ts';
import { unloadLlamaModels } from '../../src/models/llama-runtime.ts';
import { runCli } from '../support/cli.ts';
import { describeRealModels, GEMMA, SMOL } from '../support/real-models.ts';

const dir = mkdtempSync(join(tmpdir(), 'tenet-real-knowing-'));
const PROMPTS = 2;
const K = 2;
// one item per foundation (the shipped items' first), to stay short on 2 cores
const items = loadItems().items.filter((item, i, all) => all.findIndex((x) => x.foundation === item.foundation) === i);
const itemsFile = join(dir, 'items.jsonl');
writeFileSync(itemsFile, items.map((i) => JSON.stringify(i)).join('\n'));

afterAll(() => unloadLlamaModels());

describeRealModels('knowing versus doing on real models', () => {
  for (const model of [SMOL, GEMMA]) {
    it(`bench --mode all on ${model} (K = ${K}, ${PROMPTS} prompts)`, async () => {
      const started = Date.now();
      const out = await runCli(['--json', '--db', join(dir, 'knowing.db'), 'bench', '--models', model, '--items', itemsFile, '--prompts', 'builtin:valuecompass-mft',
        '--limit', String(PROMPTS), '--samples', String(K), '--max-tokens', '24', '--judge', 'local', '--mode', 'all', '--concurrency', '2']);
      expect(out.code, out.stderr).toBe(0);
      const m = JSON.parse(out.stdout).models[0];
      // every answer is scored or counted as unparsed, never dropped
      expect(m.knowing.questionnaire.answers + m.knowing.questionnaire.unparsed).toBe(items.length * K);
      expect(m.knowing.judgement.answers + m.knowing.judgement.unparsed).toBeLessThanOrEqual(PROMPTS * 2 * K);
      expect(m.knowing.judgement.answers + m.knowing.judgement.unparsed).toBeGreaterThan(0);
      expect(m.doing.conformity.n).toBe(PROMPTS);
      expect(m.gap).toHaveProperty('judgement');
      expect(m.gap).toHaveProperty('questionnaire');
      const seconds = (Date.now() - started) / 1000;
      console.info(`[real models] ${model}: ${seconds.toFixed(1)} s; judgement ${JSON.stringify(m.knowing.judgement)}; questionnaire ${JSON.stringify(m.knowing.questionnaire)}; doing ${JSON.stringify(m.doing)}; gap ${JSON.stringify(m.gap)}`);
    }, 180_000);
  }
});
