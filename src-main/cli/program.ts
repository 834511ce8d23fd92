import { Command, Option } from 'commander';
import { FRENCH_HELP, translateCommanderError } from './commander-fr.js';
import { defaultHome, makeContext, type CliContext, type GlobalOptions } from './context.js';

export type CommandRegistrar = (program: Command, ctx: () => CliContext) => void;

/**
 * Builds the `mssante` program with its global options, French help and the
 * given command groups. Each group (card, account, sync, …) lives in
 * commands/<group>.ts; commands/index.ts lists them and says which ones a
 * command line needs (`commandOperand` below finds its command).
 */
export function buildProgram(registrars: readonly CommandRegistrar[]): Command {
  const program = globalProgram();
  const ctx = (): CliContext => makeContext(globalOptions(program));
  for (const register of registrars) register(program, ctx);
  localiseHelp(program);
  return program;
}

/** The program with its global options only (no command). */
export function globalProgram(): Command {
  return new Command('mssante')
    .description('Messagerie MSSanté en ligne de commande (carte CPS, synchronisation, envoi, annuaire).')
    .helpOption('-h, --help', 'afficher l’aide de la commande')
    .helpCommand('help [commande]', 'afficher l’aide d’une commande')
    .addOption(new Option('--home <dossier>', 'dossier des données (variable MSSANTE_HOME)'))
    .addOption(new Option('--pkcs11-module <chemin>', 'bibliothèque PKCS#11 de la carte (variable MSSANTE_PKCS11_MODULE)'))
    .addOption(new Option('--token <libellé|numéro>', 'carte à utiliser quand plusieurs sont présentes'))
    .addOption(new Option('--pin-stdin', 'lire le code PIN sur l’entrée standard (automatisation)'))
    .addOption(new Option('--recovery-stdin', 'sans carte : ouvrir la base locale avec son code de secours, lu sur la première ligne de l’entrée standard'))
    .addOption(new Option('--json', 'sortie JSON sur la sortie standard'))
    .showHelpAfterError('(utilisez --help pour l’aide)')
    .configureOutput(FRENCH_OUTPUT)
    .configureHelp(FRENCH_HELP);
}

/**
 * The top-level command of a command line: its first operand when only global
 * options (with their values) come before it; undefined when there is none or
 * anything else comes first (--help, an unknown option, `--`), where the whole
 * program must answer.
 */
export function commandOperand(argv: readonly string[], globals: readonly Option[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('-') || arg === '-') return arg;
    const eq = arg.indexOf('=');
    const flag = eq > 0 && arg.startsWith('--') ? arg.slice(0, eq) : arg;
    const option = globals.find((o) => o.long === flag || o.short === flag);
    if (!option || option.optional) return undefined;
    if (option.required && flag === arg) i++; // its value is the next word, whatever it looks like
    else if (!option.required && flag !== arg) return undefined; // a value given to a flag: commander's error
  }
  return undefined;
}

function globalOptions(program: Command): GlobalOptions {
  const o = program.opts<{ home?: string; pkcs11Module?: string; token?: string; pinStdin?: boolean; recoveryStdin?: boolean; json?: boolean }>();
  const pkcs11Module = o.pkcs11Module ?? process.env.MSSANTE_PKCS11_MODULE;
  return {
    home: o.home ?? defaultHome(),
    ...(pkcs11Module ? { pkcs11Module } : {}),
    ...(o.token ? { token: o.token } : {}),
    pinStdin: Boolean(o.pinStdin),
    recoveryStdin: Boolean(o.recoveryStdin),
    json: Boolean(o.json),
  };
}

// commander's usage errors, in French, on stderr.
const FRENCH_OUTPUT = { outputError: (str: string, write: (s: string) => void) => write(`${translateCommanderError(str)}\n`) };

// Every subcommand gets the French help and error texts, recursively (a command built apart and
// added with addCommand() inherits nothing).
function localiseHelp(cmd: Command): void {
  for (const sub of cmd.commands) {
    sub.helpOption('-h, --help', 'afficher l’aide de la commande');
    sub.configureHelp(FRENCH_HELP).configureOutput(FRENCH_OUTPUT);
    if (sub.commands.length > 0) sub.helpCommand('help [commande]', 'afficher l’aide d’une commande');
    // Usage errors of subcommands must reach runCli too (exit code 2), not process.exit(1).
    sub.exitOverride();
    sub.showHelpAfterError('(utilisez --help pour l’aide)');
    localiseHelp(sub);
  }
}
