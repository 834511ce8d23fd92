// Message HTML → a document safe to show in the isolated frame: DOMPurify
// (no script, no handler, no form, no frame, no style sheet link), every remote
// reference removed; an <img> whose remote image main fetched for the user
// (mail.images: HTTPS only, bounded) gets that copy as a data: URL; and a CSP meta
// that forbids scripts and any network in the frame, whatever the user chose.
import DOMPurify from 'dompurify';
import { messageCsp } from '../../../src-main/common/csp.js';

export interface SanitizedMessage {
  /** The full srcdoc document. */
  document: string;
  /** Remote images held back (the "afficher les images" bar shows when > 0). */
  blockedImages: number;
  /** Remote images shown from main's copies. */
  shownImages: number;
}

const REMOTE = /^\s*(https?:)?\/\//i;
const CSS_URL = /url\s*\(/i;
const DATA_IMAGE = /^data:image\/(png|jpeg|gif|webp|avif|bmp|x-icon);base64,[A-Za-z0-9+/=]*$/;

/** `images`: remote <img src> value → the data: URL main fetched for it (none: every remote image blocked). */
export function sanitizeMessageHtml(html: string, images: ReadonlyMap<string, string> | null = null): SanitizedMessage {
  let blocked = 0;
  let shown = 0;
  const purifier = DOMPurify();
  purifier.addHook('afterSanitizeAttributes', (node) => {
    const el = node as Element;
    for (const attr of ['src', 'srcset', 'background', 'poster']) {
      const value = el.getAttribute?.(attr);
      if (value && (REMOTE.test(value) || attr === 'srcset')) {
        const copy = el.tagName === 'IMG' && attr === 'src' ? images?.get(value.trim()) : undefined;
        if (copy && DATA_IMAGE.test(copy)) {
          el.setAttribute('src', copy);
          shown++;
          continue;
        }
        el.removeAttribute(attr);
        if (el.tagName === 'IMG') {
          blocked++;
          el.setAttribute('alt', el.getAttribute('alt') || 'Image distante bloquée');
        }
      }
    }
    // Inline styles may fetch (background:url(…)): dropped rather than parsed.
    const style = el.getAttribute?.('style');
    if (style && CSS_URL.test(style)) el.removeAttribute('style');
    if (el.tagName === 'A') {
      el.setAttribute('rel', 'noopener noreferrer');
      el.removeAttribute('target');
    }
  });
  purifier.addHook('uponSanitizeElement', (node, data) => {
    if (data.tagName === 'style' && CSS_URL.test(node.textContent ?? '')) {
      node.textContent = (node.textContent ?? '').replace(/url\s*\([^)]*\)/gi, 'none');
    }
  });
  const body = purifier.sanitize(html, {
    FORBID_TAGS: ['form', 'input', 'button', 'textarea', 'select', 'iframe', 'frame', 'object', 'embed', 'link', 'meta', 'base', 'audio', 'video', 'source', 'track', 'svg', 'math'],
    FORBID_ATTR: ['action', 'formaction', 'ping'],
    ALLOW_DATA_ATTR: false,
    WHOLE_DOCUMENT: false,
  });
  const document =
    `<!doctype html><html lang="fr"><head><meta charset="utf-8">` +
    `<meta http-equiv="Content-Security-Policy" content="${messageCsp()}">` +
    // mail is written for a white page: kept light in dark mode, but a soft paper tone, not a glaring box
    `<style>:root{color-scheme:light}html{background:#fff}body{font:15px/1.5 system-ui,sans-serif;margin:12px;color:#1b1f24;background:#fff;word-wrap:break-word}img{max-width:100%}` +
    `@media (prefers-color-scheme: dark){html,body{background:#eeece6}}</style>` +
    `</head><body>${body}</body></html>`;
  return { document, blockedImages: blocked, shownImages: shown };
}
