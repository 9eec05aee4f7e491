// An exclusive lock file that keeps a second process away from the embedded (single-process) PGlite data dir.
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';

export const LOCK_FILE_NAME = 'pglite.lock';

/** Another live process holds the embedded database. */
export class DatabaseBusyError extends Error {
  override readonly name = 'DatabaseBusyError';
  readonly dataDir: string;
  readonly holder: LockHolder;
  constructor(dataDir: string, holder: LockHolder) {
    const who = holder.hostname === hostname() ? `进程 ${holder.pid}` : `主机 ${holder.hostname} 上的进程 ${holder.pid}`;
    super(
      `嵌入式数据库 ${dataDir} 正被${who}使用（dangan serve?，自 ${holder.startedAt} 起）。` +
        `嵌入式数据库只能由一个进程打开：请停止那个进程，或设置 DATABASE_URL 使用 PostgreSQL 服务器。` +
        ` (The embedded database ${dataDir} is in use by process ${holder.pid} on ${holder.hostname}; ` +
        `stop that process, or use DATABASE_URL for a PostgreSQL server so that several processes can share it.)`,
    );
    this.dataDir = dataDir;
    this.holder = holder;
  }
}

/** The data directory cannot be created or written (or the embedded database in it cannot be opened). */
export class DataDirError extends Error {
  override readonly name = 'DataDirError';
  readonly path: string;
  constructor(path: string, cause: unknown, what = '数据目录 %s 无法创建或写入 (data directory is not writable)') {
    const code = (cause as NodeJS.ErrnoException)?.code ?? (cause instanceof Error ? cause.message : String(cause));
    super(`${what.replace('%s', path)}: ${code}`, { cause });
    this.path = path;
  }
}

/** What the lock file holds: enough to tell a live holder from a stale one. */
export interface LockHolder {
  pid: number;
  hostname: string;
  startedAt: string;
  /** Linux: the kernel boot id and the process start time (clock ticks since boot), to survive pid reuse. */
  bootId?: string;
  procStart?: string;
  token: string;
}

export interface DataDirLock {
  readonly path: string;
  readonly holder: LockHolder;
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): void;
}

const held = new Map<string, DataDirLock>();
let exitHookInstalled = false;

/**
 * Takes `<dataDir>/pglite.lock`, creating dataDir if needed. Throws DatabaseBusyError at once when a
 * live process holds it (including this very process), DataDirError when the directory is unusable.
 * A lock left by a dead process (pid gone, or the pid now names a different process) is taken over.
 */
export function acquireDataDirLock(dataDir: string): DataDirLock {
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (e) {
    throw new DataDirError(dataDir, e);
  }
  const path = join(dataDir, LOCK_FILE_NAME);
  const mine = held.get(path);
  if (mine) throw new DatabaseBusyError(dataDir, mine.holder);

  const me: LockHolder = {
    pid: process.pid,
    hostname: hostname(),
    startedAt: new Date().toISOString(),
    bootId: readBootId(),
    procStart: readProcStart(process.pid),
    token: randomUUID(),
  };
  for (let attempt = 0; attempt < 5; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o644);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw new DataDirError(dataDir, e);
      const text = readLockText(path);
      if (text === undefined) continue; // removed meanwhile: try again
      const other = parseHolder(text);
      if (other && isAlive(other)) throw new DatabaseBusyError(dataDir, other);
      // Stale (or unreadable, e.g. a crash between create and write): move it aside, but only if it
      // is still the file we judged, so two processes taking over at once cannot remove a fresh lock.
      const aside = `${path}.stale-${process.pid}-${me.token}`;
      try {
        renameSync(path, aside);
      } catch {
        continue;
      }
      if (readLockText(aside) !== text) {
        // Someone replaced it between our read and rename: put it back and look again.
        try {
          renameSync(aside, path);
        } catch {
          /* the other process will find its lock gone and retry */
        }
        continue;
      }
      unlinkSync(aside);
      continue;
    }
    try {
      writeSync(fd, JSON.stringify(me) + '\n');
    } finally {
      closeSync(fd);
    }
    const lock: DataDirLock = {
      path,
      holder: me,
      release() {
        if (held.get(path) !== lock) return;
        held.delete(path);
        const now = readLockText(path);
        if (now !== undefined && parseHolder(now)?.token === me.token) {
          try {
            unlinkSync(path);
          } catch {
            /* already gone */
          }
        }
      },
    };
    held.set(path, lock);
    installExitHook();
    return lock;
  }
  throw new DataDirError(dataDir, new Error('could not take the lock file after several attempts'));
}

function readLockText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const v = JSON.parse(text) as LockHolder;
    return typeof v?.pid === 'number' && typeof v.hostname === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(h: LockHolder): boolean {
  // A holder on another host (a shared network file system) cannot be checked: assume it is alive.
  if (h.hostname !== hostname()) return true;
  if (h.bootId && readBootId() && h.bootId !== readBootId()) return false; // rebooted since
  if (h.pid === process.pid) {
    // Our own pid but not a lock we hold: left by an earlier process with the same pid (containers).
    return false;
  }
  try {
    process.kill(h.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
    // EPERM: it exists, owned by someone else.
  }
  if (h.procStart) {
    const now = readProcStart(h.pid);
    if (now !== undefined && now !== h.procStart) return false; // the pid was reused
  }
  return true;
}

function readBootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Field 22 (starttime) of /proc/<pid>/stat; the command name (field 2) may hold spaces and ')'. */
function readProcStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A process that exits without closing the database leaves no lock behind (a crash does: stale).
  process.once('exit', () => {
    for (const lock of [...held.values()]) lock.release();
  });
}
