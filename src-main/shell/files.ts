// Pure decisions about files handed to or taken from the OS.
import { basename, extname } from 'node:path';

/** A file name safe on Windows, macOS and Linux: no path, no control or reserved characters. */
export function safeFileName(name: string, fallback = 'piece-jointe'): string {
  const base = basename(name.replaceAll('\\', '/'));
  let clean = [...base]
    .map((ch) => (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f || '<>:"/\\|?*'.includes(ch) ? '_' : ch))
    .join('')
    .replace(/^[.\s]+/, '')
    .replace(/[.\s]+$/, '')
    .slice(0, 200);
  if (/^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$/i.test(clean)) clean = `_${clean}`;
  return clean || fallback;
}

/** Types that run code when "opened": offered for saving only, never opened directly. */
const RISKY_EXTENSIONS = new Set([
  '.exe', '.com', '.bat', '.cmd', '.msi', '.msp', '.scr', '.pif', '.cpl', '.hta', '.jar', '.js', '.jse', '.vbs', '.vbe',
  '.wsf', '.wsh', '.ps1', '.psm1', '.reg', '.lnk', '.url', '.inf', '.sh', '.bash', '.zsh', '.command', '.desktop',
  '.appimage', '.deb', '.rpm', '.run', '.app', '.pkg', '.dmg', '.apk', '.py', '.pl', '.rb', '.html', '.htm', '.svg', '.xhtml',
]);

export function riskyToOpen(filename: string): boolean {
  return RISKY_EXTENSIONS.has(extname(filename).toLowerCase());
}
