// One await per message instead of one per line in postal-mime's parse loop, and its line reader
// on the native byte search.
// postal-mime 4 awaits `processLine` for every line of the message, although a
// line that cannot be a MIME boundary only goes to the current part's `feed`,
// which is synchronous: with ~300 lines per message that was a third of the
// parser thread's time on an initial sync (docs/STORE-SYNC.md). The replacement
// loop feeds such lines directly and keeps postal-mime's own `processLine` for
// the boundary candidates and the last line, so the parse is the same.
import PostalMime from 'postal-mime';

interface Line {
  bytes: Uint8Array;
  done: boolean;
}

interface ParserInternals {
  started: boolean;
  buf: ArrayBuffer;
  av: Uint8Array;
  readPos: number;
  boundaries: unknown[];
  currentNode: { feed(line: Uint8Array): void };
  root: unknown;
  options: { forceRfc822Attachments?: boolean };
  forceRfc822Attachments: boolean;
  resolveInput(buf: unknown): Promise<ArrayBuffer>;
  readLine(): Line;
  processLine(line: Uint8Array, isFinal: boolean): Promise<void>;
  hasReportParts(): boolean;
  collectNode(node: unknown, a: boolean, b: boolean): Promise<void>;
  renderTextContent(): void;
  buildMessage(): unknown;
  encodeAttachments(): void;
}

const METHODS = ['resolveInput', 'readLine', 'processLine', 'hasReportParts', 'collectNode', 'renderTextContent', 'buildMessage', 'encodeAttachments'] as const;

/** postal-mime's parse (4.0.0), with the per-line await only where processLine may do more than feed. */
async function parse(this: ParserInternals, buf: unknown): Promise<unknown> {
  if (this.started) throw new Error('Can not reuse parser, create a new PostalMime object');
  this.started = true;
  this.buf = await this.resolveInput(buf);
  this.av = new Uint8Array(this.buf);
  this.readPos = 0;
  while (this.readPos < this.av.length) {
    const line = this.readLine();
    const b = line.bytes;
    // processLine's own test for a boundary candidate: anything else is fed, and nothing more, unless final
    if (!line.done && !(this.boundaries.length && b.length > 2 && b[0] === 0x2d && b[1] === 0x2d)) this.currentNode.feed(b);
    else await this.processLine(b, line.done);
  }
  this.forceRfc822Attachments = Boolean(this.options.forceRfc822Attachments) || this.hasReportParts();
  await this.collectNode(this.root, false, false);
  this.renderTextContent();
  const message = this.buildMessage();
  this.encodeAttachments();
  return message;
}

/**
 * postal-mime's readLine with the end of line found by the engine's native search instead of a
 * loop over every byte: the line runs to the next LF, less the CRs that end it (a CR inside the
 * line stays, as in postal-mime).
 */
function readLine(this: ParserInternals): Line {
  const av = this.av;
  const start = this.readPos;
  const lf = av.indexOf(0x0a, start);
  let end = lf < 0 ? av.length : lf;
  while (end > start && av[end - 1] === 0x0d) end--;
  this.readPos = lf < 0 ? av.length : lf + 1;
  return { bytes: new Uint8Array(this.buf, start, end - start), done: this.readPos >= av.length };
}

let installed = false;

/**
 * Makes every postal-mime parse in this thread use the loop above. If postal-mime's
 * shape ever changes (a method gone), nothing is patched: parsing stays correct,
 * only slower. Returns whether the loop is on.
 */
export function useSyncLineFeed(): boolean {
  if (installed) return true;
  const proto = PostalMime.prototype as unknown as Record<string, unknown>;
  if (!METHODS.every((m) => typeof proto[m] === 'function')) return false;
  proto['parse'] = parse;
  proto['readLine'] = readLine;
  installed = true;
  return true;
}
