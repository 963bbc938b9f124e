/** One sample in full: the prompt, the completion, every judgment (score, values, rationale), and flagging. */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { VALUE_AXES } from './metrics.tsx';
import type { Source } from './source.ts';
import { ErrorBox, Loading, signed, useAsync } from './ui.tsx';

export function SampleView({ source, runId, sampleId, onClose, onFlagged }: { source: Source; runId: string; sampleId: string; onClose(): void; onFlagged(): void }): ReactNode {
  const detail = useAsync(() => source.sample(runId, sampleId), `${runId}/${sampleId}`);
  const [reason, setReason] = useState('');
  const [flagError, setFlagError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const panel = useRef<HTMLElement>(null);
  useEffect(() => {
    panel.current?.focus();
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  const flag = async (judgmentId: string): Promise<void> => {
    setBusy(true);
    setFlagError(undefined);
    try {
      await source.flag(judgmentId, reason);
      setReason('');
      detail.reload();
      onFlagged();
    } catch (e) {
      setFlagError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  const d = detail.data;
  return (
    <aside className="drawer" ref={panel} tabIndex={-1} aria-label="Sample" id="sample-view">
      <div className="drawer-head">
        <h2>Sample {d ? `${d.sample.model} #${d.sample.sampleIndex}` : ''}</h2>
        <button type="button" onClick={onClose} aria-label="Close (Escape)">×</button>
      </div>
      {detail.error ? <ErrorBox error={detail.error} /> : !d ? <Loading what="the sample" /> : (
        <>
          <dl className="facts">
            <div><dt>Prompt</dt><dd>{d.sample.promptId ?? d.sample.taskId}</dd></div>
            <div><dt>Foundation</dt><dd>{d.sample.foundation ?? '—'}</dd></div>
            {d.sample.principle ? <div><dt>Principle</dt><dd>{d.sample.principle}</dd></div> : null}
          </dl>
          <h3>Prompt</h3>
          <div className="text">{d.sample.prompt}</div>
          <h3>Completion</h3>
          {d.sample.error ? <p className="error">The call failed: {d.sample.error}</p> : <div className="text completion">{d.sample.text}</div>}
          <h3>Judgments</h3>
          {d.judgments.length === 0 ? <p className="muted">Not judged.</p> : null}
          {d.judgments.map((j) => (
            <div key={j.id} className={`judgment${j.primary ? ' primary' : ''}`} data-judgment={j.id}>
              <p>
                <strong>{j.judgeId}</strong>{j.judgeVersion ? ` ${j.judgeVersion}` : ''}{j.primary ? ' (the run\'s judge)' : ''} · violation <strong className="score-value">{j.violation === null ? '—' : j.violation.toFixed(3)}</strong>
                {j.disputes.length ? <span className="tag disputed-tag"> disputed ×{j.disputes.length}</span> : null}
              </p>
              {j.rationale ? <p className="rationale">{j.rationale}</p> : null}
              {j.values ? (
                <table className="values compact"><tbody>
                  {VALUE_AXES.filter((a) => j.values![a.id] !== undefined).map((a) => (
                    <tr key={a.id}><th scope="row">{a.label}</th><td className={`num ${j.values![a.id]! > 0.05 ? 'pos' : j.values![a.id]! < -0.05 ? 'neg' : ''}`}>{signed(j.values![a.id])}</td></tr>
                  ))}
                </tbody></table>
              ) : null}
              {j.disputes.length ? <ul className="disputes">{j.disputes.map((x) => <li key={x.id}>{x.createdAt.slice(0, 16).replace('T', ' ')}: {x.reason || <em>no reason given</em>}</li>)}</ul> : null}
              {source.live ? (
                <form className="flag" onSubmit={(e) => { e.preventDefault(); void flag(j.id); }}>
                  <label>Why is this judgment wrong? <input name="reason" value={reason} maxLength={2000} onChange={(e) => setReason(e.target.value)} placeholder="optional" /></label>
                  <button type="submit" disabled={busy}>Flag as wrong</button>
                </form>
              ) : <p className="muted small">Static export: flag judgments in the live viewer.</p>}
            </div>
          ))}
          {flagError ? <ErrorBox error={flagError} /> : null}
        </>
      )}
    </aside>
  );
}
