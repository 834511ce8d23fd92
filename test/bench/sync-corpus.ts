// Benchmark corpus for the sync benchmark: N realistic French medical
// messages (~20 KB on average: letters, lab results, PDF reports as
// attachments), deterministic for a seed, written straight into a Maildir
// folder of the bench's Dovecot that lives on tmpfs (/dev/shm).
import { chownSync, existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { TestbedState } from '../support/testbed.js';
import { buildEml } from '../support/mail-fixtures.js';

class Prng {
  constructor(private s: number) {}
  next(): number {
    this.s = (this.s * 1664525 + 1013904223) >>> 0;
    return this.s / 2 ** 32;
  }
  pick<T>(a: readonly T[]): T {
    return a[Math.floor(this.next() * a.length)]!;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
}

const SENDERS = [
  'Dr Jeanne Martin <jeanne.martin@medecin.mssante.test>',
  'Service de cardiologie – CHU <cardiologie@chu-exemple.mssante.test>',
  'Laboratoire Biolab <resultats@biolab-exemple.mssante.test>',
  'Centre d’imagerie Saint-Éloi <secretariat@imagerie-saint-eloi.mssante.test>',
  'Dr Amélie Rousseau <amelie.rousseau@pediatre.mssante.test>',
  'Pharmacie de la Gare <pharmacie.gare@pharmacien.mssante.test>',
  'Cabinet infirmier Les Tilleuls <ide.tilleuls@infirmier.mssante.test>',
];
const PATIENTS = ['Dupont', 'Lefèvre', 'Garçon', 'Müller', 'Nguyen', 'Benoît', 'Rousseau', 'Perrin', 'Chevalier', 'Hébert', 'Lemaître', 'Fabre'];
const SUBJECTS = [
  'Compte rendu d’échographie abdominale',
  'Résultats de biologie : bilan lipidique',
  'Lettre de liaison – sortie d’hospitalisation',
  'Ordonnance de kinésithérapie',
  'IRM du genou droit',
  'Consultation de cardiologie : électrocardiogramme',
  'Hémoglobine glyquée – suivi diabète',
  'Demande d’avis : dermatologie',
  'Vaccination antigrippale',
  'Compte rendu opératoire',
];
const WORDS =
  'patient patiente examen clinique antécédents traitement posologie surveillance évolution favorable douleur thoracique fièvre tension artérielle fréquence cardiaque échographie radiographie scanner biologie créatinine hémoglobine plaquettes glycémie insuline allergie pénicilline contrôle rendez-vous semaines mois consultation hospitalisation urgence médecin traitant spécialiste recommandations régime activité physique arrêt travail certificat prescription renouvellement'.split(
    ' ',
  );

function paragraph(r: Prng, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(r.pick(WORDS));
  return out.join(' ').replace(/^./, (c) => c.toUpperCase()) + '.';
}

/** One message; average size ~20 KB (about half carry a 15–45 KB PDF, the rest are letters). */
export function corpusMessage(i: number, seed: number): Buffer {
  const r = new Prng(seed * 100_003 + i);
  const patientName = r.pick(PATIENTS);
  const subject = `${r.pick(SUBJECTS)} – ${patientName}`;
  const paragraphs = Array.from({ length: r.int(3, 12) }, () => paragraph(r, r.int(30, 90)));
  const body = ['Cher confrère,', '', `Je vous adresse des nouvelles de votre patient(e) M./Mme ${patientName}.`, '', ...paragraphs, '', 'Bien confraternellement.'].join('\r\n');
  const withPdf = r.next() < 0.5;
  const pdf = withPdf ? Buffer.concat([Buffer.from('%PDF-1.4\n% compte rendu\n'), randomBytesSeeded(r, r.int(10_000, 30_000))]) : null;
  return buildEml({
    from: r.pick(SENDERS),
    subject,
    body,
    date: new Date(Date.UTC(2024, 0, 1) + i * 3_600_000),
    messageId: `<bench-${seed}-${i}@corpus.mssante.test>`,
    ...(pdf ? { attachment: { filename: `CR ${patientName} ${i}.pdf`, mimeType: 'application/pdf', content: pdf } } : {}),
  });
}

function randomBytesSeeded(r: Prng, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i += 4) b.writeUInt32LE(Math.floor(r.next() * 2 ** 32), Math.min(i, n - 4));
  return b;
}

export { BENCH_QUERIES } from './sync-queries.js';

export function mailboxMaildir(state: TestbedState, user: string): string {
  const [local, domain] = user.split('@');
  return join(state.maildirRoot, domain!, local!, 'Maildir');
}

/**
 * Creates `folder` (already CREATEd over IMAP, so Dovecot lists it) as a
 * symlink to a tmpfs directory and fills it with `n` messages, then lets
 * doveadm build the index. Returns the total size in bytes.
 * Dovecot (uid mssante-vmail) must be able to traverse `shmDir`: never put a
 * store in it, since opening a store makes its folder 0700 root-owned.
 */
export function loadCorpusFolder(state: TestbedState, user: string, folder: string, n: number, seed: number, shmDir: string): number {
  const maildir = join(mailboxMaildir(state, user), `.${folder}`);
  const target = join(shmDir, `maildir-${folder}`);
  rmSync(target, { recursive: true, force: true });
  for (const d of ['cur', 'new', 'tmp']) mkdirSync(join(target, d), { recursive: true });
  let bytes = 0;
  const stamp = Math.floor(Date.now() / 1000);
  for (let i = 0; i < n; i++) {
    const raw = corpusMessage(i, seed);
    bytes += raw.length;
    writeFileSync(join(target, 'cur', `${stamp}.M${i}P0.bench,S=${raw.length}:2,${i % 3 === 0 ? 'S' : ''}`), raw);
  }
  // Dovecot's mail user and its own group (they differ: uid 999, gid 994 on the bench machine)
  const id = (flag: string): number => Number(spawnSync('id', [flag, 'mssante-vmail'], { encoding: 'utf8' }).stdout.trim());
  const [uid, gid] = [id('-u'), id('-g')];
  for (const d of [target, join(target, 'cur'), join(target, 'new'), join(target, 'tmp')]) chownSync(d, uid, gid);
  for (const f of readdirSync(join(target, 'cur'))) chownSync(join(target, 'cur', f), uid, gid);
  // replace the folder Dovecot created with the tmpfs one (keeping Dovecot's own files out: fresh index)
  if (existsSync(maildir)) rmSync(maildir, { recursive: true, force: true });
  symlinkSync(target, maildir);
  const r = spawnSync('doveadm', ['-c', state.dovecot.conf, 'index', '-u', user, folder], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`doveadm index failed: ${r.stderr}`);
  return bytes;
}
