import { extname } from 'node:path';

// Content types of the files doctors attach; anything else travels as application/octet-stream.
const BY_EXTENSION: Record<string, string> = {
  '.pdf': 'application/pdf',
  '.zip': 'application/zip',
  '.xml': 'text/xml',
  '.txt': 'text/plain',
  '.hl7': 'text/plain',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.dcm': 'application/dicom',
  '.doc': 'application/msword',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.odt': 'application/vnd.oasis.opendocument.text',
  '.eml': 'message/rfc822',
};

export function contentTypeOf(filename: string): string {
  return BY_EXTENSION[extname(filename).toLowerCase()] ?? 'application/octet-stream';
}
