// ClamAV driver: streams bytes to clamd with INSTREAM over TCP or a unix socket, one connection per scan.
import { connect, type Socket } from 'node:net';
import { ScannerUnavailableError, type ScanOptions, type ScanResult, type ScanSession, type Scanner } from './types.ts';

/** Where clamd listens: its TCPSocket/TCPAddr, or its LocalSocket. */
export type ClamdAddress = { host: string; port: number } | { socket: string };

export interface ClamdOptions {
  /**
   * How long the connection may sit with no bytes moving either way (connecting, sending, or
   * waiting for the verdict) before the scan ends as an error. Default 120 s: clamd says nothing
   * while it unpacks a large archive after the last chunk. PING and VERSION wait at most
   * min(timeoutMs, 5 s).
   */
  timeoutMs?: number;
  /** Largest INSTREAM chunk; larger writes are split. Default 64 KiB. */
  maxChunk?: number;
}

const DEFAULT_TIMEOUT_MS = 120_000;
const DEFAULT_MAX_CHUNK = 64 * 1024;
const LIMIT_SIGNATURE = 'Heuristics.Limits.Exceeded';
const TERMINATOR = Buffer.alloc(4); // a zero-length chunk ends the stream

export function createClamdScanner(address: ClamdAddress, options: ClamdOptions = {}): Scanner {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxChunk = options.maxChunk ?? DEFAULT_MAX_CHUNK;
  if (!(Number.isInteger(maxChunk) && maxChunk > 0)) throw new RangeError(`clamd: maxChunk must be a positive integer, got ${maxChunk}`);
  const where = describe(address);
  // PING and VERSION answer at once; a health check should not hang for a whole scan timeout.
  const commandTimeoutMs = Math.min(timeoutMs, 5000);

  const startScan = (opts: ScanOptions = {}): ScanSession => startSession(address, where, timeoutMs, maxChunk, opts);

  return {
    name: 'clamd',
    configured: true,
    startScan,
    async scan(source, opts) {
      const session = startScan(opts);
      try {
        for await (const chunk of source) {
          if (session.ended) break; // the verdict is already known (an error): stop reading
          await session.write(chunk);
        }
      } catch (err) {
        session.abort('读取待扫描数据失败 (reading the source failed)');
        throw err;
      }
      return session.finish();
    },
    async ping() {
      const reply = await command(address, where, 'PING', commandTimeoutMs);
      if (reply !== 'PONG') throw new ScannerUnavailableError('clamd', `${where} 应答异常 (unexpected reply to PING): ${JSON.stringify(reply)}`);
    },
    version: () => command(address, where, 'VERSION', commandTimeoutMs),
  };
}

/** Turns clamd's reply to INSTREAM into a result; anything unrecognised is an error. */
export function parseInstreamReply(reply: string): ScanResult {
  const text = reply.replace(/\0+$/, '').trim();
  if (text === 'stream: OK') return { status: 'clean' };
  const found = /^stream: (.+) FOUND$/.exec(text);
  if (found) {
    const signature = found[1];
    // AlertExceedsMax reports a file that was NOT scanned (too big, too deep, too many files).
    if (signature.startsWith(LIMIT_SIGNATURE)) return { status: 'error', reason: `超出扫描限制，未完整扫描 (not fully scanned, limit exceeded: ${signature})` };
    return { status: 'infected', signature };
  }
  if (/size limit exceeded/i.test(text)) return { status: 'error', reason: `超出扫描程序的流大小限制，未扫描 (clamd: ${text})` };
  if (text.endsWith('ERROR')) return { status: 'error', reason: `扫描出错 (clamd: ${text})` };
  return { status: 'error', reason: `扫描程序应答无法识别 (unexpected clamd reply: ${JSON.stringify(text)})` };
}

function describe(address: ClamdAddress): string {
  return 'socket' in address ? `clamd (unix:${address.socket})` : `clamd (${address.host}:${address.port})`;
}

function open(address: ClamdAddress, timeoutMs: number): Socket {
  const socket = 'socket' in address ? connect({ path: address.socket }) : connect({ host: address.host, port: address.port });
  socket.setTimeout(timeoutMs);
  return socket;
}

