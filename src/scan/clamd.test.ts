// Tests the clamd driver against a real clamd running on a signature database written by the test.
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZipFile } from 'yazl';
import { createClamdScanner, parseInstreamReply } from './clamd.ts';
import { createScanner, probeScanner, scanningStream } from './index.ts';
import { createDigester } from '../crypto/digest.ts';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { eicar, startTestClamd, type TestClamd } from './test-clamd.ts';
import { ScannerUnavailableError, type Scanner } from './types.ts';

async function* chunks(data: Uint8Array, size = data.byteLength): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.byteLength; i += size) yield data.subarray(i, i + size);
}

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of stream) parts.push(p as Buffer);
  return Buffer.concat(parts);
}

function zipped(name: string, data: Buffer, compress: boolean): Promise<Buffer> {
  const zip = new ZipFile();
  zip.addBuffer(data, name, { compress });
  zip.end();
  return collect(zip.outputStream);
}

describe('clamd driver (real clamd)', () => {
  let clamd: TestClamd;
  let tcp: Scanner;
  let unix: Scanner;

  beforeAll(async () => {
    // StreamMaxLength 2M for the stream limit; MaxFileSize 1M so a 1.5 MiB stream is accepted but not scanned.
    clamd = await startTestClamd({ streamMaxLength: '2M', extraConfig: ['MaxFileSize 1M'], path: process.env.PATH });
    tcp = createClamdScanner(clamd.tcp, { timeoutMs: 10_000 });
    unix = createClamdScanner({ socket: clamd.socket }, { timeoutMs: 10_000 });
  });
  afterAll(async () => {
    await clamd?.stop();
  });

  it('answers PING and VERSION over TCP and the unix socket', async () => {
    await tcp.ping();
    await unix.ping();
    expect(await tcp.version!()).toMatch(/^ClamAV \d+\.\d+/);
    expect(await probeScanner(unix)).toMatchObject({ status: 'ready', scanner: 'clamd', version: expect.stringMatching(/^ClamAV/) });
  });

  it('reports clean data as clean, in many small chunks', async () => {
    const data = randomBytes(300 * 1024);
    const small = createClamdScanner(clamd.tcp, { maxChunk: 4096 });
    expect(await small.scan(chunks(data, 10_000))).toEqual({ status: 'clean' });
    expect(await unix.scan(chunks(data))).toEqual({ status: 'clean' });
    expect(await tcp.scan(chunks(new Uint8Array(0)))).toEqual({ status: 'clean' });
  });

  it('finds EICAR over TCP and the unix socket, even split across chunks', async () => {
    expect(await tcp.scan(chunks(eicar()))).toEqual({ status: 'infected', signature: 'Eicar-Test-NDB.UNOFFICIAL' });
    expect(await unix.scan(chunks(eicar(), 3))).toEqual({ status: 'infected', signature: 'Eicar-Test-NDB.UNOFFICIAL' });
    const tiny = createClamdScanner({ socket: clamd.socket }, { maxChunk: 5 });
    const padded = Buffer.concat([randomBytes(100_000), eicar(), randomBytes(1000)]);
    expect(await tiny.scan(chunks(padded, 7777))).toMatchObject({ status: 'infected' });
  });

  it('keeps concurrent scans apart', async () => {
    const inputs = Array.from({ length: 12 }, (_, i) => (i % 3 === 0 ? Buffer.concat([randomBytes(50_000), eicar()]) : randomBytes(80_000)));
    const results = await Promise.all(inputs.map((b, i) => (i % 2 ? tcp : unix).scan(chunks(b, 8192))));
    expect(results.map((r) => r.status)).toEqual(inputs.map((_, i) => (i % 3 === 0 ? 'infected' : 'clean')));
  });

  it('finds EICAR inside a zip, stored and deflated', async () => {
    for (const compress of [false, true]) {
      const zip = await zipped('docs/readme.txt', eicar(), compress);
      expect(zip.includes(eicar())).toBe(!compress);
      expect(await tcp.scan(chunks(zip, 16))).toEqual({ status: 'infected', signature: 'Eicar-Test-NDB.UNOFFICIAL' });
    }
  });

  it('reports a stream over StreamMaxLength as an error, never clean', async () => {
    const big = randomBytes(3 * 1024 * 1024);
    const r = await tcp.scan(chunks(big, 256 * 1024));
    expect(r.status).toBe('error');
    if (r.status === 'error') expect(r.reason).toMatch(/size limit|StreamMaxLength|连接/);
    // clamd is still fine afterwards
    expect(await tcp.scan(chunks(eicar()))).toMatchObject({ status: 'infected' });
  });

  it('reports a file over MaxFileSize (Heuristics.Limits.Exceeded) as an error, never clean', async () => {
    const r = await unix.scan(chunks(randomBytes(1536 * 1024), 64 * 1024));
    expect(r).toMatchObject({ status: 'error', reason: expect.stringContaining('Heuristics.Limits.Exceeded') });
  });

  it('streams through a session with backpressure and keeps answering after clamd ends it early', async () => {
    const ok = tcp.startScan();
    for (let i = 0; i < 20; i++) await ok.write(randomBytes(50_000));
    expect(ok.ended).toBe(false);
    expect(await ok.finish()).toEqual({ status: 'clean' });
    expect(ok.ended).toBe(true);

    const over = tcp.startScan();
    let written = 0;
    while (written < 6 * 1024 * 1024) {
      await over.write(randomBytes(128 * 1024)); // never rejects, even after clamd has closed
      written += 128 * 1024;
    }
    expect(over.ended).toBe(true);
    expect((await over.finish()).status).toBe('error');
  });

  it('scans while passing bytes through unchanged (one read: digest and scan)', async () => {
    const data = Buffer.concat([randomBytes(500_000), eicar(), randomBytes(500_000)]);
    const d = createDigester();
    const scan = scanningStream(unix);
    await pipeline(Readable.from(chunks(data, 65_536)), scan, new Writable({ write(c, _e, cb) { d.update(c); cb(); } }));
    expect(await scan.result).toEqual({ status: 'infected', signature: 'Eicar-Test-NDB.UNOFFICIAL' });
    const whole = createDigester();
    whole.update(data);
    expect(d.digest()).toEqual(whole.digest());

    const clean = scanningStream(tcp);
    await pipeline(Readable.from(chunks(randomBytes(200_000), 4096)), clean, new Writable({ write(_c, _e, cb) { cb(); } }));
    expect(await clean.result).toEqual({ status: 'clean' });

    const cut = scanningStream(tcp);
    cut.write(randomBytes(1000));
    cut.destroy();
    expect(await cut.result).toMatchObject({ status: 'error' });
  });

  it('ends with an error when aborted', async () => {
    const ac = new AbortController();
    const s = tcp.startScan({ signal: ac.signal });
    await s.write(randomBytes(1000));
    ac.abort();
    expect(await s.finish()).toMatchObject({ status: 'error', reason: expect.stringMatching(/aborted/) });
  });
});

