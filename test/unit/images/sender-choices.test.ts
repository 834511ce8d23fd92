// « Toujours / Jamais pour cet expéditeur »: kept per sender address across restarts,
// owner-only, and overridden by the setting remoteImages: 'never'.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SenderImageChoices } from '../../../src-main/images/index.js';
import { createImagesApp } from '../../../src-main/app/images-app.js';
import { imagesChoiceOf } from '../../../src-main/app/mail-app.js';
import { DEFAULT_SETTINGS } from '../../../src-main/app/settings.js';
import type { Settings } from '../../../src-main/ipc/contract.js';

test('a sender choice is kept in the data folder, case-insensitively; "ask" removes it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mssante-images-'));
  try {
    const file = join(dir, 'sub', 'remote-images.json');
    const a = new SenderImageChoices(file);
    assert.equal(a.get('Lettre@Labo.fr'), 'ask');
    a.set('Lettre@Labo.fr', 'always');
    a.set('pub@exemple.fr', 'never');
    const b = new SenderImageChoices(file);
    assert.equal(b.get('lettre@labo.fr'), 'always');
    assert.equal(b.get('PUB@exemple.fr'), 'never');
    assert.equal(b.get(undefined), 'ask');
    if (process.platform !== 'win32') assert.equal(statSync(file).mode & 0o777, 0o600);
    b.set('lettre@labo.fr', 'ask');
    assert.equal(new SenderImageChoices(file).get('lettre@labo.fr'), 'ask');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the facade: the message\'s sender is remembered; the setting "never" wins and refuses the fetch', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mssante-images-'));
  try {
    let settings: Settings = { ...DEFAULT_SETTINGS };
    const message = { from: { address: 'Lettre@Labo.fr' }, html: '<p>pas d’image</p>' };
    const app = createImagesApp({
      store: () => ({ getMessage: async () => message as never }),
      settings: () => settings,
      choicesFile: join(dir, 'remote-images.json'),
    });
    assert.deepEqual(await app.channels['mail.imagesChoice']({ id: '7', choice: 'always' }), { choice: 'always' });
    assert.equal(app.choiceFor('lettre@labo.fr'), 'always');
    assert.deepEqual(await app.channels['mail.images']({ id: '7' }), { images: [], refused: [] });
    settings = { ...settings, remoteImages: 'never' };
    assert.equal(app.choiceFor('lettre@labo.fr'), 'never');
    await assert.rejects(app.channels['mail.images']({ id: '7' }), { code: 'INVALID_ARGUMENT' });
    settings = { ...settings, remoteImages: 'ask' };
    await app.channels['mail.imagesChoice']({ id: '7', choice: 'never' });
    await assert.rejects(app.channels['mail.images']({ id: '7' }), { code: 'INVALID_ARGUMENT' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('"toujours" is not honoured on a message flagged suspicious (a borrowed From); "jamais" always is', () => {
  assert.equal(imagesChoiceOf('always', 'verified_professional'), 'always');
  assert.equal(imagesChoiceOf('always', 'suspicious'), 'ask');
  assert.equal(imagesChoiceOf('never', 'suspicious'), 'never');
  assert.equal(imagesChoiceOf('ask', 'outside_trust_space'), 'ask');
});
