import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Unzip, UnzipInflate, type UnzipFile } from 'fflate';
import { AppError } from '../../errors/index.js';
import { ANNUAIRE_EXTRACTION_FILE_PATTERN } from '../../rules/mssante.js';

// Streams the lines of an extraction, from the .txt itself or from the ZIP that wraps it,
// with bounded memory: the file is read in 64 KiB chunks, inflated chunk by chunk, and each
// line is handed to a synchronous consumer before the next chunk is read.

export interface ExtractionSource {
  /** name of the .txt (inside the ZIP when zipped) */
  name: string;
  /** AAAAMMJJhhmm of the file name, as an ISO date, or null when the name carries none */
  extractionDate: string | null;
  /** SHA-256 of the file as given (the ZIP when zipped) */
  sha256: string;
  bytes: number;
}

/**
 * Limits on what an extraction may expand to. The real extraction is ~100 MB of text and its ZIP
 * deflates ~8:1; a file beyond 1 GiB, or an archive expanding more than 100:1, is not an extraction
 * (zip bomb): refused before it fills the disk or the annuaire.
 */
export interface ExtractionLimits {
  /** most bytes of text accepted (the .txt size, or the inflated size of the ZIP entry) */
  maxBytes: number;
  /** most inflated bytes per compressed byte read (checked once `ratioFloorBytes` were inflated) */
  maxRatio: number;
  /** below this many inflated bytes the ratio is not checked (a tiny file may compress very well) */
  ratioFloorBytes: number;
}

export const DEFAULT_EXTRACTION_LIMITS: ExtractionLimits = {
  maxBytes: 1024 * 1024 * 1024,
  maxRatio: 100,
  ratioFloorBytes: 16 * 1024 * 1024,
};

export interface LineConsumer {
  /** called for every line, without its end of line; `lineNumber` starts at 1 (the header) */
  line(text: string, lineNumber: number): void;
  /** bytes of the given file read so far */
  progress?(bytesRead: number, totalBytes: number): void;
}

// 64 KiB: the decoded text of a chunk stays below V8's large-object size, so it dies young
// instead of piling up in the large-object space until a full GC (that doubled peak RSS).
const CHUNK = 1 << 16;
const MAX_LINE = 1 << 16;

function extractionDateFromName(name: string): string | null {
  const m = ANNUAIRE_EXTRACTION_FILE_PATTERN.exec(name);
  const stamp = m?.[1];
  if (!stamp) return null;
  return `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(8, 10)}:${stamp.slice(10, 12)}:00`;
}

class LineSplitter {
  private readonly decoder = new TextDecoder('utf-8');
  private rest = '';
  private lineNumber = 0;
  constructor(private readonly consumer: LineConsumer) {}

  push(bytes: Uint8Array): void {
    // Inflated ZIP data comes in larger pieces: cut them to the same size as file chunks.
    for (let offset = 0; offset < bytes.length; offset += CHUNK) this.pushSmall(bytes.subarray(offset, offset + CHUNK));
  }

  private pushSmall(bytes: Uint8Array): void {
    const text = this.rest + this.decoder.decode(bytes, { stream: true });
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      this.emit(text.slice(start, nl));
      start = nl + 1;
    }
    this.rest = text.slice(start);
    // A real line is a few hundred bytes: a file without line ends is not an extraction, and
    // must not make the pending text grow without bound.
    if (this.rest.length > MAX_LINE) {
      throw new AppError('ANNUAIRE_BAD_FILE', `line ${this.lineNumber + 1} is longer than ${MAX_LINE} characters`, {
        data: { check: 'line_length', line: this.lineNumber + 1 },
      });
    }
  }

  /**
   * The extraction ends with a line end: text after the last one is a line cut by a truncated
   * download or copy, and a truncated extraction must never replace the annuaire.
   */
  end(): void {
    const text = this.rest + this.decoder.decode();
    this.rest = '';
    if (text !== '') {
      throw new AppError('ANNUAIRE_TRUNCATED', `no line end after line ${this.lineNumber + 1}: truncated extraction`, {
        data: { check: 'final_newline', line: this.lineNumber + 1 },
      });
    }
  }

  private emit(line: string): void {
    this.lineNumber += 1;
    this.consumer.line(line.endsWith('\r') ? line.slice(0, -1) : line, this.lineNumber);
  }
}

