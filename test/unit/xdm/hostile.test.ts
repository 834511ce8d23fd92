// Hostile IHE_XDM.ZIP archives and XML files must be refused with a clear,
// specific error, before they can exhaust memory or reach the file system.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { isAppError, messageFr, type ErrorCode } from '../../../src-main/errors/index.js';
import { readXdm } from '../../../src-main/xdm/read-xdm.js';
import { readZipSafely } from '../../../src-main/xdm/zip-reader.js';
import { DEFAULT_ZIP_LIMITS, METADATA_XML_LIMITS } from '../../../src-main/xdm/limits.js';
import { parseXmlSafely } from '../../../src-main/xdm/safe-xml.js';
import { parseCdaBytes } from '../../../src-main/xdm/cda.js';
import { buildRawZip, MINIMAL_METADATA } from './zip-fixtures.js';

function refused(fn: () => unknown, code: ErrorCode, detail?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isAppError(err), `expected AppError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (detail) assert.match(err.message, detail);
    assert.ok(messageFr(err.code).length > 10);
    return true;
  });
}

const ok = (name = 'IHE_XDM/SUBSET01/DOC1.TXT') => [
  { name: 'IHE_XDM/SUBSET01/METADATA.XML', data: MINIMAL_METADATA },
  { name, data: 'bonjour' },
];

test('a well-formed minimal archive is accepted (baseline for the hostile cases)', () => {
  const pkg = readXdm(buildRawZip(ok()));
  assert.equal(pkg.documents[0]!.path, 'IHE_XDM/SUBSET01/DOC1.TXT');
});

test('zip bomb by ratio: 32 MiB of zeros in a few KiB is stopped while inflating', () => {
  const zeros = new Uint8Array(32 * 1024 * 1024);
  const zip = buildRawZip([...ok(), { name: 'IHE_XDM/SUBSET01/BOMB.XML', data: zeros }]);
  assert.ok(zip.length < 100_000);
  refused(() => readXdm(zip), 'XDM_ZIP_TOO_LARGE', /ratio/);
});

test('zip bomb whose header lies about its size is stopped at the declared size, not trusted', () => {
  const zeros = new Uint8Array(4 * 1024 * 1024);
  refused(() => readZipSafely(buildRawZip([{ name: 'a.xml', data: zeros, declaredSize: 100 }])), 'XDM_ZIP_INVALID', /declared size/);
});

test('an entry over the absolute per-entry limit is refused even when it compresses badly', () => {
  const limits = { ...DEFAULT_ZIP_LIMITS, maxEntryBytes: 256 * 1024 };
  const noise = randomBytes(300 * 1024);
  refused(() => readZipSafely(buildRawZip([{ name: 'big.bin', data: noise }]), limits), 'XDM_ZIP_TOO_LARGE');
  // the same, with a header claiming a small size: the inflater's count decides, not the header
  refused(() => readZipSafely(buildRawZip([{ name: 'big.bin', data: noise, declaredSize: 1000 }]), limits), 'XDM_ZIP_INVALID', /declared size/);
  refused(() => readZipSafely(buildRawZip([{ name: 'big.bin', data: noise, method: 0 }]), limits), 'XDM_ZIP_TOO_LARGE');
});

test('many entries each under the limit but together over the total limit are refused', () => {
  const limits = { ...DEFAULT_ZIP_LIMITS, maxEntryBytes: 200 * 1024, maxTotalBytes: 500 * 1024 };
  const entries = Array.from({ length: 4 }, (_, i) => ({ name: `f${i}.bin`, data: randomBytes(150 * 1024) }));
  refused(() => readZipSafely(buildRawZip(entries), limits), 'XDM_ZIP_TOO_LARGE');
});

test('an entry declaring a huge size is refused before inflating', () => {
  refused(() => readZipSafely(buildRawZip([{ name: 'a.xml', data: 'x', declaredSize: 3_000_000_000 }])), 'XDM_ZIP_TOO_LARGE');
});

test('overlapping entries (non-recursive zip bomb) are refused', () => {
  const zip = buildRawZip([{ name: 'a.xml', data: 'x'.repeat(1000) }, { name: 'b.xml', sameDataAs: 0 }, { name: 'c.xml', sameDataAs: 0 }]);
  refused(() => readZipSafely(zip), 'XDM_ZIP_TOO_LARGE');
});

test('too many entries are refused, whatever the end record claims', () => {
  const entries = Array.from({ length: DEFAULT_ZIP_LIMITS.maxEntries + 1 }, (_, i) => ({ name: `f${i}.txt`, data: 'x' }));
  refused(() => readZipSafely(buildRawZip(entries)), 'XDM_ZIP_TOO_MANY_ENTRIES');
  refused(() => readZipSafely(buildRawZip(entries, { eocdCount: 3 })), 'XDM_ZIP_TOO_MANY_ENTRIES');
});

for (const name of ['../../etc/passwd', 'IHE_XDM/../../x.xml', 'SUBSET01\\..\\..\\evil.exe', '/etc/cron.d/x', '\\\\server\\share\\x', 'C:\\Windows\\x.dll', 'a/b\u0000.xml']) {
  test(`path traversal name ${JSON.stringify(name)} is refused`, () => {
    refused(() => readXdm(buildRawZip([...ok(), { name, data: 'x' }])), 'XDM_ZIP_UNSAFE_PATH');
  });
}

test('a symbolic link entry is refused', () => {
  refused(() => readXdm(buildRawZip([...ok(), { name: 'IHE_XDM/link', data: '/etc/passwd', unixMode: 0o120777, method: 0 }])), 'XDM_ZIP_UNSAFE_PATH');
});

test('duplicate names (also differing only by case or slash style) are refused', () => {
  refused(() => readXdm(buildRawZip([...ok(), { name: 'IHE_XDM\\SUBSET01\\doc1.txt', data: 'autre' }])), 'XDM_ZIP_INVALID');
});

test('encrypted entries and unknown compression methods are refused as unsupported', () => {
  refused(() => readZipSafely(buildRawZip([{ name: 'a.xml', data: 'x', flags: 1 }])), 'XDM_ZIP_UNSUPPORTED');
  refused(() => readZipSafely(buildRawZip([{ name: 'a.xml', data: 'x', method: 12 }])), 'XDM_ZIP_UNSUPPORTED');
});

test('a file that is not a zip, a truncated zip and a CRC mismatch are refused', () => {
  refused(() => readXdm(new TextEncoder().encode('%PDF-1.4 not a zip at all, but long enough to look')), 'XDM_ZIP_INVALID');
  refused(() => readXdm(new Uint8Array(0)), 'XDM_ZIP_INVALID');
  const zip = buildRawZip(ok());
  refused(() => readXdm(zip.subarray(0, zip.length - 30)), 'XDM_ZIP_INVALID');
  refused(() => readZipSafely(buildRawZip([{ name: 'a.txt', data: 'bonjour', crc: 1234 }])), 'XDM_ZIP_INVALID');
  const corrupt = buildRawZip([{ name: 'a.txt', data: 'bonjour tout le monde '.repeat(50) }]);
  corrupt.fill(0xff, 40, 60);
  refused(() => readZipSafely(corrupt), 'XDM_ZIP_INVALID');
});

test('an archive without METADATA.XML is not an XDM', () => {
  refused(() => readXdm(buildRawZip([{ name: 'README.TXT', data: 'x' }])), 'XDM_NO_METADATA');
});

const XXE_FILE = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><SubmitObjectsRequest>&xxe;</SubmitObjectsRequest>`;
const XXE_PARAM = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:1/evil.dtd"> %p;]><r/>`;
const BILLION_LAUGHS =
  `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">` +
  Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`).join('') +
  `]><lolz>&lol9;</lolz>`;

test('XXE (external entity, parameter entity) in METADATA.XML is refused: no file is read', () => {
  refused(() => readXdm(buildRawZip([{ name: 'IHE_XDM/SUBSET01/METADATA.XML', data: XXE_FILE }])), 'XML_DTD_FORBIDDEN');
  refused(() => parseXmlSafely(XXE_PARAM, METADATA_XML_LIMITS), 'XML_DTD_FORBIDDEN');
});

test('billion laughs is refused instantly', () => {
  refused(() => parseXmlSafely(BILLION_LAUGHS, METADATA_XML_LIMITS), 'XML_DTD_FORBIDDEN');
});

test('an undeclared entity reference is an error, never expanded', () => {
  refused(() => parseXmlSafely('<r>&xxe;</r>', METADATA_XML_LIMITS), 'XML_INVALID');
});

test('broken XML, non-XML bytes and wrong encodings are refused as invalid XML', () => {
  refused(() => readXdm(buildRawZip([{ name: 'IHE_XDM/SUBSET01/METADATA.XML', data: '<SubmitObjectsRequest><a></SubmitObjectsRequest>' }])), 'XML_INVALID');
  refused(() => parseCdaBytes(new Uint8Array([0x3c, 0x72, 0x3e, 0xff, 0xfe, 0x3c, 0x2f, 0x72, 0x3e])), 'XML_INVALID');
  refused(() => parseCdaBytes(new TextEncoder().encode('pas du xml')), 'XML_INVALID');
});

test('absurdly deep nesting is refused before any recursive walk', () => {
  const deep = '<a>'.repeat(5000) + '</a>'.repeat(5000);
  refused(() => parseXmlSafely(deep, METADATA_XML_LIMITS), 'XML_TOO_LARGE');
});

test('METADATA.XML that is XML but not XDS metadata is refused as invalid metadata', () => {
  refused(() => readXdm(buildRawZip([{ name: 'METADATA.XML', data: '<html><body/></html>' }])), 'XDM_METADATA_INVALID');
  refused(() => readXdm(buildRawZip([{ name: 'METADATA.XML', data: '<SubmitObjectsRequest><RegistryObjectList/></SubmitObjectsRequest>' }])), 'XDM_METADATA_INVALID');
});

test('a CDA whose root is not an HL7 v3 ClinicalDocument is refused', () => {
  refused(() => parseCdaBytes(new TextEncoder().encode('<ClinicalDocument/>')), 'CDA_INVALID');
  refused(() => parseCdaBytes(new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')), 'CDA_INVALID');
});

test('a document URI pointing outside its subset is ignored with a warning, never followed', () => {
  const meta = MINIMAL_METADATA.replace('DOC1.TXT', '../../README.TXT');
  const pkg = readXdm(buildRawZip([{ name: 'IHE_XDM/SUBSET01/METADATA.XML', data: meta }, { name: 'README.TXT', data: 'x' }]));
  assert.equal(pkg.documents[0]!.matchedBy, 'missing');
  assert.deepEqual(pkg.warnings.map((w) => w.code), ['unsafe-uri']);
});
