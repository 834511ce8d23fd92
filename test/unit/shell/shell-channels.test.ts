import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shellChannels } from '../../../src-main/shell/shell-channels.js';
import { safeFileName } from '../../../src-main/shell/files.js';
import { utilityProcessCardHost } from '../../../src-main/shell/card-host.js';
import { unavailableServices } from '../../../src-main/app/unavailable.js';

function setup(dir: string, filename: string) {
  const opened: string[] = [];
  const attached: string[] = [];
  let saveAnswer: { canceled: boolean; filePath?: string } = { canceled: true };
  let openAnswer: { canceled: boolean; filePaths: string[] } = { canceled: true, filePaths: [] };
  const core = {
    ...unavailableServices(),
    attachmentContent: async () => ({ filename, contentType: 'application/pdf', data: Buffer.from('%PDF-1.7 compte rendu') }),
    attachFile: async (f: { filename: string; data: Buffer }) => {
      attached.push(`${f.filename}:${f.data.length}`);
      return { attachmentId: 'a1', filename: f.filename, contentType: 'application/pdf', size: f.data.length };
    },
  };
  const channels = shellChannels({
    version: '0.1.0',
    core,
    dialog: { showSaveDialog: async () => saveAnswer, showOpenDialog: async () => openAnswer } as never,
    shell: { openPath: async (p: string) => { opened.push(p); return ''; } },
    window: () => undefined,
    openExternal: async () => false,
    messageView: { show: () => true, setBounds: () => true, hide: () => false, tabStops: () => 0, focus: async () => false },
    openedAttachmentsDir: join(dir, 'opened'),
    platform: 'linux',
  });
  return { channels, opened, attached, answerSave: (a: typeof saveAnswer) => { saveAnswer = a; }, answerOpen: (a: typeof openAnswer) => { openAnswer = a; } };
}

test('opening an attachment writes a private copy (0600) under the wiped folder, with a safe name', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mssante-att-'));
  try {
    const { channels, opened } = setup(dir, '../../CR consultation.pdf');
    assert.deepEqual(await channels['attachment.open']({ messageId: '1', partId: '2' }), { opened: true });
    assert.equal(opened.length, 1);
    assert.ok(opened[0]!.startsWith(join(dir, 'opened') + '/'));
    assert.ok(opened[0]!.endsWith('/CR consultation.pdf'));
    assert.equal(statSync(opened[0]!).mode & 0o777, 0o600);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('executable attachments are never opened directly (save only)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mssante-att-'));
  try {
    for (const name of ['ordonnance.pdf.exe', 'facture.js', 'x.desktop', 'page.html']) {
      const { channels, opened } = setup(dir, name);
      assert.deepEqual(await channels['attachment.open']({ messageId: '1', partId: '2' }), { opened: false }, name);
      assert.equal(opened.length, 0);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('saving goes where the user chose; cancelling saves nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mssante-att-'));
  try {
    const { channels, answerSave } = setup(dir, 'cr.pdf');
    assert.deepEqual(await channels['attachment.save']({ messageId: '1', partId: '2' }), { saved: false });
    answerSave({ canceled: false, filePath: join(dir, 'chosen.pdf') });
    assert.deepEqual(await channels['attachment.save']({ messageId: '1', partId: '2' }), { saved: true });
    assert.equal(readFileSync(join(dir, 'chosen.pdf'), 'utf8'), '%PDF-1.7 compte rendu');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('files picked in the dialog become compose attachments; the path never reaches the renderer', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mssante-att-'));
  try {
    writeFileSync(join(dir, 'bilan.pdf'), 'x'.repeat(10));
    const { channels, attached, answerOpen } = setup(dir, 'x');
    assert.deepEqual(await channels['compose.pickFiles']({}), { attachments: [] });
    answerOpen({ canceled: false, filePaths: [join(dir, 'bilan.pdf')] });
    const result = await channels['compose.pickFiles']({});
    assert.deepEqual(result, { attachments: [{ attachmentId: 'a1', filename: 'bilan.pdf', contentType: 'application/pdf', size: 10 }] });
    assert.ok(!JSON.stringify(result).includes(dir));
    assert.deepEqual(attached, ['bilan.pdf:10']);
    assert.deepEqual(await channels['app.info']({}), { version: '0.1.0', platform: 'linux', isolatedMessageView: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('safe file names: no path, no reserved names, never empty', () => {
  assert.equal(safeFileName('..\\..\\Windows\\system32\\evil.dll'), 'evil.dll');
  assert.equal(safeFileName('/etc/passwd'), 'passwd');
  assert.equal(safeFileName('a:b*c?.pdf'), 'a_b_c_.pdf');
  assert.equal(safeFileName('CON.txt'), '_CON.txt');
  assert.equal(safeFileName('...'), 'piece-jointe');
  assert.equal(safeFileName('bad\u0000name\u001f.pdf'), 'bad_name_.pdf');
});

test('the utility-process card host forwards the card protocol both ways and stops sending after exit', () => {
  const child = Object.assign(new EventEmitter(), {
    pid: 4242,
    sent: [] as unknown[],
    killed: false,
    postMessage(m: unknown) { this.sent.push(m); },
    kill() { this.killed = true; return true; },
  });
  const forks: unknown[][] = [];
  const launcher = utilityProcessCardHost(((...args: unknown[]) => { forks.push(args); return child; }) as never, '/app/card-host-entry.js');
  const host = launcher();
  assert.equal(host.pid, 4242);
  assert.equal(forks[0]![0], '/app/card-host-entry.js');
  const received: unknown[] = [];
  host.port.onMessage((m) => received.push(m));
  host.port.postMessage({ id: 1, op: 'slots' });
  child.emit('message', { kind: 'ready' });
  assert.deepEqual(child.sent, [{ id: 1, op: 'slots' }]);
  assert.deepEqual(received, [{ kind: 'ready' }]);
  const exits: string[] = [];
  host.onExit((d) => exits.push(d));
  child.emit('exit', 3);
  assert.deepEqual(exits, ['exit code 3']);
  host.port.postMessage({ id: 2, op: 'slots' });
  host.kill();
  assert.equal(child.sent.length, 1);
  assert.equal(child.killed, false);
});
