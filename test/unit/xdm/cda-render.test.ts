// Both ANS CDA samples rendered to French HTML; the output is safe by
// construction (tag and attribute allow-list, nothing remote), even for a
// hostile document.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { renderCdaBytes } from '../../../src-main/xdm/cda-render.js';
import { CDA_BIO, CDA_N1, cdaSample } from './fixtures.js';

const ALLOWED_TAGS = new Set(['article', 'header', 'footer', 'section', 'div', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'dl', 'dt', 'dd', 'p', 'span', 'strong', 'em', 'u', 'small', 'br', 'ul', 'ol', 'li', 'pre', 'table', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'caption', 'colgroup', 'col', 'sub', 'sup', 'html', 'head', 'body']);
const ALLOWED_ATTRS = new Set(['class', 'colspan', 'rowspan', 'data-attachment-id']);

/** Every element and attribute of the fragment is on the allow-list (what DOMPurify would keep). */
function assertSafeHtml(html: string): void {
  const doc = new DOMParser({ onError: () => {} }).parseFromString(`<body>${html}</body>`, 'text/html');
  const stack: Element[] = [doc.documentElement!];
  let count = 0;
  while (stack.length) {
    const el = stack.pop()!;
    count++;
    assert.ok(ALLOWED_TAGS.has(el.localName!.toLowerCase()), `tag ${el.localName}`);
    for (let i = 0; i < el.attributes.length; i++) {
      const a = el.attributes.item(i)!;
      assert.ok(ALLOWED_ATTRS.has(a.name.toLowerCase()), `attribute ${a.name}="${a.value}" on ${el.localName}`);
    }
    for (let c = el.firstChild; c; c = c.nextSibling) if (c.nodeType === 1) stack.push(c as Element);
  }
  assert.ok(count > 3);
  // Raw markup check too (independent of the parser): no tag carries code or a remote reference.
  for (const tag of html.match(/<[^>]*>/g) ?? []) assert.doesNotMatch(tag, /script|javascript:|https?:|\bsrc=|\bhref=|\bstyle=|\bon[a-z]+=/i, tag);
}

