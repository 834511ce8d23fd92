// "remplace le document du …" for the documents of a received IHE_XDM.ZIP: the CDA versions of
// every other IHE_XDM.ZIP in the store are compared with this archive's (same setId and a lower
// versionNumber, or the replacement relation; xdm/replacement.ts). Used by the window
// (mail.read) and by `mssante messages show`. The versions of an attachment never change, so a
// caller may keep them in `cache` (by attachment id) for the session.
import { isAppError } from '../errors/index.js';
import { readXdm, type XdmPackage } from '../xdm/read-xdm.js';
import { cdaVersionsOfXdm, mayReplace, replacementLinesFr, type CdaVersion } from '../xdm/replacement.js';

export interface XdmAttachmentSource {
  xdmAttachments(exceptMessage: number): { attachmentId: number; messageId: number }[] | Promise<{ attachmentId: number; messageId: number }[]>;
  getAttachmentContent(attachmentId: number): Uint8Array | Promise<Uint8Array>;
}

/** Most attachments whose versions a session keeps (a few hundred bytes each). */
const CACHE_MAX = 20_000;

/** One line (or null) per document of `pkg`, the archive of message `messageRow`. */
export async function xdmReplacementLines(
  store: XdmAttachmentSource,
  messageRow: number,
  pkg: Pick<XdmPackage, 'documents'>,
  cache: Map<number, CdaVersion[]> = new Map(),
): Promise<(string | null)[]> {
  const current = cdaVersionsOfXdm(pkg);
  // nothing here can replace anything: the other archives are not even read
  if (!current.some(mayReplace)) return current.map(() => null);
  const earlier: CdaVersion[] = [];
  for (const { attachmentId } of await store.xdmAttachments(messageRow)) {
    let versions = cache.get(attachmentId);
    if (!versions) {
      try {
        versions = cdaVersionsOfXdm(readXdm(await store.getAttachmentContent(attachmentId))).filter((v): v is CdaVersion => v !== null);
      } catch (err) {
        if (!isAppError(err)) throw err;
        versions = []; // an unreadable archive replaces nothing and is replaced by nothing
      }
      if (cache.size >= CACHE_MAX) cache.clear();
      cache.set(attachmentId, versions);
    }
    earlier.push(...versions);
  }
  return replacementLinesFr(current, earlier);
}
