// GET /healthz: is the service able to work — database and every store reachable, scanner up.
import { Hono } from 'hono';

export interface ComponentHealth {
  name: string;
  ok: boolean;
  detail?: string;
  ms: number;
}

export interface HealthDeps {
  /** Probes, each resolving when its component answers and rejecting with a reason otherwise. */
  probes: { name: string; probe: () => Promise<string | void> }[];
  /** Time allowed for each probe. */
  probeTimeoutMs?: number;
  /** Shown as is: version, runtime. */
  info?: Record<string, string>;
}

export async function checkHealth(deps: HealthDeps): Promise<{ ok: boolean; components: ComponentHealth[] }> {
  const timeout = deps.probeTimeoutMs ?? 5000;
  const components = await Promise.all(
    deps.probes.map(async ({ name, probe }): Promise<ComponentHealth> => {
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        const detail = await Promise.race([
          probe(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeout} ms`)), timeout);
          }),
        ]);
        return { name, ok: true, ...(detail ? { detail } : {}), ms: Math.round(performance.now() - started) };
      } catch (e) {
        return { name, ok: false, detail: (e as Error).message, ms: Math.round(performance.now() - started) };
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return { ok: components.every((c) => c.ok), components };
}

export function healthRoutes(deps: HealthDeps): Hono {
  const app = new Hono();
  app.get('/healthz', async (c) => {
    const health = await checkHealth(deps);
    return c.json({ status: health.ok ? 'ok' : 'degraded', ...deps.info, components: health.components }, health.ok ? 200 : 503);
  });
  return app;
}