async function isZip(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    return bytesRead === 4 && head.readUInt32LE(0) === 0x04034b50;
  } finally {
    await handle.close();
  }
}

function tooLarge(check: 'size' | 'ratio', detail: string, limits: ExtractionLimits): AppError {
  return new AppError('ANNUAIRE_TOO_LARGE', detail, {
    data: { check, maxMegabytes: Math.round(limits.maxBytes / (1024 * 1024)), maxRatio: limits.maxRatio },
  });
}

/** Reads the extraction at `path` (.txt or .zip) line by line, within `limits`. */
export async function readExtraction(path: string, consumer: LineConsumer, limits: ExtractionLimits = DEFAULT_EXTRACTION_LIMITS): Promise<ExtractionSource> {
  let total: number;
  try {
    total = (await stat(path)).size;
  } catch (err) {
    throw new AppError('IO_FAILED', `cannot read ${basename(path)}`, { cause: err, data: { file: path } });
  }
  const zipped = await isZip(path);
  if (!zipped && total > limits.maxBytes) throw tooLarge('size', `${basename(path)} is ${total} bytes`, limits);
  const hash = createHash('sha256');
  const splitter = new LineSplitter(consumer);
  let name = basename(path);
  let found = !zipped;
  let complete = !zipped;
  let failure: unknown = null;
  let inflated = 0;
  let read = 0;

  const unzip = zipped ? new Unzip() : null;
  if (unzip) {
    unzip.register(UnzipInflate);
    unzip.onfile = (file: UnzipFile) => {
      if (found || !ANNUAIRE_EXTRACTION_FILE_PATTERN.test(file.name)) return;
      found = true;
      name = basename(file.name.replace(/\\/g, '/'));
      // The declared size can lie; it is checked here only to refuse an honest bomb at once.
      if (typeof file.originalSize === 'number' && file.originalSize > limits.maxBytes) {
        failure ??= tooLarge('size', `entry declares ${file.originalSize} bytes`, limits);
        return;
      }
      file.ondata = (err, data, final) => {
        if (err) {
          failure ??= err;
          return;
        }
        if (failure) return;
        try {
          inflated += data.length;
          if (inflated > limits.maxBytes) throw tooLarge('size', `entry inflates beyond ${limits.maxBytes} bytes`, limits);
          if (inflated > limits.ratioFloorBytes && inflated > read * limits.maxRatio) {
            throw tooLarge('ratio', `entry inflates ${Math.round(inflated / Math.max(read, 1))}:1`, limits);
          }
          splitter.push(data);
          if (final) {
            splitter.end();
            complete = true;
          }
        } catch (e) {
          failure ??= e;
        }
      };
      file.start();
    };
  }

  const stream = createReadStream(path, { highWaterMark: CHUNK });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      hash.update(chunk);
      read += chunk.length;
      if (unzip) unzip.push(chunk, false);
      else splitter.push(chunk);
      if (failure) throw failure;
      consumer.progress?.(read, total);
    }
    if (unzip) unzip.push(new Uint8Array(0), true);
    else splitter.end();
  } catch (err) {
    stream.destroy();
    if (err instanceof AppError) throw err;
    throw new AppError(zipped ? 'ANNUAIRE_BAD_FILE' : 'IO_FAILED', `reading ${basename(path)} failed: ${(err as Error).message}`, {
      cause: err,
      ...(zipped ? { data: { check: 'archive' } } : {}),
    });
  }
  if (failure) {
    if (failure instanceof AppError) throw failure;
    throw new AppError('ANNUAIRE_BAD_FILE', `corrupt archive ${basename(path)}: ${(failure as Error).message}`, { cause: failure, data: { check: 'archive' } });
  }
  if (!found) throw new AppError('ANNUAIRE_BAD_FILE', `no Extraction_Correspondance_MSSante_*.txt in ${basename(path)}`, { data: { check: 'archive_entry' } });
  if (!complete) throw new AppError('ANNUAIRE_TRUNCATED', `truncated archive ${basename(path)}`, { data: { check: 'archive' } });
  return { name, extractionDate: extractionDateFromName(name), sha256: hash.digest('hex'), bytes: total };
}
