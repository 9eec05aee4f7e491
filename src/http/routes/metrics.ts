// GET /metrics: Prometheus text (submissions by status and verdict, bytes, durations, queue depth, backup failures).
import { Hono } from 'hono';

export function metricsRoutes(deps: { render: () => Promise<string> }): Hono {
  const app = new Hono();
  app.get('/metrics', async (c) => c.body(await deps.render(), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }));
  return app;
}