test('ANS CR-BIO (structured): French header and the result table are rendered', () => {
  const r = renderCdaBytes(cdaSample(CDA_BIO));
  assertSafeHtml(r.html);
  assert.match(r.html, /<h1>Compte rendu d&#39;examens biologiques<\/h1>/);
  assert.match(r.html, /<dt>Type de document<\/dt><dd>CR d&#39;examens biologiques \(LOINC 11502-2\)<\/dd>/);
  assert.match(r.html, /<dt>Date du document<\/dt><dd>01\/04\/2021 à 17:10<\/dd>/);
  assert.match(r.html, /<dt>Patient<\/dt><dd>PAT-TROIS DOMINIQUE MARIE-LOUISE, née le 28\/03\/1979, sexe féminin<\/dd>/);
  assert.match(r.html, /279035121518989 — INS qualifiée \(INS-NIR de test\)/);
  assert.match(r.html, /<dt>Auteur<\/dt><dd>M Marcel CAMPARINI, Médecin - Biologie médicale \(SM\), Laboratoire des charmes/);
  assert.match(r.html, /<h2>BIOCHIMIE<\/h2>/);
  assert.match(r.html, /<th><strong>BILAN THYROIDIEN<\/strong><\/th>/);
  assert.match(r.html, /<td>1\.950 mUI\/l<\/td>/);
  assert.match(r.html, /<td>7\.67 pg\/ml<\/td>/);
  // The PDF copy (observationMedia) is an attachment object, referenced in the text, never inlined.
  assert.equal(r.attachments.length, 1);
  const a = r.attachments[0]!;
  assert.equal(a.id, 'doc-1');
  assert.equal(a.mediaType, 'application/pdf');
  assert.equal(new TextDecoder().decode(a.bytes.subarray(0, 5)), '%PDF-');
  assert.equal(a.mediaTypeMismatch, false);
  assert.match(r.html, /data-attachment-id="doc-1">\[Pièce jointe : Compte rendu d&#39;examens biologiques-doc-1\.pdf \(PDF, 77 ko\)\]/);
  assert.equal(r.document.patient.qualified, true);
});

test('ANS level-1 document (nonXMLBody): header rendered and the embedded PDF exposed as an attachment', () => {
  const r = renderCdaBytes(cdaSample(CDA_N1));
  assertSafeHtml(r.html);
  assert.equal(r.document.bodyKind, 'non-structured');
  assert.match(r.html, /<dt>Date du document<\/dt><dd>01\/04\/2021 à 13:47<\/dd>/);
  assert.match(r.html, /<dt>Responsable<\/dt><dd>Marcel Camparini \(01\/07\/2020 à 13:47\)<\/dd>/);
  assert.match(r.html, /Document non structuré : le contenu est le fichier joint Compte rendu d&#39;examens biologiques\.pdf/);
  assert.equal(r.attachments.length, 1);
  const a = r.attachments[0]!;
  assert.equal(a.id, 'document');
  assert.equal(a.filename, "Compte rendu d'examens biologiques.pdf");
  assert.equal(a.bytes.length, 326650);
  assert.equal(new TextDecoder().decode(a.bytes.subarray(0, 8)), '%PDF-1.5');
  assert.match(new TextDecoder('latin1').decode(a.bytes.subarray(a.bytes.length - 8)), /%%EOF/);
});

const HOSTILE_CDA = `<?xml version="1.0" encoding="UTF-8"?>
<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:h="http://www.w3.org/1999/xhtml">
  <code code="11502-2" codeSystem="2.16.840.1.113883.6.1" displayName="&lt;script&gt;alert(1)&lt;/script&gt;"/>
  <title>Résultats <h:script>alert(2)</h:script></title>
  <effectiveTime value="20240101"/>
  <recordTarget><patientRole><id root="1.2.250.1.213.1.4.8" extension="123"/>
    <patient><name><family>&lt;img src=x onerror=alert(3)&gt;</family></name></patient></patientRole></recordTarget>
  <author><time value="2024"/><assignedAuthor><assignedPerson><name>" onmouseover="alert(4)</name></assignedPerson></assignedAuthor></author>
  <component><structuredBody><component><section>
    <title>Section</title>
    <text>
      <paragraph styleCode="Bold onclick=alert(5)">Texte <linkHtml href="javascript:alert(6)">lien</linkHtml>
        <linkHtml href="https://tracker.example/pixel.png">suivi</linkHtml></paragraph>
      <h:script>alert(7)</h:script><h:img src="https://evil.example/x.png"/><h:iframe src="https://evil.example"/>
      <table onload="alert(8)" style="background:url(https://evil.example)"><tr><td colspan="2&quot; onclick=&quot;x" ID="a">c</td></tr></table>
      <renderMultiMedia referencedObject="nope"/>
      <list listType="ordered"><item>un</item><item><content styleCode="Italics">deux</content></item></list>
    </text>
  </section></component></structuredBody></component>
</ClinicalDocument>`;

test('a hostile CDA renders to inert HTML: scripts, handlers, styles and remote references are gone', () => {
  const r = renderCdaBytes(new TextEncoder().encode(HOSTILE_CDA));
  assertSafeHtml(r.html);
  // The text of the hostile markup is shown escaped, not executed.
  assert.match(r.html, /&lt;img src=x onerror=alert\(3\)&gt;/);
  assert.match(r.html, /<span class="cda-link">lien<\/span>/);
  assert.match(r.html, /<ol><li>un<\/li><li><em><span>deux<\/span><\/em><\/li><\/ol>/);
  assert.match(r.html, /\[Contenu multimédia non disponible\]/);
  assert.match(r.html, /<td>c<\/td>/);
  assert.match(r.html, /INS non qualifiée : manque premier prénom de naissance, date de naissance, sexe ; matricule INS invalide/);
});
