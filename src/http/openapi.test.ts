// The OpenAPI document stays true to the routes: every API route the app serves is documented, and nothing more.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createApp } from './app.ts';
import type { ApiDeps } from './api.ts';
import { openApiDocument } from './openapi.ts';

describe('OpenAPI document', () => {
  it('documents exactly the API routes the app serves', () => {
    const api = { db: {}, ingest: { maxUploadBytes: 1 }, stores: [], version: 'test', audits: {}, transfers: {} } as unknown as ApiDeps;
    const app = createApp({ logger: pino({ level: 'silent' }), probes: [], api });
    const served = new Set(
      app.routes
        .filter((r) => r.method !== 'ALL' && (r.path.startsWith('/api/') || r.path === '/metrics' || r.path === '/healthz'))
        .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, '{$1}')}`),
    );
    const doc = openApiDocument('test') as { paths: Record<string, Record<string, unknown>> };
    const documented = new Set(Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`)));
    expect([...served].sort()).toEqual([...documented].sort());
  });
});
