// The ingest API's routes in one place: submissions, records, events, metrics and the OpenAPI document.
import { Hono } from 'hono';
import type { AuditService } from '../audit/index.ts';
import { renderAuditMetrics } from '../audit/metrics.ts';
import type { Db } from '../db/index.ts';
import type { IngestService } from '../ingest/index.ts';
import type { TransferService } from '../transfer/index.ts';
import type { ObjectStore } from '../store/index.ts';
import type { ApiEnv } from './auth.ts';
import { auditRoutes } from './routes/audits.ts';
import { eventRoutes } from './routes/events.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { openApiRoutes } from './routes/openapi.ts';
import { recordRoutes } from './routes/records.ts';
import { submissionRoutes } from './routes/submissions.ts';
import { transferRoutes } from './routes/transfers.ts';

export interface ApiDeps {
  db: Db;
  ingest: IngestService;
  /** Primary first, then the backups. */
  stores: ObjectStore[];
  version: string;
  /** Fixity audits (POST/GET /api/v1/audits); absent where no audit service runs. */
  audits?: AuditService;
  /** Transfer packages and receipts (/api/v1/transfers, /api/v1/receipts); absent where not wired. */
  transfers?: TransferService;
}

export function apiRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.route('/', submissionRoutes(deps));
  app.route('/', recordRoutes(deps));
  app.route('/', eventRoutes(deps));
  // One /metrics for Prometheus: ingest, and the audits' damaged copies where audits run.
  app.route('/', metricsRoutes({ render: async () => (await deps.ingest.renderMetrics()) + (deps.audits ? await renderAuditMetrics(deps.db) : '') }));
  app.route('/', openApiRoutes(deps.version));
  if (deps.audits) app.route('/', auditRoutes({ db: deps.db, audits: deps.audits }));
  if (deps.transfers) app.route('/', transferRoutes({ db: deps.db, transfers: deps.transfers, maxUploadBytes: deps.ingest.maxUploadBytes }));
  return app;
}
