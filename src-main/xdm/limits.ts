// Hard limits applied to untrusted structured documents. An attachment comes
// from outside: every size is bounded before memory is committed, and zip sizes
// are measured while inflating rather than read from (forgeable) headers.

const MiB = 1024 * 1024;

export interface ZipLimits {
  /** size of the .zip itself */
  maxArchiveBytes: number;
  /** files + directories listed in the central directory */
  maxEntries: number;
  /** uncompressed size of one entry */
  maxEntryBytes: number;
  /** uncompressed size of all entries together */
  maxTotalBytes: number;
  /** uncompressed / compressed, checked once an entry passes ratioFloorBytes */
  maxRatio: number;
  ratioFloorBytes: number;
}

export const DEFAULT_ZIP_LIMITS: Readonly<ZipLimits> = Object.freeze({
  maxArchiveBytes: 64 * MiB,
  maxEntries: 256,
  maxEntryBytes: 64 * MiB,
  maxTotalBytes: 128 * MiB,
  maxRatio: 200,
  ratioFloorBytes: 1 * MiB,
});

export interface XmlLimits {
  maxBytes: number;
  /** element nesting; renderers recurse over the tree */
  maxDepth: number;
}

export const METADATA_XML_LIMITS: Readonly<XmlLimits> = Object.freeze({ maxBytes: 4 * MiB, maxDepth: 64 });
export const CDA_XML_LIMITS: Readonly<XmlLimits> = Object.freeze({ maxBytes: 64 * MiB, maxDepth: 200 });
