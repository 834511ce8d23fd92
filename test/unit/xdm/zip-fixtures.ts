// Builds raw .zip bytes for tests, including archives whose headers lie:
// hostile inputs cannot be made with a well-behaved zip library.
import { crc32, deflateRawSync } from 'node:zlib';

export interface RawEntry {
  name: string;
  data?: Uint8Array | string;
  method?: 0 | 8 | number;
  /** override the uncompressed size written in the headers */
  declaredSize?: number;
  crc?: number;
  flags?: number;
  /** unix mode (e.g. 0o120777 for a symlink) */
  unixMode?: number;
  /** reuse the data of a previous entry (overlapping-entries bomb) */
  sameDataAs?: number;
}

export function buildRawZip(entries: RawEntry[], opts: { eocdCount?: number } = {}): Uint8Array {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  const offsets: number[] = [];
  const sizes: { c: number; u: number; crc: number; method: number }[] = [];
  let offset = 0;
  entries.forEach((e, i) => {
    const name = Buffer.from(e.name, 'utf8');
    const raw = typeof e.data === 'string' ? Buffer.from(e.data, 'utf8') : Buffer.from(e.data ?? new Uint8Array());
    const method = e.method ?? 8;
    let localOffset = offset;
    let info: { c: number; u: number; crc: number; method: number };
    if (e.sameDataAs !== undefined) {
      localOffset = offsets[e.sameDataAs]!;
      info = sizes[e.sameDataAs]!;
    } else {
      const body = method === 8 ? deflateRawSync(raw) : raw;
      info = { c: body.length, u: e.declaredSize ?? raw.length, crc: e.crc ?? crc32(raw), method };
      const local = Buffer.alloc(30);
      local.writeUInt32LE(0x04034b50, 0);
      local.writeUInt16LE(20, 4);
      local.writeUInt16LE(0x800 | (e.flags ?? 0), 6);
      local.writeUInt16LE(method, 8);
      local.writeUInt32LE(info.crc >>> 0, 14);
      local.writeUInt32LE(info.c, 18);
      local.writeUInt32LE(info.u, 22);
      local.writeUInt16LE(name.length, 26);
      locals.push(local, name, body);
      offset += 30 + name.length + body.length;
    }
    offsets.push(localOffset);
    sizes.push(info);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(e.unixMode !== undefined ? (3 << 8) | 20 : 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x800 | (e.flags ?? 0), 8);
    central.writeUInt16LE(info.method, 10);
    central.writeUInt32LE(info.crc >>> 0, 16);
    central.writeUInt32LE(info.c, 20);
    central.writeUInt32LE(info.u, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(e.unixMode !== undefined ? (e.unixMode << 16) >>> 0 : 0, 38);
    central.writeUInt32LE(localOffset, 42);
    centrals.push(central, name);
    void i;
  });
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  const count = opts.eocdCount ?? entries.length;
  eocd.writeUInt16LE(Math.min(count, 0xfffe), 8);
  eocd.writeUInt16LE(Math.min(count, 0xfffe), 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...locals, cd, eocd]));
}

export const MINIMAL_METADATA = `<?xml version="1.0" encoding="UTF-8"?>
<SubmitObjectsRequest xmlns="urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0" xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"><rim:RegistryObjectList>
<rim:ExtrinsicObject id="Doc1" mimeType="text/plain" objectType="urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1"><rim:Slot name="URI"><rim:ValueList><rim:Value>DOC1.TXT</rim:Value></rim:ValueList></rim:Slot></rim:ExtrinsicObject>
</rim:RegistryObjectList></SubmitObjectsRequest>`;
