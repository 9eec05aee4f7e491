// `dangan token create`: a bearer token for a submitting system; printed once, stored as its SHA-256.
import { loadConfig } from '../config/index.ts';
import { openDatabase } from '../db/index.ts';
import { createToken } from '../ingest/index.ts';
import { CliError, type CliIo } from './io.ts';

export async function tokenCreate(io: CliIo, flags: { system: string; fonds: string; callback?: string }): Promise<void> {
  const config = loadConfig(io.env, io.cwd);
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  try {
    let created;
    try {
      created = await createToken(database.db, { system: flags.system, fonds: flags.fonds.split(','), callbackUrl: flags.callback, actor: 'cli:token-create' });
    } catch (e) {
      if (e instanceof TypeError) throw new CliError(`dangan ${e.message}`);
      throw e;
    }
    io.err(`令牌已创建 (token created) id=${created.id} system=${created.system} fonds=${created.fonds.join(',')}\n`);
    io.err('令牌只显示这一次，服务只保存其 SHA-256 (shown once; only its SHA-256 is stored)\n');
    if (created.callbackSecret) {
      io.out(`callback: ${created.callbackUrl}\n`);
      io.out(`callback-secret: ${created.callbackSecret}\n`);
    }
    io.out(`${created.token}\n`);
  } finally {
    await database.close();
  }
}
