// `dangan user add NAME --role receiver|auditor|admin`: a staff user of the web UI; the password
// is asked for twice on a terminal (not echoed) or read from the first line of stdin.
import { loadConfig } from '../config/index.ts';
import { openDatabase } from '../db/index.ts';
import { addUser, isUserRole, MIN_PASSWORD_LENGTH } from '../ui/index.ts';
import { CliError, type CliIo } from './io.ts';

export interface PasswordInput {
  stream: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (on: boolean) => unknown };
}

/** Reads one line without echo from a terminal. */
function promptHidden(io: CliIo, input: PasswordInput, question: string): Promise<string> {
  const s = input.stream;
  io.err(question);
  return new Promise((resolve, reject) => {
    let value = '';
    s.setRawMode?.(true);
    s.resume();
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new CliError('dangan user add: 已取消 (cancelled)'));
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else value += ch;
      }
    };
    const done = (e?: Error) => {
      s.removeListener('data', onData);
      s.setRawMode?.(false);
      s.pause();
      io.err('\n');
      if (e) reject(e);
      else resolve(value);
    };
    s.on('data', onData);
  });
}

async function readFirstLine(input: PasswordInput): Promise<string> {
  let text = '';
  for await (const chunk of input.stream) {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    if (text.includes('\n') || text.length > 4096) break;
  }
  return text.split(/\r?\n/)[0];
}

export async function userAdd(io: CliIo, name: string, flags: { role: string }, input: PasswordInput = { stream: process.stdin }): Promise<void> {
  if (!isUserRole(flags.role)) throw new CliError(`dangan user add: --role 应为 receiver、auditor 或 admin (got ${flags.role})`);
  let password: string;
  if (input.stream.isTTY) {
    password = await promptHidden(io, input, `${name} 的密码 (password, at least ${MIN_PASSWORD_LENGTH} characters): `);
    const again = await promptHidden(io, input, '再输入一次 (again): ');
    if (again !== password) throw new CliError('dangan user add: 两次输入的密码不一致 (the passwords differ)');
  } else {
    password = await readFirstLine(input);
  }
  const config = loadConfig(io.env, io.cwd);
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  try {
    const r = await addUser(database.db, { name, role: flags.role, password, actor: 'cli:user-add' });
    if (r.kind === 'invalid') throw new CliError(`dangan user add: ${r.message}`);
    if (r.kind === 'exists') throw new CliError(`dangan user add: 用户 ${name} 已存在 (user exists)`);
    io.err(`用户已创建 (user created): ${r.user.name} role=${r.user.role}\n`);
  } finally {
    await database.close();
  }
}
