// The bundled sample package, checked at start-up by `npm start` so a newcomer sees a report at once.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadProfile } from '../config/profile.ts';
import { checkPackage } from '../checks/engine.ts';
import { humanSummary } from './check.ts';
import type { Runtime } from './runtime.ts';

export const SAMPLE_PACKAGE = join(fileURLToPath(new URL('../../packages-samples', import.meta.url)), 'valid.zip');

export async function checkSample(runtime: Runtime, tool: { name: string; version: string }): Promise<string> {
  const report = await checkPackage(SAMPLE_PACKAGE, {
    stage: 'archiving',
    profile: await loadProfile(runtime.config.profile),
    scanner: runtime.scanner,
    tool,
  });
  return `\n样例信息包 (sample package) ${SAMPLE_PACKAGE}\n${humanSummary(report)}\n完整报告 (full report): npx dangan check ${SAMPLE_PACKAGE} --html report.html\n`;
}
