// Reads an untrusted .zip entirely in memory (nothing touches the disk). The
// central directory is parsed here rather than by fflate's unzip because that
// one trusts the declared sizes: a zip bomb must be stopped while inflating.
import { crc32 } from 'node:zlib';
import { Inflate } from 'fflate';
import { AppError } from '../errors/index.js';
import { DEFAULT_ZIP_LIMITS, type ZipLimits } from './limits.js';

export interface ZipFile {
  /** normalised path: '/' separators, no leading './' */
  path: string;
  /** the name as stored in the archive (may contain backslashes) */
  rawName: string;
  bytes: Uint8Array;
}

const SIG_EOCD = 0x06054b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;
const INFLATE_CHUNK = 8 * 1024;

interface CentralEntry {
  rawName: string;
  path: string;
  isDirectory: boolean;
  method: number;
  crc: number;
  compressedSize: number;
  declaredSize: number;
  localOffset: number;
}

/** Lists and inflates every file of the archive, enforcing `limits`. */
export function readZipSafely(data: Uint8Array, limits: ZipLimits = DEFAULT_ZIP_LIMITS): ZipFile[] {
  if (data.length > limits.maxArchiveBytes) {
    throw new AppError('XDM_ZIP_TOO_LARGE', `archive is ${data.length} bytes, limit ${limits.maxArchiveBytes}`);
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const entries = readCentralDirectory(data, view, limits);
  checkNoDuplicates(entries);
  const ranges = entries.filter((e) => !e.isDirectory).map((e) => ({ entry: e, ...dataRange(data, view, e) }));
  checkNoOverlap(ranges);

  const files: ZipFile[] = [];
  let total = 0;
  for (const { entry, start, end } of ranges) {
    const bytes = inflateEntry(entry, data.subarray(start, end), limits, total);
    total += bytes.length;
    files.push({ path: entry.path, rawName: entry.rawName, bytes });
  }
  return files;
}

function readCentralDirectory(data: Uint8Array, view: DataView, limits: ZipLimits): CentralEntry[] {
  const eocd = findEocd(view);
  if (eocd < 0) throw new AppError('XDM_ZIP_INVALID', 'no end of central directory record');
  const diskNumber = view.getUint16(eocd + 4, true);
  const cdDisk = view.getUint16(eocd + 6, true);
  const totalEntries = view.getUint16(eocd + 10, true);
  const cdSize = view.getUint32(eocd + 12, true);
  const cdOffset = view.getUint32(eocd + 16, true);
  if (totalEntries === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    throw new AppError('XDM_ZIP_UNSUPPORTED', 'ZIP64 archive');
  }
  if (diskNumber !== 0 || cdDisk !== 0) throw new AppError('XDM_ZIP_UNSUPPORTED', 'multi-volume archive');
  if (totalEntries > limits.maxEntries) {
    throw new AppError('XDM_ZIP_TOO_MANY_ENTRIES', `${totalEntries} entries, limit ${limits.maxEntries}`);
  }
  if (cdOffset + cdSize > eocd) throw new AppError('XDM_ZIP_INVALID', 'central directory out of bounds');

  const entries: CentralEntry[] = [];
  let p = cdOffset;
  const cdEnd = cdOffset + cdSize;
  while (p < cdEnd) {
    // Counted as parsed, not as declared: the EOCD count may lie.
    if (entries.length >= limits.maxEntries) {
      throw new AppError('XDM_ZIP_TOO_MANY_ENTRIES', `more than ${limits.maxEntries} entries`);
    }
    if (p + 46 > cdEnd || view.getUint32(p, true) !== SIG_CENTRAL) {
      throw new AppError('XDM_ZIP_INVALID', 'bad central directory entry');
    }
    const madeBy = view.getUint16(p + 4, true);
    const flags = view.getUint16(p + 8, true);
    const method = view.getUint16(p + 10, true);
    const crc = view.getUint32(p + 16, true);
    const compressedSize = view.getUint32(p + 20, true);
    const declaredSize = view.getUint32(p + 24, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    const externalAttrs = view.getUint32(p + 38, true);
    const localOffset = view.getUint32(p + 42, true);
    const nameEnd = p + 46 + nameLen;
    if (nameEnd + extraLen + commentLen > cdEnd) throw new AppError('XDM_ZIP_INVALID', 'central directory entry overflows');
    const rawName = decodeName(data.subarray(p + 46, nameEnd), (flags & 0x800) !== 0);
    p = nameEnd + extraLen + commentLen;

    if (compressedSize === 0xffffffff || declaredSize === 0xffffffff || localOffset === 0xffffffff) {
      throw new AppError('XDM_ZIP_UNSUPPORTED', 'ZIP64 entry');
    }
    if (flags & 0x1) throw new AppError('XDM_ZIP_UNSUPPORTED', 'encrypted entry');
    const isUnix = madeBy >> 8 === 3;
    if (isUnix && ((externalAttrs >>> 16) & 0o170000) === 0o120000) {
      throw new AppError('XDM_ZIP_UNSAFE_PATH', 'symbolic link entry');
    }
    const path = normaliseEntryName(rawName);
    const isDirectory = rawName.endsWith('/') || rawName.endsWith('\\');
    if (!isDirectory && method !== 0 && method !== 8) {
      throw new AppError('XDM_ZIP_UNSUPPORTED', `compression method ${method}`);
    }
    if (!isDirectory && declaredSize > limits.maxEntryBytes) {
      throw new AppError('XDM_ZIP_TOO_LARGE', `entry declares ${declaredSize} bytes, limit ${limits.maxEntryBytes}`);
    }
    entries.push({ rawName, path, isDirectory, method, crc, compressedSize, declaredSize, localOffset });
  }
  return entries;
}

function findEocd(view: DataView): number {
  const last = view.byteLength - 22;
  const first = Math.max(0, last - 0xffff);
  for (let i = last; i >= first; i--) {
    if (view.getUint32(i, true) === SIG_EOCD && i + 22 + view.getUint16(i + 20, true) <= view.byteLength) return i;
  }
  return -1;
}

function decodeName(bytes: Uint8Array, utf8Flag: boolean): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // Legacy archives store names in the OEM code page; latin1 keeps them readable.
    if (utf8Flag) throw new AppError('XDM_ZIP_INVALID', 'entry name is not valid UTF-8');
    return new TextDecoder('latin1').decode(bytes);
  }
}

