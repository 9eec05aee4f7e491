// Staff users of the UI: adding one (the `dangan user add` command) and checking a login.
import { eq } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import { USER_ROLES, users, type UserRole } from '../db/schema.ts';
import { appendEvent } from '../events/index.ts';
import { decoyHash, hashPassword, verifyPassword } from './password.ts';

export interface StaffUser {
  id: string;
  name: string;
  role: UserRole;
}

const NAME = /^[\p{L}\p{N}._@-]{1,64}$/u;
export const MIN_PASSWORD_LENGTH = 10;

export type AddUserResult = { kind: 'created'; user: StaffUser } | { kind: 'invalid'; message: string } | { kind: 'exists' };

export function isUserRole(v: string): v is UserRole {
  return (USER_ROLES as readonly string[]).includes(v);
}

export async function addUser(db: Db, input: { name: string; role: string; password: string; actor: string }): Promise<AddUserResult> {
  if (!NAME.test(input.name)) return { kind: 'invalid', message: `用户名应为 1–64 个字母、数字或 . _ @ - (invalid user name): ${input.name}` };
  if (!isUserRole(input.role)) return { kind: 'invalid', message: `角色应为 ${USER_ROLES.join(' | ')} (unknown role): ${input.role}` };
  if ([...input.password].length < MIN_PASSWORD_LENGTH) return { kind: 'invalid', message: `密码至少 ${MIN_PASSWORD_LENGTH} 个字符 (password too short)` };
  const role = input.role;
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    const [row] = await tx.insert(users).values({ name: input.name, role, passwordHash }).onConflictDoNothing({ target: users.name }).returning({ id: users.id });
    if (!row) return { kind: 'exists' } as const;
    await appendEvent(tx, { type: 'user.created', actor: input.actor, subject: { type: 'user', id: input.name }, payload: { role } });
    return { kind: 'created', user: { id: row.id, name: input.name, role } } as const;
  });
}

/** The user when the name and password match an enabled user; always spends one scrypt. */
export async function checkLogin(db: Db, name: string, password: string): Promise<StaffUser | undefined> {
  const [u] = await db.select().from(users).where(eq(users.name, name));
  const ok = await verifyPassword(password, u && !u.disabledAt ? u.passwordHash : await decoyHash());
  return ok && u && !u.disabledAt ? { id: u.id, name: u.name, role: u.role } : undefined;
}
