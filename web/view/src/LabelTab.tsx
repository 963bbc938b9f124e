/**
 * The Label page of a run: people label the run's stratified label sample, one item at a time, blind (the
 * judge's score and verdict are never sent to the page). Keyboard-first: v = violates, d = does not,
 * u = unsure, and the next unlabelled item shows at once (the answer is saved in the background, in order).
 * The labeller's name is asked once and kept in localStorage; the page resumes at the first item this
 * labeller has not labelled, so several people can label one sample, each at their own pace.
 */
import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import type { LabelAnswer, LabelItems, RunSummary } from '../../../src/view/api.ts';
import { useRoute } from './route.ts';
import type { Source } from './source.ts';
import { ErrorBox, Loading, useAsync } from './ui.tsx';

const NAME_KEY = 'tenet-labeller';
const KEYS: Record<string, LabelAnswer['label']> = { v: 'violates', d: 'does_not', u: 'unsure' };
const ANSWERS: { label: LabelAnswer['label']; key: string; text: string }[] = [
  { label: 'violates', key: 'v', text: 'Violates' },
  { label: 'does_not', key: 'd', text: 'Does not' },
  { label: 'unsure', key: 'u', text: 'Unsure' },
];

function readName(): string {
  try {
    return localStorage.getItem(NAME_KEY) ?? '';
  } catch {
    return '';
  }
}

function NameForm({ onName }: { onName(name: string): void }): ReactNode {
  const [value, setValue] = useState('');
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    if (value.trim()) onName(value.trim());
  };
  return (
    <form className="label-name" onSubmit={submit}>
      <label>Your name (kept with every label you give; asked once) <input id="labeller-name" autoFocus value={value} maxLength={200} onChange={(e) => setValue(e.target.value)} /></label>
      <button type="submit" disabled={!value.trim()}>Start labelling</button>
    </form>
  );
}

function DrawForm({ onDraw }: { onDraw(size: number, seed: number): Promise<void> }): ReactNode {
  const [size, setSize] = useState('120');
  const [seed, setSeed] = useState('1');
  const [error, setError] = useState<string>();
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    onDraw(Number(size), Number(seed)).catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)));
  };
  return (
    <form className="label-draw" onSubmit={submit}>
      <p>This run has no label sample yet. Draw one: a stratified random sample of its judged samples (strata: model × judge-score band, so that both the judge's sensitivity and its specificity can be estimated), stored, and the same one <code>tenet labels export</code> writes.</p>
      <label>Items <input id="label-size" type="number" min={1} max={10000} value={size} onChange={(e) => setSize(e.target.value)} /></label>{' '}
      <label>Seed <input id="label-seed" type="number" min={0} value={seed} onChange={(e) => setSeed(e.target.value)} /></label>{' '}
      <button type="submit">Draw sample</button>
      {error ? <ErrorBox error={error} /> : null}
    </form>
  );
}

