// French formatting of dates and sizes (fr-FR, the workstation's time zone).

const time = new Intl.DateTimeFormat('fr-FR', { hour: '2-digit', minute: '2-digit' });
const dayMonth = new Intl.DateTimeFormat('fr-FR', { day: 'numeric', month: 'short' });
const shortDate = new Intl.DateTimeFormat('fr-FR', { day: '2-digit', month: '2-digit', year: 'numeric' });
const full = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'full', timeStyle: 'short' });

/** List column: "14:05" today, "12 mars" this year, "12/03/2023" before. */
export function listDate(iso: string, now = new Date()): string {
  const d = new Date(iso);
  if (d.toDateString() === now.toDateString()) return time.format(d);
  if (d.getFullYear() === now.getFullYear()) return dayMonth.format(d);
  return shortDate.format(d);
}

/** "jeudi 26 novembre 2026 à 14:05". */
export function fullDate(iso: string): string {
  return full.format(new Date(iso));
}

const number = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1 });

/** "850 o", "12 Ko", "1,4 Mo". */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} o`;
  if (bytes < 1024 * 1024) return `${number.format(Math.round(bytes / 1024))} Ko`;
  return `${number.format(bytes / (1024 * 1024))} Mo`;
}

export function displayName(a: { address: string; name?: string | undefined }): string {
  return a.name?.trim() || a.address || '(expéditeur inconnu)';
}
