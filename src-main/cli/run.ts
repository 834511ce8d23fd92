import { CommanderError } from 'commander';
import { toAppError } from '../errors/index.js';
import { cliErrorTextFr } from './error-text.js';
import { buildProgram, commandOperand, globalProgram } from './program.js';
import { termSafe } from '../common/terminal-text.js';
import { groupsForCommand, loadCommandGroups } from './commands/index.js';
import { endCommand } from './command-end.js';

/**
 * Runs the CLI and returns the exit code: 0 on success, 2 on a usage error,
 * 1 on any failure. Failures print a French message on stderr; with --json
 * they also print `{ ok: false, error: { code, message } }` on stdout.
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  try {
    // only the modules of the command run (loading every group costs most of a start)
    const groups = groupsForCommand(commandOperand(argv, globalProgram().options));
    const program = buildProgram(await loadCommandGroups(groups));
    program.exitOverride();
    await program.parseAsync(argv as string[], { from: 'user' });
    // a command that printed its own result may still report a failure (e.g. `send` refused by the server)
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here with exitCode 0.
      return err.exitCode === 0 ? 0 : 2;
    }
    const appError = toAppError(err);
    const message = cliErrorTextFr(appError);
    const tries = appError.data.triesLeft;
    process.stderr.write(termSafe(`Erreur : ${message}${appError.code === 'INTERNAL' ? ` (${appError.message})` : ''}`) + '\n');
    if (argv.includes('--json')) {
      process.stdout.write(JSON.stringify({ ok: false, error: { code: appError.code, message, ...(tries === undefined ? {} : { triesLeft: tries }) } }) + '\n');
    }
    if (process.env.MSSANTE_DEBUG) process.stderr.write(`${appError.stack ?? appError.message}\n`);
    return 1;
  } finally {
    // every command ends its card session and wipes the store key it unwrapped (card-unlock.ts
    // registers that when a command loads it)
    await endCommand();
  }
}
