// In-process ingest metrics (durations, bytes, backup failures) for /metrics; counts that must hold
// across processes (submissions by status) are read from the database when scraped.
export interface Summary {
  count: number;
  sum: number;
}

export interface IngestMetrics {
  bytesReceived: number;
  bytesStored: number;
  checkSeconds: Summary;
  storeSeconds: Summary;
  backupFailures: Map<string, number>;
  jobFailures: number;
  callbacksDelivered: number;
  callbackFailures: number;
}

export function createMetrics(): IngestMetrics {
  return {
    bytesReceived: 0,
    bytesStored: 0,
    checkSeconds: { count: 0, sum: 0 },
    storeSeconds: { count: 0, sum: 0 },
    backupFailures: new Map(),
    jobFailures: 0,
    callbacksDelivered: 0,
    callbackFailures: 0,
  };
}

export function observe(s: Summary, seconds: number): void {
  s.count++;
  s.sum += seconds;
}

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** Prometheus text exposition (version 0.0.4). */
export function renderMetrics(
  m: IngestMetrics,
  db: { submissions: { status: string; verdict: string | null; n: number }[]; archivedBytes: number; queues: { name: string; depth: number; active: number }[] },
): string {
  const out: string[] = [];
  const metric = (name: string, type: string, help: string, rows: [Record<string, string>, number][]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, v] of rows) {
      const l = Object.entries(labels).map(([k, x]) => `${k}="${esc(x)}"`).join(',');
      out.push(`${name}${l ? `{${l}}` : ''} ${v}`);
    }
  };
  metric('dangan_submissions', 'gauge', 'Submissions by status and verdict (from the database).', db.submissions.map((r) => [{ status: r.status, verdict: r.verdict ?? 'none' }, r.n]));
  metric('dangan_archived_bytes', 'gauge', 'Bytes of packages archived (from the database).', [[{}, db.archivedBytes]]);
  metric('dangan_ingest_received_bytes_total', 'counter', 'Bytes of packages received by this process.', [[{}, m.bytesReceived]]);
  metric('dangan_ingest_stored_bytes_total', 'counter', 'Bytes written to stores by this process (every copy).', [[{}, m.bytesStored]]);
  for (const [name, s, help] of [
    ['dangan_check_duration_seconds', m.checkSeconds, 'Time spent checking packages in this process.'],
    ['dangan_store_duration_seconds', m.storeSeconds, 'Time spent storing packages with their backups in this process.'],
  ] as const) {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} summary`, `${name}_sum ${s.sum}`, `${name}_count ${s.count}`);
  }
  metric('dangan_backup_failures_total', 'counter', 'Failed writes to a store, by store, in this process.', [...m.backupFailures].map(([store, n]) => [{ store }, n]));
  metric('dangan_job_failures_total', 'counter', 'Failed ingest job attempts in this process.', [[{}, m.jobFailures]]);
  metric('dangan_callbacks_total', 'counter', 'Callback deliveries by outcome in this process.', [
    [{ outcome: 'delivered' }, m.callbacksDelivered],
    [{ outcome: 'failed' }, m.callbackFailures],
  ]);
  metric('dangan_queue_depth', 'gauge', 'Jobs waiting per queue.', db.queues.map((q) => [{ queue: q.name }, q.depth]));
  metric('dangan_queue_active', 'gauge', 'Jobs running per queue.', db.queues.map((q) => [{ queue: q.name }, q.active]));
  return `${out.join('\n')}\n`;
}
