// The remote images a message's HTML asks for: the `src` of its <img> elements
// (the only remote reference the renderer's sanitiser may swap for a fetched copy),
// decoded as a browser decodes attributes. htmlparser2: a tolerant streaming parser,
// no DOM, nothing run.
import { Parser } from 'htmlparser2';

const REMOTE = /^(https?:)?\/\//i;

/** Distinct remote <img src> values, in document order (protocol-relative ones as https:). */
export function remoteImageUrls(html: string): string[] {
  const found = new Set<string>();
  const parser = new Parser({
    onopentag(name, attributes) {
      if (name !== 'img') return;
      const src = attributes.src?.trim();
      if (src && REMOTE.test(src)) found.add(src);
    },
  }, { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true });
  parser.write(html);
  parser.end();
  return [...found];
}

/** What to fetch for a `src` value: protocol-relative URLs are taken as https. */
export function fetchableUrl(src: string): string {
  return src.startsWith('//') ? `https:${src}` : src;
}
