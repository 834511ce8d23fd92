// Base64 transfer-decoding for postal-mime with Node's native decoder.
// postal-mime decodes base64 parts (attachments, most bodies) with a JS loop
// per line: ~30% of its parse time on our corpus. The replacement keeps its
// exact semantics (see decodeMimeBase64) so that sizes and hashes of
// attachments stored before it are reproduced byte for byte.
import PostalMime from 'postal-mime';

const NOT_BASE64 = /[^A-Za-z0-9+/=]+/g;

/**
 * postal-mime's reading of a base64 body: characters outside the alphabet are
 * ignored, and every run of '=' ends a unit that is decoded on its own (some
 * mailers pad each line). A trailing single character carries no byte.
 */
export function decodeMimeBase64(encoded: string): Buffer {
  // Node's decoder skips whitespace and other stray characters by itself, but it reads '-' and '_'
  // (base64url) and stops at the first '=': only then is the string cleaned and split first.
  const pad = encoded.indexOf('=');
  if (encoded.indexOf('-') < 0 && encoded.indexOf('_') < 0 && (pad < 0 || !/[A-Za-z0-9+/]/.test(encoded.slice(pad)))) return Buffer.from(encoded, 'base64');
  return decodeCleaned(encoded);
}

function decodeCleaned(encoded: string): Buffer {
  const clean = encoded.replace(NOT_BASE64, '');
  const pad = clean.indexOf('=');
  // the common case: one unit, padding (if any) only at the end
  if (pad < 0 || /^=+$/.test(clean.slice(pad))) return Buffer.from(clean.slice(0, pad < 0 ? clean.length : pad), 'base64');
  return Buffer.concat(clean.split(/=+/).map((unit) => Buffer.from(unit, 'base64')));
}

/** A Buffer's bytes as an ArrayBuffer of exactly that length (small Buffers share a pool slab). */
function ownArrayBuffer(b: Buffer): ArrayBuffer {
  if (b.byteOffset === 0 && b.buffer.byteLength === b.length && b.buffer instanceof ArrayBuffer) return b.buffer;
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer;
}

interface LineDecoder {
  update(line: Uint8Array): void;
  finalize(): Promise<ArrayBuffer>;
}

/** Same interface as postal-mime's Base64Decoder: lines in (views on the parser's buffer), bytes out. */
class NativeBase64Decoder implements LineDecoder {
  private readonly lines: Uint8Array[] = [];

  update(line: Uint8Array): void {
    this.lines.push(line);
  }

  finalize(): Promise<ArrayBuffer> {
    const all = Buffer.concat(this.lines);
    return Promise.resolve(ownArrayBuffer(decodeMimeBase64(all.toString('latin1'))));
  }
}

interface MimeNodeLike {
  contentDecoder: LineDecoder | null;
  setupContentDecoder(transferEncoding: string): void;
}

let installed = false;

/**
 * Makes every postal-mime parse in this thread decode base64 natively.
 * postal-mime exposes no hook for it, so the MIME node prototype is reached
 * through a parser instance; if its shape ever changes, nothing is patched and
 * parsing stays correct, only slower. Returns whether the native path is on.
 */
export function useNativeBase64(): boolean {
  if (installed) return true;
  const root = (new PostalMime() as unknown as { root?: MimeNodeLike }).root;
  const proto = root ? (Object.getPrototypeOf(root) as MimeNodeLike) : null;
  if (!proto || typeof proto.setupContentDecoder !== 'function') return false;
  const original = proto.setupContentDecoder;
  proto.setupContentDecoder = function (this: MimeNodeLike, transferEncoding: string): void {
    if (/base64/i.test(transferEncoding)) this.contentDecoder = new NativeBase64Decoder();
    else original.call(this, transferEncoding);
  };
  installed = true;
  return true;
}
