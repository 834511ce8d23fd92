// Message HTML → a document safe to show in the isolated frame: DOMPurify
// (no script, no handler, no form, no frame, no style sheet link), every remote
// reference removed unless the user chose "afficher les images" for this
// message, and a CSP meta that forbids scripts and any network in the frame.
import DOMPurify from 'dompurify';
import { messageCsp } from '../../../src-main/common/csp.js';

export interface SanitizedMessage {
  /** The full srcdoc document. */
  document: string;
  /** Remote images held back (the "afficher les images" bar shows when > 0). */
  blockedImages: number;
}

const REMOTE = /^\s*(https?:)?\/\//i;
const CSS_URL = /url\s*\(/i;

export function sanitizeMessageHtml(html: string, remoteImages: boolean): SanitizedMessage {
  let blocked = 0;
  const purifier = DOMPurify();
  purifier.addHook('afterSanitizeAttributes', (node) => {
    const el = node as Element;
    for (const attr of ['src', 'srcset', 'background', 'poster']) {
      const value = el.getAttribute?.(attr);
      if (value && (REMOTE.test(value) || attr === 'srcset')) {
        if (remoteImages && el.tagName === 'IMG' && attr === 'src' && /^\s*https:/i.test(value)) continue;
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
    `<meta http-equiv="Content-Security-Policy" content="${messageCsp(remoteImages)}">` +
    `<style>body{font:15px/1.5 system-ui,sans-serif;margin:12px;color:#1b1f24;background:#fff;word-wrap:break-word}img{max-width:100%}</style>` +
    `</head><body>${body}</body></html>`;
  return { document, blockedImages: blocked };
}
