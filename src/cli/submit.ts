// `dangan submit`: streams a package to a running service (progress bar on a TTY); with --wait,
// waits for the verdict and exits as `check` does (0 archived, 1 rejected, 2 could not run).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { SingleBar } from 'cli-progress';
import type { Report } from '../checks/report.ts';
import { humanSummary } from './check.ts';
import { CliError, EXIT, type CliIo } from './io.ts';

export interface SubmitFlags {
  url: string;
  token: string;
  wait?: boolean;
  idempotencyKey?: string;
  fonds?: string;
  /** Seconds between status polls with --wait (default 1). */
  pollSeconds?: number;
}

interface SubmissionBody {
  id: string;
  status: string;
  verdict?: string | null;
  failureReason?: string | null;
  report?: Report | null;
}

async function errorOf(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const j = JSON.parse(text) as { error?: { message?: string } };
    if (j.error?.message) return `${res.status} ${j.error.message}`;
  } catch {
    // not JSON
  }
  return `${res.status} ${text.slice(0, 300)}`;
}

export async function submit(io: CliIo, path: string, flags: SubmitFlags, fetchImpl: typeof fetch = fetch): Promise<number> {
  const file = resolve(io.cwd, path);
  let size: number;
  try {
    const s = await stat(file);
    if (!s.isFile()) throw new Error('not a file (zip the package first)');
    size = s.size;
  } catch (e) {
    throw new CliError(`dangan submit: 无法读取 ${path} (cannot read the package): ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const base = flags.url.replace(/\/+$/, '');
  if (!URL.canParse(base)) throw new CliError(`dangan submit: --url 不是网址 (not a URL): ${flags.url}`);
  const auth = { authorization: `Bearer ${flags.token}` };

  const bar = io.isTTY ? new SingleBar({ format: '上传中 {bar} {percentage}% | {value}/{total} MB', hideCursor: true, stream: process.stderr }) : undefined;
  const mb = (n: number) => Math.round((n / 1048576) * 10) / 10;
  bar?.start(mb(size), 0);
  let sent = 0;
  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  async function* body() {
    for await (const chunk of stream) {
      sent += (chunk as Buffer).byteLength;
      bar?.update(mb(sent));
      yield chunk as Buffer;
    }
  }
  const headers: Record<string, string> = {
    ...auth,
    'content-type': 'application/zip',
    'content-length': String(size),
    'x-dangan-package-name': encodeURIComponent(basename(file)),
  };
  if (flags.idempotencyKey) headers['idempotency-key'] = flags.idempotencyKey;
  if (flags.fonds) headers['x-dangan-fonds'] = flags.fonds;
  let res: Response;
  try {
    res = await fetchImpl(`${base}/api/v1/submissions`, { method: 'POST', headers, body: ReadableStream.from(body()), duplex: 'half' } as RequestInit);
  } catch (e) {
    bar?.stop();
    throw new CliError(`dangan submit: 无法连接 ${base} (cannot reach the service): ${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message}`);
  }
  bar?.stop();
  if (res.status !== 202) throw new CliError(`dangan submit: 服务拒绝了上传 (the service refused the upload): ${await errorOf(res)}`);
  const accepted = (await res.json()) as SubmissionBody;
  io.err(`已提交 (submitted) ${basename(file)} → ${accepted.id}\n`);
  if (!flags.wait) {
    io.out(`${accepted.id}\n`);
    return EXIT.ok;
  }

  const poll = (flags.pollSeconds ?? 1) * 1000;
  let last = '';
  for (;;) {
    const r = await fetchImpl(`${base}/api/v1/submissions/${accepted.id}`, { headers: auth });
    if (!r.ok) throw new CliError(`dangan submit: 无法查询提交状态 (cannot read the status): ${await errorOf(r)}`);
    const s = (await r.json()) as SubmissionBody;
    if (s.status !== last) {
      io.err(`状态 (status): ${s.status}${s.failureReason ? ` — ${s.failureReason}` : ''}\n`);
      last = s.status;
    }
    if (s.status === 'archived' || s.status === 'rejected') {
      if (s.report) io.out(humanSummary(s.report));
      io.out(`${s.status === 'archived' ? '已归档 (archived)' : '未通过检测 (rejected)'}: ${s.id}\n`);
      return s.status === 'archived' ? EXIT.ok : EXIT.rejected;
    }
    if (s.status === 'failed') {
      io.out(`处理失败 (failed): ${s.id}: ${s.failureReason ?? ''}\n`);
      return EXIT.usage;
    }
    await new Promise((r2) => setTimeout(r2, poll));
  }
}
