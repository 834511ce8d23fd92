// Canonical serialisation of journal entries, RFC 8785 (JCS, the JSON
// Canonicalization Scheme): the bytes hashed must not depend on key order or spacing, so that any reader (another version of this app, a
// script of the clinic's auditor) recomputes the same SHA-256.
// Rules: JSON, object keys sorted by UTF-16 code unit, no whitespace, `undefined`
// members omitted, only finite numbers (safe integers in practice).
import { AppError } from '../errors/index.js';

export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new AppError('INTERNAL', 'non-finite number in a journal entry');
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj)
        .filter((k) => obj[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
    }
    default:
      throw new AppError('INTERNAL', `cannot serialise a ${typeof value} in a journal entry`);
  }
}
