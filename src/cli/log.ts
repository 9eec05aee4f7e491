// `dangan log verify`: walks the hash-chained event log end to end; exit 1 naming the first broken entry.
import { SingleBar } from 'cli-progress';
import { loadConfig } from '../config/index.ts';
import { openDatabase } from '../db/index.ts';
import { verifyEventLog } from '../events/index.ts';
import { EXIT, type CliIo } from './io.ts';

export async function logVerify(io: CliIo): Promise<number> {
  const config = loadConfig(io.env, io.cwd);
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  const bar = io.isTTY ? new SingleBar({ format: '校验事件日志 {value} 条', hideCursor: true, stream: process.stderr }) : undefined;
  try {
    bar?.start(0, 0);
    const r = await verifyEventLog(database.db, { onProgress: (n) => bar?.update(n) });
    bar?.stop();
    if (r.ok) {
      io.out(`事件日志完好 (event log intact): ${r.count} 条, 末条摘要 ${r.lastHash}\n`);
      return EXIT.ok;
    }
    io.out(`事件日志已被篡改 (event log NOT intact): 第一处问题在事件 ${r.firstBad.seq} [${r.firstBad.reason}]\n${r.firstBad.message}\n`);
    return EXIT.rejected;
  } finally {
    bar?.stop();
    await database.close();
  }
}