describe('clamd driver: signature database from sigtool --md5', () => {
  it('finds EICAR by its MD5 hash signature', async () => {
    const clamd = await startTestClamd({ signatures: ['hdb'], path: process.env.PATH });
    try {
      const s = createClamdScanner(clamd.tcp);
      expect(await s.scan(chunks(eicar()))).toEqual({ status: 'infected', signature: 'Eicar-Test-HDB.UNOFFICIAL' });
      expect(await s.scan(chunks(Buffer.concat([eicar(), Buffer.from('x')])))).toEqual({ status: 'clean' });
    } finally {
      await clamd.stop();
    }
  });
});

describe('clamd driver: a daemon that dies or is missing', () => {
  it('reports an error when clamd is killed in the middle of a scan, and ping then fails', async () => {
    const clamd = await startTestClamd({ path: process.env.PATH });
    try {
      const s = createClamdScanner(clamd.tcp, { timeoutMs: 5000 });
      const session = s.startScan();
      await session.write(randomBytes(100_000));
      await clamd.kill();
      for (let i = 0; i < 50 && !session.ended; i++) await session.write(randomBytes(64 * 1024));
      const r = await session.finish();
      expect(r.status).toBe('error');
      expect(await s.scan(chunks(eicar()))).toMatchObject({ status: 'error', reason: expect.stringMatching(/ECONNREFUSED/) });
      await expect(s.ping()).rejects.toBeInstanceOf(ScannerUnavailableError);
      const u = createClamdScanner({ socket: clamd.socket });
      expect((await u.scan(chunks(eicar()))).status).toBe('error');
    } finally {
      await clamd.stop();
    }
  });

  it('fails fast with a clear message when nothing listens', async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    const s = createScanner({ clamd: { host: '127.0.0.1', port } });
    const t0 = Date.now();
    await expect(s.ping()).rejects.toThrow(/无法连接病毒扫描程序 clamd \(127\.0\.0\.1:\d+\).*ECONNREFUSED/);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(await probeScanner(s)).toMatchObject({ status: 'unreachable', scanner: 'clamd', reason: expect.stringContaining('ECONNREFUSED') });
    const missing = createScanner({ clamd: { socket: '/nonexistent/dangan/clamd.sock' } });
    await expect(missing.ping()).rejects.toThrow(/unix:\/nonexistent\/dangan\/clamd\.sock.*ENOENT/);
    expect(await missing.scan(chunks(eicar()))).toMatchObject({ status: 'error' });
  });

  it('times out when the daemon accepts but never answers', async () => {
    const sockets: Socket[] = [];
    const srv: Server = createServer((c) => {
      sockets.push(c);
      c.resume(); // read and say nothing
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    try {
      const port = (srv.address() as { port: number }).port;
      const s = createClamdScanner({ host: '127.0.0.1', port }, { timeoutMs: 300 });
      const t0 = Date.now();
      expect(await s.scan(chunks(eicar()))).toMatchObject({ status: 'error', reason: expect.stringMatching(/300 ms/) });
      expect(Date.now() - t0).toBeLessThan(3000);
      await expect(s.ping()).rejects.toThrow(/no reply to PING within 300 ms/);
    } finally {
      for (const c of sockets) c.destroy();
      await new Promise((r) => srv.close(r));
    }
  });
});

describe('parseInstreamReply', () => {
  it('maps clamd replies to results; only "stream: OK" is clean', () => {
    expect(parseInstreamReply('stream: OK\0')).toEqual({ status: 'clean' });
    expect(parseInstreamReply('stream: Win.Test.EICAR_HDB-1 FOUND')).toEqual({ status: 'infected', signature: 'Win.Test.EICAR_HDB-1' });
    expect(parseInstreamReply('stream: Heuristics.Limits.Exceeded.MaxFileSize FOUND').status).toBe('error');
    expect(parseInstreamReply('INSTREAM size limit exceeded. ERROR').status).toBe('error');
    expect(parseInstreamReply("stream: Can't allocate memory ERROR").status).toBe('error');
    expect(parseInstreamReply('').status).toBe('error');
    expect(parseInstreamReply('OK').status).toBe('error');
  });
});