function Labeller({ source, data, name }: { source: Source; data: LabelItems; name: string }): ReactNode {
  const [done, setDone] = useState(() => new Set(data.labelled));
  const [saved, setSaved] = useState(0);
  const [pending, setPending] = useState(0);
  const [error, setError] = useState<string>();
  const chain = useRef<Promise<unknown>>(Promise.resolve());
  const items = data.items;
  const firstOpen = (from: number, marked: Set<string>): number => {
    for (let k = 0; k < items.length; k++) {
      const i = (from + k) % items.length;
      if (!marked.has(items[i]!.itemId)) return i;
    }
    return -1;
  };
  const [index, setIndex] = useState(() => firstOpen(0, new Set(data.labelled)));
  const item = index >= 0 ? items[index] : undefined;

  const answer = useCallback((label: LabelAnswer['label']) => {
    if (!item) return;
    const marked = new Set(done).add(item.itemId);
    setDone(marked);
    setIndex(firstOpen(index + 1, marked));
    setPending((p) => p + 1);
    chain.current = chain.current.then(() => source.label(item.itemId, label, name)).then(
      () => setSaved((s) => s + 1),
      (e: unknown) => setError(`not saved: ${e instanceof Error ? e.message : String(e)}`),
    ).finally(() => setPending((p) => p - 1));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [item, done, index, source, name]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.ctrlKey || e.metaKey || e.altKey || e.repeat) return;
      const target = e.target as HTMLElement | null;
      if (target && ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName)) return;
      const label = KEYS[e.key.toLowerCase()];
      if (!label) return;
      e.preventDefault();
      answer(label);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [answer]);

  return (
    <div className="labeller">
      <p className="label-progress" id="label-progress" role="status">
        {item ? `Item ${index + 1} of ${items.length}` : 'All done'} · <span id="label-done-count">{done.size}</span> of {items.length} labelled by {name}
        {' · '}<span id="label-saved" data-pending={pending} data-saved={saved}>{pending > 0 ? `saving ${pending}…` : 'all saved'}</span>
        {data.labellers > 1 ? ` · ${data.labellers} labellers on this sample` : ''}
      </p>
      <progress max={items.length} value={done.size} aria-label="labelled" />
      {error ? <ErrorBox error={error} /> : null}
      {item ? (
        <article className="label-item" id="label-item" data-item={item.itemId}>
          <dl className="facts">
            {item.foundation ? <div><dt>Foundation</dt><dd>{item.foundation}</dd></div> : null}
            {item.principle ? <div><dt>Principle</dt><dd>{item.principle}</dd></div> : null}
          </dl>
          <h3>Prompt</h3>
          <pre className="text">{item.prompt}</pre>
          <h3>Completion</h3>
          <pre className="text" id="label-completion">{item.completion}</pre>
          <p className="label-question">Does the completion violate the principle?</p>
          <div className="label-answers">
            {ANSWERS.map((a) => (
              <button key={a.label} type="button" onClick={() => answer(a.label)}><kbd>{a.key}</kbd> {a.text}</button>
            ))}
          </div>
        </article>
      ) : (
        <p id="label-finished">All {items.length} items of this sample are labelled by {name}. Compute the judge's calibration with <code>tenet judge calibrate {data.run}{` --seed ${data.seed}`}</code>.</p>
      )}
    </div>
  );
}

export function LabelTab({ source, summary }: { source: Source; summary: RunSummary }): ReactNode {
  const runId = summary.run.id;
  const route = useRoute();
  const [name, setName] = useState(readName);
  const samples = useAsync(() => (source.live ? source.labelSamples(runId) : Promise.resolve([])), `${runId}`);
  const seeds = useMemo(() => (samples.data ?? []).map((s) => s.seed), [samples.data]);
  const wanted = Number(route.params.get('seed') ?? Number.NaN);
  const seed = seeds.includes(wanted) ? wanted : seeds[0];
  const items = useAsync(() => (seed === undefined || !name ? Promise.resolve(undefined) : source.labelItems(runId, seed, name)), `${runId}/${seed}/${name}`);

  if (!source.live) return <p className="muted">Labelling needs the live viewer (<code>tenet view</code>); a static export cannot store labels.</p>;
  if (!name) {
    return <NameForm onName={(n) => {
      try { localStorage.setItem(NAME_KEY, n); } catch { /* private mode: asked again next time */ }
      setName(n);
    }} />;
  }
  if (samples.error) return <ErrorBox error={samples.error} />;
  if (!samples.data) return <Loading what="label samples" />;
  const header = (
    <p className="muted label-head">
      Labelling as <strong id="labeller">{name}</strong> (<button type="button" className="link" onClick={() => { try { localStorage.removeItem(NAME_KEY); } catch { /* ignore */ } setName(''); }}>not you?</button>).
      Blind: the judge's score and verdict are not shown. Keys: <kbd>v</kbd> violates, <kbd>d</kbd> does not, <kbd>u</kbd> unsure.
      {seeds.length > 1 ? (
        <> Sample: <select value={seed} onChange={(e) => route.set({ seed: e.target.value })}>{samples.data.map((s) => <option key={s.seed} value={s.seed}>seed {s.seed} ({s.size} items)</option>)}</select></>
      ) : null}
    </p>
  );
  if (seed === undefined) return <>{header}<DrawForm onDraw={async (size, s) => { await source.drawLabelSample(runId, size, s); samples.reload(); }} /></>;
  if (items.error) return <ErrorBox error={items.error} />;
  if (!items.data) return <Loading what="the items to label" />;
  return <>{header}<Labeller key={`${seed}/${name}`} source={source} data={items.data} name={name} /></>;
}
