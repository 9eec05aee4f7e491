// `dangan token create|list|revoke`: bearer tokens for submitting systems (role submitter) and for
// auditors and administrators; printed once, stored as their SHA-256, revoked by id or id prefix.
import { loadConfig } from '../config/index.ts';
import { openDatabase, type Db } from '../db/index.ts';
import { createToken, listTokens, revokeToken } from '../ingest/index.ts';
import { CliError, type CliIo } from './io.ts';

async function withDb<T>(io: CliIo, fn: (db: Db) => Promise<T>): Promise<T> {
  const config = loadConfig(io.env, io.cwd);
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  try {
    return await fn(database.db);
  } finally {
    await database.close();
  }
}

export async function tokenCreate(io: CliIo, flags: { system: string; fonds: string; role?: string; callback?: string }): Promise<void> {
  await withDb(io, async (db) => {
    let created;
    try {
      created = await createToken(db, { system: flags.system, fonds: flags.fonds.split(','), role: flags.role, callbackUrl: flags.callback, actor: 'cli:token-create' });
    } catch (e) {
      if (e instanceof TypeError) throw new CliError(`dangan ${e.message}`);
      throw e;
    }
    io.err(`令牌已创建 (token created) id=${created.id} system=${created.system} fonds=${created.fonds.join(',')} role=${created.role}\n`);
    io.err('令牌只显示这一次，服务只保存其 SHA-256 (shown once; only its SHA-256 is stored)\n');
    if (created.callbackSecret) {
      io.out(`callback: ${created.callbackUrl}\n`);
      io.out(`callback-secret: ${created.callbackSecret}\n`);
    }
    io.out(`${created.token}\n`);
  });
}

const day = (d: Date | null) => (d ? d.toISOString().slice(0, 19).replace('T', ' ') : '');

export async function tokenList(io: CliIo, flags: { all?: boolean; json?: boolean }): Promise<void> {
  await withDb(io, async (db) => {
    const rows = await listTokens(db, { active: !flags.all });
    if (flags.json) {
      io.out(`${JSON.stringify(rows, null, 2)}\n`);
      return;
    }
    if (rows.length === 0) {
      io.err(flags.all ? '没有令牌 (no tokens)\n' : '没有有效的令牌 (no active tokens; --all shows revoked ones)\n');
      return;
    }
    const table = [
      ['id', 'role', 'system', 'fonds', 'created (UTC)', ...(flags.all ? ['revoked (UTC)'] : [])],
      ...rows.map((t) => [t.id, t.role, t.system, t.fonds.join(','), day(t.createdAt), ...(flags.all ? [day(t.revokedAt)] : [])]),
    ];
    const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
    for (const r of table) io.out(`${r.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()}\n`);
  });
}

export async function tokenRevoke(io: CliIo, idOrPrefix: string): Promise<void> {
  await withDb(io, async (db) => {
    const r = await revokeToken(db, idOrPrefix, { actor: 'cli:token-revoke' });
    switch (r.kind) {
      case 'not_found':
        throw new CliError(`dangan token revoke: 没有这个令牌 (no token with id or id prefix ${idOrPrefix}); see dangan token list`, 1);
      case 'ambiguous':
        throw new CliError(`dangan token revoke: ${idOrPrefix} 匹配多个令牌，请给出更长的前缀 (matches several tokens: ${r.matches.map((t) => t.id).join(', ')})`);
      case 'already_revoked':
        io.err(`令牌已于 ${day(r.token.revokedAt)} 吊销 (already revoked) id=${r.token.id} system=${r.token.system}\n`);
        return;
      case 'revoked':
        io.err(`令牌已吊销，立即失效 (token revoked; it is refused from now on) id=${r.token.id} system=${r.token.system} role=${r.token.role}\n`);
    }
  });
}

