// `npm run bench`: every figure the issues ask for, side by side in one run. For now it runs the
// check bench only; the orchestrator over every scripts/bench-*.ts is being written.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const r = spawnSync(process.execPath, [join(import.meta.dirname, 'bench-check.ts')], { stdio: 'inherit' });
process.exit(r.status ?? 1);
