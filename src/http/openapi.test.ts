// The OpenAPI document stays true to the routes: every API route the app serves is documented, and
// nothing more; and every operation declares the roles its gates admit (read off the app's routes,
// not copied), with 403 wherever some role is refused.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { TOKEN_ROLES, type TokenRole } from '../ingest/index.ts';
import { createApp } from './app.ts';
import type { ApiDeps } from './api.ts';
import { gateRoles } from './auth.ts';
import { openApiDocument } from './openapi.ts';

const api = { db: {}, ingest: { maxUploadBytes: 1 }, stores: [], version: 'test', audits: {}, transfers: {} } as unknown as ApiDeps;
const isApi = (path: string) => path.startsWith('/api/') || path === '/metrics' || path === '/healthz';
const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

type Operation = { security?: Record<string, string[]>[]; 'x-dangan-roles'?: string[]; description?: string; responses: Record<string, unknown> };
const doc = openApiDocument('test') as { paths: Record<string, Record<string, Operation>>; components: { securitySchemes: Record<string, { description: string }> } };

/** A hono route pattern (`/x/*`, `/x/:id`) as a test on a route's own path. */
function patternMatches(pattern: string, path: string): boolean {
  const source = pattern
    .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
    .replace(/\/\*$/, '(?:/.*)?')
    .replace(/:\w+/g, '[^/]+');
  return new RegExp(`^${source}$`).test(path);
}

/** Each served API operation (method and hono path) and the roles every gate on it admits together; undefined roles: no gate. */
function servedOperations() {
  const app = createApp({ logger: pino({ level: 'silent' }), probes: [], api });
  const handlerOf = (h: unknown) => (h as { __COMPOSED_HANDLER?: unknown }).__COMPOSED_HANDLER ?? h;
  const gates = app.routes.flatMap((r) => {
    const roles = gateRoles(handlerOf(r.handler));
    return roles ? [{ method: r.method, path: r.path, roles }] : [];
  });
  const ops = new Map<string, { method: string; path: string; roles?: TokenRole[] }>();
  for (const r of app.routes) {
    if (r.method === 'ALL' || !isApi(r.path) || gateRoles(handlerOf(r.handler))) continue;
    const applying = gates.filter((g) => (g.method === 'ALL' || g.method === r.method) && patternMatches(g.path, r.path));
    const roles = applying.length ? TOKEN_ROLES.filter((role) => applying.every((g) => g.roles.includes(role))) : undefined;
    ops.set(`${r.method.toLowerCase()} ${openApiPath(r.path)}`, { method: r.method.toLowerCase(), path: openApiPath(r.path), roles });
  }
  return ops;
}

describe('OpenAPI document', () => {
  it('documents exactly the API routes the app serves', () => {
    const served = [...servedOperations().keys()];
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect(served.sort()).toEqual(documented.sort());
  });

  it('declares for every operation the roles its gates admit, and 403 where a role is refused', () => {
    const served = [...servedOperations().values()];
    // The derivation sees the gates: these are known from the routes' code.
    const rolesOf = (key: string) => servedOperations().get(key)?.roles;
    expect(rolesOf('post /api/v1/transfers')).toEqual(['admin']);
    expect(rolesOf('post /api/v1/receipts')).toEqual(['admin']);
    expect(rolesOf('get /api/v1/transfers/{id}')).toEqual(['auditor', 'admin']);
    expect(rolesOf('post /api/v1/submissions')).toEqual(['submitter', 'admin']);
    expect(rolesOf('get /api/v1/records')).toEqual(['submitter', 'auditor', 'admin']);
    expect(rolesOf('get /healthz')).toBeUndefined();
    const gated = served.filter((o) => o.roles && o.roles.length < TOKEN_ROLES.length);
    expect(gated.length).toBeGreaterThanOrEqual(10);

    for (const o of served) {
      const op = doc.paths[o.path][o.method];
      const where = `${o.method} ${o.path}`;
      if (!o.roles) {
        expect(op.security, where).toBeUndefined();
        continue;
      }
      expect(op['x-dangan-roles'], where).toEqual(o.roles);
      expect(op.security, where).toEqual(o.roles.map((r) => ({ bearer: [r] })));
      for (const r of o.roles) expect(op.description, where).toContain(r);
      expect(op.responses[401], where).toBeDefined();
      if (o.roles.length < TOKEN_ROLES.length) expect(op.responses[403], where).toBeDefined();
    }
    expect(Object.keys(doc.components.securitySchemes)).toEqual(['bearer']);
    for (const r of TOKEN_ROLES) expect(doc.components.securitySchemes.bearer.description).toContain(r);
  });
});