/** Sends a one-shot `z` command and returns the NUL-terminated reply. */
function command(address: ClamdAddress, where: string, name: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = open(address, timeoutMs);
    const parts: Buffer[] = [];
    let settled = false;
    const done = (err: Error | undefined, reply?: string) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      if (err) reject(err);
      else resolve(reply!);
    };
    socket.on('data', (d: Buffer) => {
      parts.push(d);
      const buf = Buffer.concat(parts);
      const nul = buf.indexOf(0);
      if (nul >= 0) done(undefined, buf.subarray(0, nul).toString('utf8').trim());
    });
    socket.on('end', () => {
      const text = Buffer.concat(parts).toString('utf8').trim();
      if (text) done(undefined, text);
      else done(new ScannerUnavailableError('clamd', `${where} 未应答即关闭连接 (closed the connection without replying to ${name})`));
    });
    socket.on('timeout', () => done(new ScannerUnavailableError('clamd', `${where} 无应答 (no reply to ${name} within ${timeoutMs} ms)`)));
    socket.on('error', (err) =>
      done(new ScannerUnavailableError('clamd', `无法连接病毒扫描程序 ${where} (cannot reach clamd: ${err.message})`, { cause: err })),
    );
    socket.on('close', () => done(new ScannerUnavailableError('clamd', `${where} 连接已关闭 (connection closed during ${name})`)));
    socket.write(`z${name}\0`);
  });
}

function startSession(address: ClamdAddress, where: string, timeoutMs: number, maxChunk: number, opts: ScanOptions): ScanSession {
  const socket = open(address, timeoutMs);
  const reply: Buffer[] = [];
  let verdict: ScanResult | undefined;
  let finished = false; // the terminator was sent (or finish() was called after the end)
  let resolveDone!: (r: ScanResult) => void;
  const done = new Promise<ScanResult>((r) => (resolveDone = r));
  let drainWaiters: (() => void)[] = [];
  const wake = () => {
    const waiters = drainWaiters;
    drainWaiters = [];
    for (const w of waiters) w();
  };

  const onAbort = () => settle(error(`扫描已取消 (scan aborted${opts.signal?.reason instanceof Error ? `: ${opts.signal.reason.message}` : ''})`));
  const settle = (result: ScanResult) => {
    if (verdict) return;
    verdict = result;
    opts.signal?.removeEventListener('abort', onAbort);
    socket.destroy();
    wake();
    resolveDone(result);
  };
  /** The reply received so far, if any: clamd may answer and close before we have stopped sending. */
  const replied = (): ScanResult | undefined => {
    const text = Buffer.concat(reply).toString('utf8').replace(/\0[\s\S]*$/, '').trim();
    return text ? parseInstreamReply(text) : undefined;
  };
  const cutShort = () => (finished ? '' : '，数据尚未发送完 (closed while data was still being sent: daemon stopped, or StreamMaxLength exceeded)');

  socket.on('data', (d: Buffer) => {
    reply.push(d);
    if (d.includes(0)) settle(replied() ?? error(`${where} 应答为空 (empty reply)`));
  });
  socket.on('end', () => settle(replied() ?? error(`${where} 未给出结论即关闭连接${cutShort()} (closed the connection without a verdict)`)));
  socket.on('timeout', () => settle(error(`${where} 超时 (no progress for ${timeoutMs} ms)`)));
  socket.on('error', (err) => settle(replied() ?? error(`${where} 连接失败${cutShort()} (${err.message})`)));
  socket.on('close', () => settle(replied() ?? error(`${where} 连接已关闭${cutShort()} (connection closed)`)));
  socket.on('drain', wake);

  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (!verdict) socket.write('zINSTREAM\0');

  return {
    get ended() {
      return verdict !== undefined;
    },
    async write(chunk) {
      if (finished) throw new Error('clamd: write() after finish()');
      for (let off = 0; off < chunk.byteLength && !verdict; off += maxChunk) {
        const part = chunk.subarray(off, off + maxChunk);
        const header = Buffer.allocUnsafe(4);
        header.writeUInt32BE(part.byteLength);
        socket.cork();
        socket.write(header);
        const more = socket.write(part);
        socket.uncork();
        if (!more && !verdict) await new Promise<void>((r) => drainWaiters.push(r));
      }
    },
    finish() {
      if (!finished && !verdict) socket.write(TERMINATOR);
      finished = true;
      return done;
    },
    abort(reason) {
      settle(error(reason ?? '扫描已取消 (scan aborted)'));
    },
  };
}

function error(reason: string): ScanResult {
  return { status: 'error', reason };
}
