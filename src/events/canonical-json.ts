// Canonical JSON: the one byte-exact serialisation of a JSON value that event hashes are computed over.
/**
 * canonicalJson(value) — defined precisely (it agrees with RFC 8785 JCS for the values it accepts):
 *
 * - `null`, `true`, `false` as themselves.
 * - Numbers: finite only (NaN/±Infinity are refused), written as ECMAScript's Number-to-String
 *   (what JSON.stringify writes: `1`, `0.5`, `1e+21`, `-0` as `0`).
 * - Strings: `"…"` with `"` and `\` escaped as `\"` `\\`, U+0008/0009/000A/000C/000D as
 *   `\b \t \n \f \r`, other characters below U+0020 as `\u00xx` (lowercase hex); every other
 *   character as itself, encoded UTF-8. Strings holding U+0000 or a lone surrogate are refused
 *   (PostgreSQL cannot store them, so they could never verify).
 * - Arrays: `[` elements joined by `,` `]`, in order.
 * - Objects (plain objects only): members sorted by key, comparing keys as sequences of UTF-16 code
 *   units; `{` `"key":value` joined by `,` `}`; members whose value is `undefined` are left out.
 * - No whitespace anywhere. Anything else (bigint, Date, Map, class instances, functions, symbols,
 *   `undefined` at the top or in an array) is refused with a TypeError.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue | undefined };

export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  write(value, out, '$');
  return out.join('');
}

/** The value as it will read back from the database after canonicalisation (undefined members gone). */
export function normalizeJson<T>(value: T): T {
  return JSON.parse(canonicalJson(value)) as T;
}

function write(v: unknown, out: string[], path: string): void {
  if (v === null) {
    out.push('null');
    return;
  }
  switch (typeof v) {
    case 'boolean':
      out.push(v ? 'true' : 'false');
      return;
    case 'number':
      if (!Number.isFinite(v)) throw new TypeError(`canonicalJson: ${path} is not a finite number`);
      out.push(JSON.stringify(v));
      return;
    case 'string':
      if (v.includes('\u0000')) throw new TypeError(`canonicalJson: ${path} contains U+0000`);
      if (!v.isWellFormed()) throw new TypeError(`canonicalJson: ${path} contains a lone surrogate`);
      out.push(JSON.stringify(v));
      return;
    case 'object': {
      if (Array.isArray(v)) {
        out.push('[');
        v.forEach((item, i) => {
          if (i > 0) out.push(',');
          if (item === undefined) throw new TypeError(`canonicalJson: ${path}[${i}] is undefined`);
          write(item, out, `${path}[${i}]`);
        });
        out.push(']');
        return;
      }
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) {
        throw new TypeError(`canonicalJson: ${path} is not a plain object`);
      }
      const obj = v as Record<string, unknown>;
      const keys = Object.keys(obj)
        .filter((k) => obj[k] !== undefined)
        .sort();
      out.push('{');
      keys.forEach((k, i) => {
        if (i > 0) out.push(',');
        write(k, out, `${path} key`);
        out.push(':');
        write(obj[k], out, `${path}.${k}`);
      });
      out.push('}');
      return;
    }
    default:
      throw new TypeError(`canonicalJson: ${path} has unsupported type ${typeof v}`);
  }
}
