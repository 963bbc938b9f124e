/**
 * `tenet discover` end to end on 20 real LLM answers (Value Compass, test/fixtures/discover/) with the real
 * small models: SmolLM2-135M extracts and names, all-MiniLM-L6-v2 embeds. A 135M model is a weak extractor:
 * the test checks that the pipeline runs, stores and accounts for every conversation (parsed or unparsed,
 * never dropped), not what it finds; docs/discover.md reports what it found.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { unloadLlamaModels } from '../../src/models/llama-runtime.ts';
import { runCli } from '../support/cli.ts';
import { describeRealModels, ENCODER, SMOL } from '../support/real-models.ts';

const FIXTURE = new URL('../fixtures/discover/valuecompass-20.jsonl', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'tenet-discover-real-'));

afterAll(() => unloadLlamaModels());

describeRealModels('tenet discover with SmolLM2 on 20 real responses', () => {
  it('extracts, organises and counts; a rerun repeats nothing and prints the same', async () => {
    const args = ['--db', join(dir, 'd.db'), 'discover', FIXTURE, '--model', SMOL, '--encoder', ENCODER, '--by', 'meta.model', '--max-tokens', '100', '--max-values', '2', '--concurrency', '2', '--json'];
    const started = Date.now();
    const r = await runCli(args);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('the transcripts stay on this machine');
    const out = JSON.parse(r.stdout);
    process.stderr.write(`[real models] discover: ${out.n_conversations} conversations, ${out.unparsed} unparsed, ${out.values.length} values in ${((Date.now() - started) / 1000).toFixed(0)} s: ${out.values.filter((v: { level: number }) => v.level === 1).slice(0, 8).map((v: { name: string; prevalence: { overall: { value: number } }; framework_match: { id: string } | null }) => `${v.name} ${(v.prevalence.overall.value * 100).toFixed(0)}% ≈${v.framework_match?.id}`).join('; ')}\n`);
    expect(out.n_conversations).toBe(20);
    // every conversation accounted for: parsed (in a group) or unparsed, with why
    expect(Object.values(out.groups as Record<string, number>).reduce((a, b) => a + b, 0) + out.unparsed + out.failed).toBe(20);
    expect(out.unparsed_examples).toHaveLength(out.unparsed);
    for (const v of out.values) {
      expect(v.prevalence.overall.ci[0]).toBeLessThanOrEqual(v.prevalence.overall.value);
      expect(v.prevalence.overall.ci[1]).toBeGreaterThanOrEqual(v.prevalence.overall.value);
      expect(['schwartz', 'mft']).toContain(v.framework_match.framework);
    }
    const again = await runCli(args);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual(out);
  }, 150_000);
});
