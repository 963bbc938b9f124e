/**
 * VILMO's hand-off to a trainer: the (prompt, best instruction) pairs its training found, in TRL's formats, so
 * that the paper's fine-tuned generator can be trained elsewhere (LoRA/SFT on these rows) and then used as
 * `tenet align vilmo --generator SPEC`. The prompt of each row is exactly the generator's meta-prompt with no
 * examples (what a generator sees in round 0), so a generator tuned on the rows gets at run time the input it
 * was tuned on (`--rounds 0` measures it as tuned; more rounds add in-context training on top).
 *
 *   sft  {prompt, completion}            the best instruction of each training prompt (over all rounds)
 *   dpo  {prompt, chosen, rejected}      best vs worst candidate of a prompt
 *   kto  {prompt, completion, label}     best (true) and worst (false)
 *
 * `chat` gives the conversational variants, as `tenet align export` does for best-of-N runs. Only training
 * prompts are exported: validation and test prompts stay held out.
 */
import { createHash } from 'node:crypto';
import type { Store } from '../../store/index.ts';
import { vilmoRunConfigOf } from './config.ts';
import { generateMessages } from './prompts.ts';
import { readStoredRun, storedSplit } from './stored.ts';
import { roundResults, type Candidate } from './train.ts';

export interface VilmoExportOptions {
  format: 'sft' | 'dpo' | 'kto';
  chat?: boolean;
  /** dpo/kto: smallest conformity margin best − worst (default 0; a pair always needs some). */
  minMargin?: number;
  /** sft (and the chosen side): smallest conformity of the best instruction (default 0.5). */
  minConformity?: number;
}

const user = (content: string) => [{ role: 'user', content }];
const assistant = (content: string) => [{ role: 'assistant', content }];

export async function vilmoExportRows(store: Store, runId: string, options: VilmoExportOptions): Promise<{ rows: Record<string, unknown>[]; prompts: number; skipped: { no_margin: number; duplicate: number; below_conformity: number }; meta: Record<string, unknown> }> {
  const { run, config } = await vilmoRunConfigOf(store, runId);
  const stored = await readStoredRun(store, runId, config);
  const train = storedSplit(stored).train;
  const best = new Map<string, Candidate & { round: number }>();
  const worst = new Map<string, Candidate & { round: number }>();
  for (let r = 0; r < config.rounds; r++) {
    for (const x of roundResults(stored, r, train, config.candidates)) {
      const b = best.get(x.prompt.id);
      if (!b || x.best.conformity > b.conformity) best.set(x.prompt.id, { ...x.best, round: r });
      const w = worst.get(x.prompt.id);
      if (!w || x.worst.conformity < w.conformity) worst.set(x.prompt.id, { ...x.worst, round: r });
    }
  }
  const minMargin = options.minMargin ?? 0;
  const minConformity = options.minConformity ?? 0.5;
  const chat = Boolean(options.chat);
  const rows: Record<string, unknown>[] = [];
  const seen = new Set<string>();
  const skipped = { no_margin: 0, duplicate: 0, below_conformity: 0 };
  const add = (key: unknown[], row: Record<string, unknown>): void => {
    const h = createHash('sha256').update(JSON.stringify(key)).digest('hex');
    if (seen.has(h)) skipped.duplicate++;
    else {
      seen.add(h);
      rows.push(row);
    }
  };
  for (const p of train) {
    const b = best.get(p.id);
    const w = worst.get(p.id);
    if (!b || !w) continue;
    if (b.conformity < minConformity || !b.instruction) {
      skipped.below_conformity++;
      continue;
    }
    const prompt = generateMessages(p.prompt, { examples: [], summary: '' })[0]!.content;
    if (options.format === 'sft') {
      add([prompt, b.instruction], chat ? { messages: [...user(prompt), ...assistant(b.instruction)] } : { prompt, completion: b.instruction });
      continue;
    }
    const margin = b.conformity - w.conformity;
    if (!(margin > 0) || margin < minMargin || b.instruction === w.instruction) {
      skipped.no_margin++;
      continue;
    }
    if (options.format === 'dpo') {
      add([prompt, b.instruction, w.instruction], chat ? { prompt: user(prompt), chosen: assistant(b.instruction), rejected: assistant(w.instruction) } : { prompt, chosen: b.instruction, rejected: w.instruction });
    } else {
      add([prompt, b.instruction, true], chat ? { prompt: user(prompt), completion: assistant(b.instruction), label: true } : { prompt, completion: b.instruction, label: true });
      add([prompt, w.instruction, false], chat ? { prompt: user(prompt), completion: assistant(w.instruction), label: false } : { prompt, completion: w.instruction, label: false });
    }
  }
  const meta = {
    run: run.id,
    method: 'vilmo',
    format: options.format,
    chat,
    trl: options.format === 'dpo' ? 'DPOTrainer (preference)' : options.format === 'sft' ? 'SFTTrainer' : 'KTOTrainer (unpaired preference)',
    target: config.target.spec,
    generator: config.generator.spec,
    judge: config.judge,
    samples: config.samples,
    candidates: config.candidates,
    rounds: config.rounds,
    min_conformity: minConformity,
    min_margin: minMargin,
    prompts: train.length,
    rows: rows.length,
    skipped,
    pairing: options.format === 'sft'
      ? "the highest-conformity instruction of each training prompt over all rounds; prompt = the generator's meta-prompt with no examples (prompts/align/vilmo-generate.v1.md)"
      : 'the highest- vs the lowest-conformity candidate instruction of each training prompt over all rounds',
    use: 'fine-tune a generator on these rows, serve it, then: tenet align vilmo --generator SPEC_OF_THE_TUNED_MODEL --rounds 0 ...',
  };
  return { rows, prompts: train.length, skipped, meta };
}
