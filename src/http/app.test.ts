import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createApp } from './app.ts';

const logger = pino({ level: 'silent' });

describe('http app', () => {
  it('answers /healthz with each component and 200 when all are up', async () => {
    const app = createApp({ logger, probes: [{ name: 'database', probe: async () => 'pglite' }, { name: 'store:primary', probe: async () => {} }] });
    const res = await app.request('/healthz');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; components: { name: string; ok: boolean }[] };
    expect(body.status).toBe('ok');
    expect(body.components.map((c: { name: string; ok: boolean }) => [c.name, c.ok])).toEqual([['database', true], ['store:primary', true]]);
  });

  it('answers 503 naming the component that is down, and a slow one times out', async () => {
    const app = createApp({
      logger,
      probeTimeoutMs: 50,
      probes: [
        { name: 'database', probe: async () => { throw new Error('connection refused'); } },
        { name: 'scanner', probe: () => new Promise(() => {}) },
      ],
    });
    const res = await app.request('/healthz');
    expect(res.status).toBe(503);
    const body = (await res.json()) as { status: string; components: { name: string; ok: boolean }[] };
    expect(body.components).toEqual([
      expect.objectContaining({ name: 'database', ok: false, detail: 'connection refused' }),
      expect.objectContaining({ name: 'scanner', ok: false, detail: 'no answer within 50 ms' }),
    ]);
  });

  it('gives unknown routes the JSON error shape with a request id', async () => {
    const app = createApp({ logger, probes: [] });
    const res = await app.request('/nope', { headers: { 'X-Request-Id': 'abc-1' } });
    expect(res.status).toBe(404);
    expect(res.headers.get('X-Request-Id')).toBe('abc-1');
    expect(await res.json()).toEqual({ error: { code: 'not_found', message: expect.stringContaining('/nope'), requestId: 'abc-1' } });
  });
});
