/**
 * The Label page's reads and writes: a run's label samples (drawn and stored by src/labels/sample.ts, the
 * same sample `tenet labels export` writes), its items as a labeller sees them (blind: no score, verdict,
 * stratum or weight), and the labels (append-only, table `labels`).
 */
import { blindTexts, ensureLabelSample } from '../labels/sample.ts';
import type { Store } from '../store/index.ts';
import type { LabelAnswer, LabelItems, LabelSampleInfo } from './api.ts';
import { getRunItem } from './queries.ts';

export async function labelSamples(store: Store, runId: string): Promise<LabelSampleInfo[]> {
  await getRunItem(store, runId);
  return (await store.labels.samples(runId)).map((s) => ({ seed: s.seed, size: s.size, createdAt: s.createdAt }));
}

export async function drawLabelSampleView(store: Store, runId: string, size: number, seed: number): Promise<LabelSampleInfo> {
  const items = await ensureLabelSample(store, runId, { size, seed });
  return { seed, size: items.length, createdAt: items[0]!.createdAt };
}

export async function labelItems(store: Store, runId: string, seed: number, labeller: string | undefined): Promise<LabelItems> {
  const items = await ensureLabelSample(store, runId, { seed });
  const texts = await blindTexts(store, items.map((i) => i.sampleId));
  const labels = await store.labels.list(runId, seed);
  const mine = labeller ? [...new Set(labels.filter((l) => l.labeller === labeller.trim()).map((l) => l.itemId))] : [];
  return {
    run: runId,
    seed,
    items: items.map((i) => {
      const t = texts.get(i.sampleId);
      return { itemId: i.id, position: i.position, prompt: t?.prompt ?? '', principle: t?.principle ?? null, foundation: t?.foundation ?? null, completion: t?.completion ?? '' };
    }),
    labelled: mine,
    labellers: new Set(labels.map((l) => l.labeller)).size,
  };
}

export async function addLabel(store: Store, body: { itemId: string; label: LabelAnswer['label']; labeller: string }): Promise<LabelAnswer> {
  const { labels } = await store.labels.add([body]);
  const l = labels[0]!;
  return { id: l.id, itemId: l.itemId, label: l.label, labeller: l.labeller, createdAt: l.createdAt };
}
