// The CDA HTML fragment goes through DOMPurify in the renderer: in a real
// browser (Chromium), DOMPurify must remove nothing from it — proof that the
// renderer's sanitising keeps the whole document and that the fragment holds
// nothing it would have to strip, even for a hostile CDA.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { chromium, type Browser } from 'playwright-core';
import { renderCdaBytes } from '../../../src-main/xdm/cda-render.js';
import { CDA_BIO, CDA_N1, cdaSample } from '../../unit/xdm/fixtures.js';

const PURIFY = createRequire(import.meta.url).resolve('dompurify/dist/purify.js');
const IN_PAGE = `(fragment) => {
  const clean = window.DOMPurify.sanitize(fragment);
  const a = document.createElement('template');
  a.innerHTML = fragment;
  const b = document.createElement('template');
  b.innerHTML = clean;
  return { removed: window.DOMPurify.removed.length, equal: a.content.isEqualNode(b.content), text: b.content.textContent || '' };
}`;
let browser: Browser;
before(async () => {
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
});
after(async () => {
  await browser?.close();
});

async function purifyReport(html: string): Promise<{ removed: number; equal: boolean; text: string }> {
  const page = await browser.newPage();
  try {
    await page.setContent('<!DOCTYPE html><html><head></head><body></body></html>');
    await page.addScriptTag({ path: PURIFY });
    // Runs in the page (browser globals): given as source so Node's typecheck needs no DOM types.
    return (await page.evaluate(`(${IN_PAGE})(${JSON.stringify(html)})`)) as { removed: number; equal: boolean; text: string };
  } finally {
    await page.close();
  }
}

test('DOMPurify removes nothing from the rendered ANS CDA samples', async () => {
  for (const name of [CDA_BIO, CDA_N1]) {
    const r = await purifyReport(renderCdaBytes(cdaSample(name)).html);
    assert.equal(r.removed, 0, name);
    assert.equal(r.equal, true, name);
    assert.match(r.text, /PAT-TROIS DOMINIQUE/);
  }
});

test('DOMPurify removes nothing from a hostile CDA rendering either: the hostility is already gone', async () => {
  const hostile = `<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:h="http://www.w3.org/1999/xhtml"><title>&lt;script&gt;x&lt;/script&gt;</title>
    <component><structuredBody><component><section><title>S</title><text>
      <paragraph styleCode="Bold">a<h:script>alert(1)</h:script><linkHtml href="javascript:alert(2)">lien</linkHtml></paragraph>
      <h:img src="https://evil.example/p.png" onerror="alert(3)"/><table onload="x"><tr><td colspan="2">c</td></tr></table>
    </text></section></component></structuredBody></component></ClinicalDocument>`;
  const r = await purifyReport(renderCdaBytes(new TextEncoder().encode(hostile)).html);
  assert.equal(r.removed, 0);
  assert.equal(r.equal, true);
});