/**
 * Windows tools store "SUBSET01\DOC.XML": backslashes are separators here.
 * Absolute names, drive letters, ".." segments and control characters are
 * refused outright, even though nothing is ever extracted: such an archive is
 * hostile, and another tool (or a later "save as") might honour the path.
 */
function normaliseEntryName(rawName: string): string {
  if (rawName.length === 0 || rawName.length > 1024) throw new AppError('XDM_ZIP_UNSAFE_PATH', 'empty or overlong entry name');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(rawName)) throw new AppError('XDM_ZIP_UNSAFE_PATH', 'control character in entry name');
  const slashed = rawName.replace(/\\/g, '/');
  if (slashed.startsWith('/') || /^[a-zA-Z]:/.test(slashed)) throw new AppError('XDM_ZIP_UNSAFE_PATH', 'absolute entry name');
  const segments = slashed.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.some((s) => s === '..')) throw new AppError('XDM_ZIP_UNSAFE_PATH', 'parent directory segment in entry name');
  return segments.join('/');
}

// Two entries with the same name (or the same name in another case) let two
// readers see different files under one name: refuse the ambiguity.
function checkNoDuplicates(entries: CentralEntry[]): void {
  const seen = new Set<string>();
  for (const e of entries) {
    if (e.isDirectory) continue;
    const key = e.path.toLowerCase();
    if (seen.has(key)) throw new AppError('XDM_ZIP_INVALID', 'duplicate entry name');
    seen.add(key);
  }
}

function dataRange(data: Uint8Array, view: DataView, e: CentralEntry): { start: number; end: number } {
  const p = e.localOffset;
  if (p + 30 > data.length || view.getUint32(p, true) !== SIG_LOCAL) throw new AppError('XDM_ZIP_INVALID', 'bad local header');
  const start = p + 30 + view.getUint16(p + 26, true) + view.getUint16(p + 28, true);
  const end = start + e.compressedSize;
  if (end > data.length) throw new AppError('XDM_ZIP_INVALID', 'entry data out of bounds');
  return { start, end };
}

// Overlapping entries reuse one compressed stream many times (the
// "non-recursive" zip bomb): each entry must own its bytes.
function checkNoOverlap(ranges: { start: number; end: number }[]): void {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.start < sorted[i - 1]!.end) throw new AppError('XDM_ZIP_TOO_LARGE', 'overlapping entries');
  }
}

function inflateEntry(e: CentralEntry, compressed: Uint8Array, limits: ZipLimits, totalBefore: number): Uint8Array {
  const limit = Math.min(limits.maxEntryBytes, limits.maxTotalBytes - totalBefore);
  let out: Uint8Array;
  if (e.method === 0) {
    if (compressed.length > limit) throw new AppError('XDM_ZIP_TOO_LARGE', 'stored entry over the size limit');
    out = compressed.slice();
  } else {
    out = inflateBounded(compressed, limit, e.declaredSize, limits);
  }
  if (out.length !== e.declaredSize) throw new AppError('XDM_ZIP_INVALID', 'entry size differs from its header');
  if ((crc32(out) >>> 0) !== e.crc) throw new AppError('XDM_ZIP_INVALID', 'entry CRC mismatch');
  return out;
}

function inflateBounded(compressed: Uint8Array, limit: number, declaredSize: number, limits: ZipLimits): Uint8Array {
  const chunks: Uint8Array[] = [];
  let produced = 0;
  let ended = false;
  const inflater = new Inflate((chunk, final) => {
    chunks.push(chunk);
    produced += chunk.length;
    if (final) ended = true;
  });
  for (let consumed = 0; consumed < compressed.length && !ended; ) {
    const next = Math.min(compressed.length, consumed + INFLATE_CHUNK);
    try {
      inflater.push(compressed.subarray(consumed, next), next === compressed.length);
    } catch (err) {
      throw new AppError('XDM_ZIP_INVALID', 'corrupt deflate stream', { cause: err });
    }
    consumed = next;
    if (produced > limit) throw new AppError('XDM_ZIP_TOO_LARGE', `entry inflates past ${limit} bytes`);
    if (produced > declaredSize) throw new AppError('XDM_ZIP_INVALID', 'entry inflates past its declared size');
    if (produced > limits.ratioFloorBytes && produced / consumed > limits.maxRatio) {
      throw new AppError('XDM_ZIP_TOO_LARGE', `compression ratio over ${limits.maxRatio}`);
    }
  }
  if (compressed.length === 0) throw new AppError('XDM_ZIP_INVALID', 'empty deflate stream');
  const out = new Uint8Array(produced);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
