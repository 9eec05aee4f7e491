// The command tree of interfaces.md; each command's work lives in its own file.
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/index.ts';
import { CliError, EXIT, processIo, type CliIo } from './io.ts';
import { VERSION } from './version.ts';

export function buildProgram(io: CliIo): Command {
  const program = new Command('dangan')
    .description('档案四性检测与归档服务 — electronic-archive ingest, four-property checks, storage, transfer and audit')
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showHelpAfterError('(dangan --help 查看用法 / for usage)')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });

  const sub = (c: Command) => c.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err }).showHelpAfterError(`(dangan ${c.name()} --help 查看用法 / for usage)`);

  sub(program.command('check <path>'))
    .description('check a package (zip, folder, BagIt bag, transfer package) without storing anything; exit 0 accepted, 1 rejected, 2 could not run')
    .option('--stage <stage>', 'archiving | transfer | preservation', 'archiving')
    .option('--profile <name|file>', 'built-in profile name or the operator\'s profile file')
    .option('--json', 'print the report JSON')
    .option('--html <file>', 'also write the report as HTML')
    .action(async (path: string, flags: { stage: string; profile?: string; json?: boolean; html?: string }) => {
      const { check } = await import('./check.ts');
      const code = await check(io, path, flags);
      if (code !== EXIT.ok) throw new CliError('', code);
    });

  sub(program.command('serve'))
    .description('run the HTTP API, the web UI and the background workers in one process')
    .option('--port <n>', 'port to listen on (default DANGAN_PORT or 8080)')
    .option('--with-sample', 'ingest the bundled sample package at start-up (what `npm start` does)')
    .option('--no-workers', 'the API alone: no background workers in this process (run `dangan worker` processes)')
    .action(async (opts: { port?: string; withSample?: boolean; workers?: boolean }) => {
      const { serve } = await import('./serve.ts');
      await serve(io, opts);
    });

  sub(program.command('worker'))
    .description('run only the background workers against the shared database and stores')
    .action(async () => {
      const { worker } = await import('./worker.ts');
      await worker(io);
    });

  sub(program.command('submit <path>'))
    .description('upload a package to a running service, with a progress bar')
    .requiredOption('--url <url>', 'the service, e.g. https://archive.example.gov.cn')
    .requiredOption('--token <token>', 'the submitting system\'s bearer token')
    .option('--wait', 'wait for the verdict and exit as check does')
    .option('--idempotency-key <key>', 'send again safely: the same key and bytes return the first submission')
    .option('--fonds <code>', 'the fonds submitted to (X-Dangan-Fonds), for a token of several fonds')
    .action(async (path: string, flags: { url: string; token: string; wait?: boolean; idempotencyKey?: string; fonds?: string }) => {
      const { submit } = await import('./submit.ts');
      const code = await submit(io, path, flags);
      if (code !== EXIT.ok) throw new CliError('', code);
    });

  sub(program.command('import <dir>'))
    .description('ingest every package under a folder (offline carriers) into the local service')
    .option('--wait', 'wait until every package is checked and archived (import always does)')
    .action(async (dir: string) => {
      const { importDir } = await import('./import.ts');
      const code = await importDir(io, dir);
      if (code !== EXIT.ok) throw new CliError('', code);
    });

  const transfer = sub(program.command('transfer')).description('transfer packages (移交信息包)');
  sub(transfer.command('create'))
    .description('build a transfer package of archived records, store it with its backups, print its id and digest')
    .requiredOption('--fonds <code>', '全宗号, e.g. J001')
    .option('--year <year>', '年度')
    .option('--records <codes>', 'comma-separated 档号 list')
    .option('--out <file>', 'also write the package to this file')
    .option('--retention <code>', '保管期限: Y, D30, D10')
    .option('--volumes <codes>', 'comma-separated 案卷档号 list (volumes are transferred whole)')
    .option('--to <unit>', '接收单位 (the receiving archive)')
    .option('--title <text>', '交接工作名称')
    .option('--prepared-by <name>', '填表人')
    .option('--reviewed-by <name>', '审核人')
    .option('--access <opinion>', '开放利用意见 for records whose metadata states none: 开放 | 控制 (default 控制)')
    .option('--json', 'print the transfer as JSON')
    .action(async (flags: import('./transfer.ts').TransferFlags) => {
      const { transferCreate } = await import('./transfer.ts');
      const code = await transferCreate(io, flags);
      if (code !== EXIT.ok) throw new CliError('', code);
    });

  sub(program.command('receive <package>'))
    .description('check a transfer package at the receiving archive and, when accepted, ingest it and write the 交接登记表')
    .option('--register <file>', 'where to write the handover register (交接登记表.xml; its seal beside it as FILE.p7s)')
    .option('--received-by <name>', '接收人')
    .option('--json', 'print the verdict, report and handover register keys as JSON')
    .action(async (path: string, flags: { register?: string; receivedBy?: string; json?: boolean }) => {
      const { receive } = await import('./receive.ts');
      const code = await receive(io, path, flags);
      if (code !== EXIT.ok) throw new CliError('', code);
    });

  sub(program.command('audit'))
    .description('run a fixity audit now (stage preservation); exit 1 when anything failed')
    .option('--sample <percent>', 'share of objects to re-read')
    .option('--store <name>', 'only this store')
    .option('--repair', 'rewrite bad or missing copies from a good copy')
    .option('--json', 'print the report JSON')
    .option('--html <file>', 'also write the report as HTML')
    .action(async (flags: { sample?: string; store?: string; repair?: boolean; json?: boolean; html?: string }) => {
      const { audit } = await import('./audit.ts');
      const code = await audit(io, flags);
      if (code !== EXIT.ok) throw new CliError('', code);
    });

  const log = sub(program.command('log')).description('the tamper-evident event log');
  sub(log.command('verify'))
    .description('verify the event log end to end; exit 1 and the first broken entry when it is not intact')
    .action(async () => {
      const { logVerify } = await import('./log.ts');
      const code = await logVerify(io);
      if (code !== EXIT.ok) throw new CliError('', code);
    });

  const token = sub(program.command('token')).description('bearer tokens for submitting systems, auditors and administrators');
  sub(token.command('create'))
    .description('create a token; prints it alone on the last line (only its hash is stored)')
    .requiredOption('--system <name>', 'the submitting system')
    .requiredOption('--fonds <codes>', 'comma-separated 全宗号 the token may submit to')
    .option('--role <role>', 'submitter (push packages, read its fonds) | auditor (also the event log and audits, no pushing) | admin (both)', 'submitter')
    .option('--callback <url>', 'where verdicts are POSTed (signed with the secret printed once)')
    .action(async (flags: { system: string; fonds: string; role?: string; callback?: string }) => {
      const { tokenCreate } = await import('./token.ts');
      await tokenCreate(io, flags);
    });
  sub(token.command('list'))
    .description('list the tokens (never the tokens themselves): id, role, system, fonds, created')
    .option('--all', 'include revoked tokens')
    .option('--json', 'print JSON')
    .action(async (flags: { all?: boolean; json?: boolean }) => {
      const { tokenList } = await import('./token.ts');
      await tokenList(io, flags);
    });
  sub(token.command('revoke <id>'))
    .description('revoke a token by its id or an id prefix (at least 4 characters); refused at once from then on')
    .action(async (id: string) => {
      const { tokenRevoke } = await import('./token.ts');
      await tokenRevoke(io, id);
    });

  const user = sub(program.command('user')).description('staff users of the web UI');
  sub(user.command('add <name>'))
    .description('add a staff user of the web UI; the password is asked for on a terminal or read from stdin')
    .requiredOption('--role <role>', 'receiver | auditor | admin')
    .action(async (name: string, flags: { role: string }) => {
      const { userAdd } = await import('./user.ts');
      await userAdd(io, name, flags);
    });

  sub(program.command('catalogue <package>'))
    .description('print the 卷内目录, 案卷目录 and 备考表 of a package; exit 1 when some metadata could not be read')
    .option('--html <file>', 'also write them as a printable HTML page')
    .option('--xml <file>', 'also write them as XML')
    .action(async (path: string, flags: { html?: string; xml?: string }) => {
      const { catalogue } = await import('./catalogue.ts');
      const code = await catalogue(io, path, flags);
      if (code !== EXIT.ok) throw new CliError('', code);
    });

  return program;
}

/** Runs the command line and returns the exit code; never throws. */
export async function runCli(argv: string[], io: CliIo = processIo()): Promise<number> {
  const program = buildProgram(io);
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return EXIT.usage;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end with code 0; unknown commands and bad flags are usage errors.
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (e instanceof CliError) {
      if (e.message) io.err(`${e.message}\n`);
      return e.exitCode;
    }
    if (e instanceof ConfigError) {
      io.err(`${e.message}\n`);
      return EXIT.usage;
    }
    io.err(`dangan: ${(e as Error).message}\n`);
    return EXIT.usage;
  }
}
