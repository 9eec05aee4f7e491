// Object keys: the content-key layout, the reserved temporary area, and validation shared by drivers.
import { StoreError } from './types.ts';

/** Temporary objects live under this first segment; list() never shows it and callers cannot use it. */
export const TEMP_DIR = '.tmp';

const CONTENT_DIR = 'sha256';
const SHA256_HEX = /^[0-9a-f]{64}$/;
// Control characters (C0, DEL) are refused: they break logs, shells and some servers.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The key a blob is stored under when the caller names none: `sha256/<2 hex>/<2 hex>/<sha256>`. */
export function contentKey(sha256: string): string {
  const hex = sha256.toLowerCase();
  if (!SHA256_HEX.test(hex)) throw new TypeError(`contentKey: not a SHA-256 hex digest: ${sha256}`);
  return `${CONTENT_DIR}/${hex.slice(0, 2)}/${hex.slice(2, 4)}/${hex}`;
}

/** Why a key is unusable, or undefined when it is fine. Same rules for every driver. */
export function keyProblem(key: unknown): string | undefined {
  if (typeof key !== 'string' || key === '') return '键为空 (empty key)';
  if (Buffer.byteLength(key) > 1024) return '键超过 1024 字节 (key longer than 1024 bytes)';
  if (key.includes('\\')) return '键含反斜杠 (backslash in key)';
  if (CONTROL.test(key)) return '键含控制字符 (control character in key)';
  if (key.startsWith('/')) return '键不能是绝对路径 (absolute key)';
  const segments = key.split('/');
  for (const s of segments) {
    if (s === '') return '键含空段 (empty segment in key)';
    if (s === '.' || s === '..') return '键含 . 或 .. 段 (dot segment in key)';
    if (Buffer.byteLength(s) > 255) return '键的某段超过 255 字节 (segment longer than 255 bytes)';
  }
  if (segments[0] === TEMP_DIR) return `键不能位于保留目录 ${TEMP_DIR}/ (reserved prefix)`;
  return undefined;
}

export function assertKey(store: string, key: unknown): asserts key is string {
  const problem = keyProblem(key);
  if (problem) throw new StoreError(store, 'invalid_key', `${problem}: ${JSON.stringify(key)}`);
}

/** A key the caller may choose for put: valid and outside the content-key area. */
export function assertPutKey(store: string, key: string): void {
  assertKey(store, key);
  if (key.split('/')[0] === CONTENT_DIR) {
    throw new StoreError(store, 'invalid_key', `键不能位于内容寻址目录 ${CONTENT_DIR}/ (reserved for content keys; omit key instead): ${key}`);
  }
}

/** A list prefix: '' or a partial key. Its complete segments follow the key rules; the last may be partial. */
export function assertPrefix(store: string, prefix: string): void {
  if (prefix === '') return;
  const segments = prefix.split('/');
  const bad =
    prefix.includes('\\') ||
    CONTROL.test(prefix) ||
    prefix.startsWith('/') ||
    segments.slice(0, -1).some((s) => s === '' || s === '.' || s === '..') ||
    (segments.length > 1 && segments[0] === TEMP_DIR);
  if (bad) throw new StoreError(store, 'invalid_key', `前缀无效 (invalid prefix): ${JSON.stringify(prefix)}`);
}

export function normalizeSha256(store: string, hex: string): string {
  const h = hex.toLowerCase();
  if (!SHA256_HEX.test(h)) throw new StoreError(store, 'invalid_key', `expectedSha256 不是 SHA-256 十六进制值 (not a SHA-256 hex digest): ${hex}`);
  return h;
}
