/**
 * `tenet workers status`: the workers registered with pg-boss (alive or quiet), and per run the units
 * queued, active, done and failed, with the throughput of the last minute.
 */
import { BOSS_SCHEMA, createBoss, queueTarget, startBoss, workerInstanceName } from './queue.ts';

export interface WorkerInfo {
  host: string;
  pid: number;
  alive: boolean;
  startedAt: string;
  lastHeartbeatAt: string;
  /** Units in hand at the last heartbeat. */
  active: number;
  concurrency: number | null;
  rssMb: number | null;
  /** CPU cores in use at the last heartbeat. */
  cpu: number | null;
}

export interface RunQueueCounts {
  run: string;
  queued: number;
  active: number;
  done: number;
  failed: number;
  cancelled: number;
  /** Units completed in the last 60 s, per minute. */
  unitsPerMinute: number;
}

export interface WorkersStatus {
  queue: string;
  workers: WorkerInfo[];
  alive: number;
  runs: RunQueueCounts[];
}

export async function workersStatus(db: string | undefined): Promise<WorkersStatus> {
  const target = queueTarget(db, 'tenet workers status');
  const { url, queue } = target;
  const boss = createBoss(url, { supervise: false, schedule: false, registerInstance: false, max: 2 });
  boss.on('error', () => {});
  await startBoss(boss, target);
  try {
    const instances = await boss.getInstances();
    const workers: WorkerInfo[] = instances
      .filter((i) => i.name === workerInstanceName(queue) && i.stoppedOn === null)
      .map((i) => {
        const mine = i.workers.filter((w) => w.queue === queue);
        return {
          host: i.host,
          pid: i.pid,
          alive: i.live,
          startedAt: new Date(i.startedOn).toISOString(),
          lastHeartbeatAt: new Date(i.heartbeatOn).toISOString(),
          active: mine.reduce((s, w) => s + w.active, 0),
          concurrency: mine.length ? mine.reduce((s, w) => s + w.localConcurrency, 0) : null,
          rssMb: i.metrics?.rss ? Math.round(i.metrics.rss / 2 ** 20) : null,
          cpu: i.metrics?.cpu ?? null,
        };
      })
      .sort((a, b) => Number(b.alive) - Number(a.alive) || a.host.localeCompare(b.host) || a.pid - b.pid);
    const { rows } = await boss.getDb().executeSql(
      `SELECT data->'unit'->>'runId' AS run,
              count(*) FILTER (WHERE state IN ('created', 'retry'))::int AS queued,
              count(*) FILTER (WHERE state = 'active')::int AS active,
              count(*) FILTER (WHERE state = 'completed')::int AS done,
              count(*) FILTER (WHERE state = 'failed')::int AS failed,
              count(*) FILTER (WHERE state = 'cancelled')::int AS cancelled,
              count(*) FILTER (WHERE state = 'completed' AND completed_on > now() - interval '60 seconds')::int AS recent,
              max(coalesce(completed_on, started_on, created_on)) AS latest
         FROM ${BOSS_SCHEMA}.job WHERE name = $1 GROUP BY 1 ORDER BY latest DESC`,
      [queue],
    );
    const runs = (rows as (Omit<RunQueueCounts, 'unitsPerMinute'> & { recent: number })[]).map(({ recent, ...r }) => ({
      run: r.run, queued: r.queued, active: r.active, done: r.done, failed: r.failed, cancelled: r.cancelled, unitsPerMinute: recent,
    }));
    return { queue, workers, alive: workers.filter((w) => w.alive).length, runs };
  } finally {
    await boss.stop({ graceful: false, close: true }).catch(() => {});
  }
}

export function formatWorkersStatus(s: WorkersStatus): string {
  const lines = [`workers: ${s.alive} alive${s.workers.length > s.alive ? `, ${s.workers.length - s.alive} quiet (no heartbeat for 30 s: stopped without notice or cut off)` : ''}`];
  for (const w of s.workers) {
    lines.push(`  ${w.alive ? 'alive' : 'quiet'}  ${w.host} pid ${w.pid}  units in hand ${w.active}${w.concurrency ? `/${w.concurrency}` : ''}  rss ${w.rssMb ?? '?'} MB  cpu ${w.cpu === null ? '?' : w.cpu.toFixed(2)}  since ${w.startedAt}  last heard ${w.lastHeartbeatAt}`);
  }
  if (s.runs.length === 0) lines.push('', `no units on the queue (${s.queue})`);
  else {
    lines.push('', 'run                      queued  active    done  failed  cancelled  units/min');
    for (const r of s.runs) {
      lines.push(`${r.run.padEnd(24)} ${String(r.queued).padStart(6)}  ${String(r.active).padStart(6)}  ${String(r.done).padStart(6)}  ${String(r.failed).padStart(6)}  ${String(r.cancelled).padStart(9)}  ${String(r.unitsPerMinute).padStart(9)}`);
    }
  }
  return lines.join('\n');
}
