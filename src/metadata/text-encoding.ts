// Decoding metadata bytes: UTF-8 (BOM tolerated) by default, GB18030/GBK only when declared or allowed.

export type TextEncodingName = 'utf-8' | 'gb18030';

export type Decoded = { ok: true; text: string; encoding: TextEncodingName } | { ok: false; message: string };

const GB_NAMES = new Set(['gb18030', 'gbk', 'gb2312', 'cp936', 'x-gbk', 'windows-936']);
const UTF8_NAMES = new Set(['utf-8', 'utf8']);

function hasUtf8Bom(bytes: Uint8Array): boolean {
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
}

function hasUtf16Bom(bytes: Uint8Array): boolean {
  return (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
}

function tryDecode(label: string, bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder(label, { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Decodes an XML document's bytes per its declared encoding (from the prolog, lower-cased):
 * none or UTF-8 → strict UTF-8 (BOM removed); GB18030/GBK/GB2312 → GB18030. Anything else, or bytes
 * that do not fit, is an error message (a '3-1' finding for the caller).
 */
export function decodeText(bytes: Uint8Array, declared: string | undefined): Decoded {
  if (hasUtf16Bom(bytes)) return { ok: false, message: '不支持 UTF-16 编码，应为 UTF-8 或声明的 GB18030 (UTF-16 is not accepted)' };
  if (declared === undefined || UTF8_NAMES.has(declared)) {
    const text = tryDecode('utf-8', bytes);
    if (text !== undefined) return { ok: true, text, encoding: 'utf-8' };
    const looksGb = tryDecode('gb18030', bytes) !== undefined;
    return {
      ok: false,
      message:
        `文件不是有效的 UTF-8${looksGb ? '（疑似 GBK/GB18030，但未在 XML 声明中声明）' : ''}` +
        ` (bytes are not valid UTF-8${looksGb ? '; they look like GBK/GB18030, which must be declared' : ''}` +
        `${declared ? '' : ', and no other encoding is declared'})`,
    };
  }
  if (GB_NAMES.has(declared)) {
    if (hasUtf8Bom(bytes)) return { ok: false, message: `声明编码 ${declared} 与 UTF-8 BOM 矛盾 (declared ${declared} but the file has a UTF-8 BOM)` };
    const text = tryDecode('gb18030', bytes);
    if (text !== undefined) return { ok: true, text, encoding: 'gb18030' };
    return { ok: false, message: `文件内容不符合声明的编码 ${declared} (bytes are not valid ${declared})` };
  }
  return { ok: false, message: `不支持的编码 ${declared}，应为 UTF-8 或 GB18030/GBK (unsupported encoding)` };
}

/** Decodes a plain text file: UTF-8 (BOM tolerated), else GB18030 when the bytes are not valid UTF-8. */
export function decodePlainText(bytes: Uint8Array): Decoded {
  if (hasUtf16Bom(bytes)) return { ok: false, message: '不支持 UTF-16 编码，应为 UTF-8 或 GB18030 (UTF-16 is not accepted)' };
  const utf8 = tryDecode('utf-8', bytes);
  if (utf8 !== undefined) return { ok: true, text: utf8, encoding: 'utf-8' };
  const gb = tryDecode('gb18030', bytes);
  if (gb !== undefined) return { ok: true, text: gb, encoding: 'gb18030' };
  return { ok: false, message: '文件既不是有效的 UTF-8 也不是 GB18030 (neither valid UTF-8 nor GB18030)' };
}
