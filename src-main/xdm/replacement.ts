// A CDA document that replaces an earlier one (CI-SIS: same setId, higher versionNumber, and a
// relatedDocument typeCode="RPLC" naming the replaced document's id). Pure: the caller gives the
// documents already received; the reading pane then says "remplace le document du …".
import type { Element } from '@xmldom/xmldom';
import { CDA_XML_LIMITS } from './limits.js';
import type { XdmPackage } from './read-xdm.js';
import { childElements, firstChild, parseXmlBytesSafely, path } from './safe-xml.js';

export interface CdaVersion {
  /** "root^extension" of the document's own id */
  id: string | null;
  /** "root^extension" shared by every version */
  setId: string | null;
  version: number | null;
  /** ids of the documents this one replaces (relatedDocument RPLC / parentDocument id) */
  replaces: string[];
  /** HL7 TS effectiveTime, for "du …" */
  effectiveTime: string | null;
}

const ii = (el: Element | undefined): string | null => {
  const root = el?.getAttribute('root');
  if (!root) return null;
  const ext = el?.getAttribute('extension');
  return ext ? `${root}^${ext}` : root;
};

export function cdaVersionOf(cdaXml: Uint8Array): CdaVersion {
  const root = parseXmlBytesSafely(cdaXml, CDA_XML_LIMITS).documentElement!;
  const v = Number(firstChild(root, 'versionNumber')?.getAttribute('value'));
  const replaces = childElements(root, 'relatedDocument')
    .filter((r) => (r.getAttribute('typeCode') ?? '').toUpperCase() === 'RPLC')
    .map((r) => ii(path(r, 'parentDocument', 'id')))
    .filter((x): x is string => x !== null);
  return {
    id: ii(firstChild(root, 'id')),
    setId: ii(firstChild(root, 'setId')),
    version: Number.isInteger(v) && v > 0 ? v : null,
    replaces,
    effectiveTime: firstChild(root, 'effectiveTime')?.getAttribute('value') ?? null,
  };
}

/**
 * The earlier document `current` replaces, if any: named by its RPLC relation, or sharing its
 * setId with a lower versionNumber (the highest such version).
 */
export function replacedDocument<T extends CdaVersion>(current: CdaVersion, earlier: readonly T[]): T | null {
  const byRelation = earlier.find((e) => e.id !== null && current.replaces.includes(e.id));
  if (byRelation) return byRelation;
  if (!current.setId || current.version === null) return null;
  const older = earlier.filter((e) => e.setId === current.setId && e.version !== null && e.version < current.version!);
  return older.sort((a, b) => b.version! - a.version!)[0] ?? null;
}

/** "remplace le document du 12/10/2024" (date of the replaced document, when it says one). */
export function replacementLineFr(replaced: CdaVersion): string {
  const m = /^(\d{4})(\d{2})(\d{2})/.exec(replaced.effectiveTime ?? '');
  return m ? `remplace le document du ${m[3]}/${m[2]}/${m[1]}` : 'remplace un document reçu précédemment';
}

/** The CDA version facts of each document of an IHE_XDM archive, in archive order (null: not a readable CDA). */
export function cdaVersionsOfXdm(pkg: Pick<XdmPackage, 'documents'>): (CdaVersion | null)[] {
  return pkg.documents.map((d) => {
    if (!d.bytes) return null;
    try {
      return cdaVersionOf(d.bytes);
    } catch {
      return null; // a PDF, or XML that is no CDA
    }
  });
}

/** Whether a document can replace another at all (a setId and version, or a replacement relation). */
export const mayReplace = (v: CdaVersion | null): v is CdaVersion => v !== null && (v.replaces.length > 0 || (v.setId !== null && v.version !== null));

/** For each document of an archive: "remplace le document du …" when it replaces one of `earlier`, else null. */
export function replacementLinesFr(current: readonly (CdaVersion | null)[], earlier: readonly CdaVersion[]): (string | null)[] {
  return current.map((v) => {
    if (!mayReplace(v)) return null;
    const replaced = replacedDocument(v, earlier);
    return replaced ? replacementLineFr(replaced) : null;
  });
}
