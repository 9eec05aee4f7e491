// Test support: a worker process for the queue tests; it claims jobs of one queue and never finishes them (the test kills it).
import { createQueue } from './queue.ts';

const [url, name] = process.argv.slice(2);
if (!url || !name) throw new Error('usage: test-worker.ts <postgres-url> <queue>');

const queue = createQueue({ kind: 'postgres', url, max: 2 }, { supervise: false, onError: (e) => process.stderr.write(`${e.message}\n`) });
await queue.start();
await queue.work(name, { pollingIntervalSeconds: 0.5 }, async (job) => {
  process.stdout.write(`started ${job.id} ${job.retryCount}\n`);
  await new Promise(() => {}); // hold the job until killed
});
process.stdout.write('ready\n');
