// HL7 v2 data types as XDS metadata carries them (CX, XCN, XON, XPN):
// components separated by '^', sub-components by '&', escapes \S\ \T\ \F\ \R\ \E\.

function unescapeHl7(value: string): string {
  return value.replace(/\\([STFRE])\\/g, (_m, c: string) => ({ S: '^', T: '&', F: '|', R: '~', E: '\\' })[c] ?? '');
}

function components(value: string): string[] {
  return value.split('^');
}

function sub(component: string | undefined): string[] {
  return (component ?? '').split('&');
}

/** CX identifier: "279035121518989^^^&1.2.250.1.213.1.4.10&ISO^NH". */
export interface Cx {
  id: string;
  /** universal id (OID) of the assigning authority */
  oid?: string;
  namespace?: string;
  typeCode?: string;
}

export function parseCx(value: string): Cx | undefined {
  const c = components(value.trim());
  const id = unescapeHl7(c[0] ?? '').trim();
  if (!id) return undefined;
  // CX.4 is the assigning authority; real files misplace it (the Direct samples
  // have "id^^&oid&ISO"), so take the first component with sub-components.
  const authority = c[3]?.includes('&') ? c[3] : c.slice(1).find((x) => x.includes('&'));
  const [namespace, oid] = sub(authority);
  const typeCode = c[4]?.trim();
  return {
    id,
    ...(oid ? { oid: unescapeHl7(oid).trim() } : {}),
    ...(namespace ? { namespace: unescapeHl7(namespace).trim() } : {}),
    ...(typeCode ? { typeCode } : {}),
  };
}

export function formatCx(cx: { id: string; oid: string; typeCode?: string }): string {
  return `${escapeHl7(cx.id)}^^^&${cx.oid}&ISO${cx.typeCode ? `^${cx.typeCode}` : ''}`;
}

export function escapeHl7(value: string): string {
  return value.replace(/[\\^&|~]/g, (c) => ({ '\\': '\\E\\', '^': '\\S\\', '&': '\\T\\', '|': '\\F\\', '~': '\\R\\' })[c]!);
}

/** A person (XCN): authorPerson, legalAuthenticator, intendedRecipient. */
export interface Xcn {
  id?: string;
  /** OID of the identifier's assigning authority (RPPS: 1.2.250.1.71.4.2.1) */
  idOid?: string;
  family?: string;
  given?: string;
  prefix?: string;
  /** readable name; the raw value when it is not in XCN form (free text is common) */
  display: string;
}

export function parseXcn(value: string): Xcn {
  const raw = value.trim();
  if (!raw.includes('^')) return { display: unescapeHl7(raw) };
  const c = components(raw).map((x) => x.trim());
  const pick = (i: number): string | undefined => (c[i] ? unescapeHl7(c[i]!) : undefined);
  const id = pick(0);
  const family = pick(1);
  const given = pick(2);
  const prefix = pick(5);
  const idOid = sub(c[8])[1];
  const name = [prefix, given, family].filter(Boolean).join(' ');
  return {
    ...(id ? { id } : {}),
    ...(idOid ? { idOid } : {}),
    ...(family ? { family } : {}),
    ...(given ? { given } : {}),
    ...(prefix ? { prefix } : {}),
    display: name || id || raw,
  };
}

/** An organisation (XON): "name^^^^^&oid&ISO^IDtype^^^id". */
export interface Xon {
  name: string;
  id?: string;
}

export function parseXon(value: string): Xon {
  const c = components(value.trim());
  const name = unescapeHl7(c[0] ?? '').trim();
  const id = c[9]?.trim();
  return { name: name || value.trim(), ...(id ? { id: unescapeHl7(id) } : {}) };
}

/** A person name (XPN): family^given^further given^suffix^prefix^degree^type. */
export interface Xpn {
  family?: string;
  given?: string;
  furtherGiven?: string;
  /** 'L' legal (birth) name, 'D' usual name in the French extension */
  type?: string;
}

function parseXpn(value: string): Xpn {
  const c = components(value).map((x) => unescapeHl7(x).trim());
  return {
    ...(c[0] ? { family: c[0] } : {}),
    ...(c[1] ? { given: c[1] } : {}),
    ...(c[2] ? { furtherGiven: c[2] } : {}),
    ...(c[6] ? { type: c[6].toUpperCase() } : {}),
  };
}

/** sourcePatientInfo: "PID-3|…", "PID-5|…", repetitions with '~'. */
export interface SourcePatientInfo {
  ids: Cx[];
  names: Xpn[];
  birthDate?: string;
  sex?: string;
}

export function parseSourcePatientInfo(values: readonly string[]): SourcePatientInfo {
  const info: SourcePatientInfo = { ids: [], names: [] };
  for (const v of values) {
    const m = /^\s*PID-(\d+)\s*\|(.*)$/s.exec(v);
    if (!m) continue;
    const field = m[1];
    const reps = m[2]!.split('~');
    if (field === '3') info.ids.push(...reps.map(parseCx).filter((x): x is Cx => x !== undefined));
    else if (field === '5') info.names.push(...reps.map(parseXpn));
    else if (field === '7' && m[2]!.trim()) info.birthDate = m[2]!.trim();
    else if (field === '8' && m[2]!.trim()) info.sex = m[2]!.trim().toUpperCase();
  }
  return info;
}
