// French for commander's own texts. commander (v14) has no message catalogue: its usage errors
// reach us as English strings through configureOutput().outputError, and its help headings and
// "(default: …)" / "(choices: …)" come from Help methods that configureHelp() can replace.
// translateCommanderError is pure and total: an unrecognised message still loses its English
// "error:" prefix, and the unit tests pin every message commander 14 can produce for our commands.
import type { Argument, Command, HelpConfiguration, Option } from 'commander';

const quote = (s: string) => `« ${s} »`;

/** The option as users type it: "--address <adresse>" → "--address". */
function flagOf(flags: string): string {
  const long = /--[\w-]+/.exec(flags);
  return long ? long[0] : (/-\w/.exec(flags)?.[0] ?? flags);
}

function suggestion(rest: string): string {
  const one = /^\n\(Did you mean (.+)\?\)$/.exec(rest);
  if (!one) return '';
  const many = /^one of (.+)$/.exec(one[1]!);
  return many ? ` Vouliez-vous dire l’un de : ${many[1]} ?` : ` Vouliez-vous dire « ${one[1]} » ?`;
}

function choicesOf(detail: string): string | undefined {
  return /^Allowed choices are (.*)\.$/.exec(detail.trim())?.[1];
}

/** commander's English usage error (one line, maybe a "Did you mean" line) → French. */
export function translateCommanderError(message: string): string {
  const text = message.replace(/\n$/, '');
  let m: RegExpExecArray | null;
  if ((m = /^error: unknown command '([^']*)'([\s\S]*)$/.exec(text))) {
    return `Erreur : commande inconnue ${quote(m[1]!)}.${suggestion(m[2]!)}`;
  }
  if ((m = /^error: unknown option '([^']*)'([\s\S]*)$/.exec(text))) {
    return `Erreur : option inconnue ${quote(m[1]!)}.${suggestion(m[2]!)}`;
  }
  if ((m = /^error: required option '([^']*)' not specified$/.exec(text))) {
    return `Erreur : l’option ${flagOf(m[1]!)} est obligatoire (${m[1]}).`;
  }
  if ((m = /^error: option '([^']*)' argument missing$/.exec(text))) {
    return `Erreur : l’option ${flagOf(m[1]!)} attend une valeur (${m[1]}).`;
  }
  if ((m = /^error: missing required argument '([^']*)'$/.exec(text))) {
    return `Erreur : il manque l’argument obligatoire ${quote(m[1]!)}.`;
  }
  if ((m = /^error: too many arguments(?: for '([^']*)')?\. Expected (\d+) arguments? but got (\d+)\.$/.exec(text))) {
    const where = m[1] ? ` pour ${quote(m[1])}` : '';
    return `Erreur : trop d’arguments${where} : ${m[2]} attendu(s), ${m[3]} donné(s).`;
  }
  if ((m = /^error: too many arguments(?: for '([^']*)')?/.exec(text))) {
    return `Erreur : trop d’arguments${m[1] ? ` pour ${quote(m[1])}` : ''}.`;
  }
  if ((m = /^error: option '([^']*)' argument '([\s\S]*)' is invalid\.\s*([\s\S]*)$/.exec(text))) {
    const [, flags, value, detail] = m as unknown as [string, string, string, string];
    const choices = choicesOf(detail);
    if (choices !== undefined) return `Erreur : valeur ${quote(value)} refusée pour ${flagOf(flags)} ; valeurs possibles : ${choices}.`;
    return detail ? `Erreur : ${detail}` : `Erreur : valeur ${quote(value)} refusée pour ${flagOf(flags)}.`;
  }
  if ((m = /^error: command-argument value '([\s\S]*)' is invalid for argument '([^']*)'\.\s*([\s\S]*)$/.exec(text))) {
    const [, value, name, detail] = m as unknown as [string, string, string, string];
    const choices = choicesOf(detail);
    if (choices !== undefined) return `Erreur : valeur ${quote(value)} refusée pour ${quote(name)} ; valeurs possibles : ${choices}.`;
    return detail ? `Erreur : ${detail}` : `Erreur : valeur ${quote(value)} refusée pour ${quote(name)}.`;
  }
  if ((m = /^error: option '([^']*)' cannot be used with option '([^']*)'$/.exec(text))) {
    return `Erreur : les options ${flagOf(m[1]!)} et ${flagOf(m[2]!)} ne vont pas ensemble.`;
  }
  return text.replace(/^error: /, 'Erreur : ');
}

const TITLES: Record<string, string> = {
  'Usage:': 'Utilisation :',
  'Options:': 'Options :',
  'Commands:': 'Commandes :',
  'Arguments:': 'Arguments :',
  'Global Options:': 'Options globales :',
};

const fmt = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

function withExtra(description: string, extra: string[]): string {
  if (extra.length === 0) return description;
  return description ? `${description} (${extra.join(' ; ')})` : `(${extra.join(' ; ')})`;
}

/** Help overrides (configureHelp): French headings, usage words and "(défaut : …)" / "(valeurs : …)". */
export const FRENCH_HELP: HelpConfiguration = {
  sortSubcommands: true,
  styleTitle: (title: string) => TITLES[title] ?? title,
  commandUsage(cmd: Command): string {
    let name = cmd.name();
    for (let p = cmd.parent; p; p = p.parent) name = `${p.name()} ${name}`;
    return `${name} ${cmd.usage().replace('[command]', '[commande]')}`.trim();
  },
  optionDescription(option: Option): string {
    const extra: string[] = [];
    if (option.argChoices) extra.push(`valeurs : ${option.argChoices.join(', ')}`);
    if (option.defaultValue !== undefined && (option.required || option.optional)) {
      extra.push(`par défaut : ${option.defaultValueDescription ?? fmt(option.defaultValue)}`);
    }
    if (option.envVar !== undefined) extra.push(`variable ${option.envVar}`);
    return withExtra(option.description, extra);
  },
  argumentDescription(argument: Argument): string {
    const extra: string[] = [];
    if (argument.argChoices) extra.push(`valeurs : ${argument.argChoices.join(', ')}`);
    if (argument.defaultValue !== undefined) extra.push(`par défaut : ${argument.defaultValueDescription ?? fmt(argument.defaultValue)}`);
    return withExtra(argument.description, extra);
  },
};
