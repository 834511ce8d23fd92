// The CLI loads only the command groups of the command it runs (commands/index.ts). These tests
// pin the table against the program itself: a command missing from it, or a group it forgets
// (a subcommand another group adds, a command run by another), would change the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Command } from 'commander';
import { buildProgram, commandOperand, globalProgram } from '../../../src-main/cli/program.js';
import { COMMAND_GROUPS, GROUPS_OF_COMMAND, groupsForCommand, loadCommandGroups } from '../../../src-main/cli/commands/index.js';

async function programOf(groups: Parameters<typeof loadCommandGroups>[0]): Promise<Command> {
  return buildProgram(await loadCommandGroups(groups));
}

/** A command's shape: its name, options and arguments, and its subcommands', recursively. */
function shape(cmd: Command): unknown {
  return {
    name: cmd.name(),
    options: cmd.options.map((o) => o.flags),
    args: cmd.registeredArguments.map((a) => a.name()),
    commands: cmd.commands.map(shape),
  };
}

const find = (program: Command, name: string) => program.commands.find((c) => c.name() === name);

test('the table names every top-level command of the whole program, and nothing else', async () => {
  const all = await programOf(COMMAND_GROUPS);
  const names = all.commands.map((c) => c.name()).sort();
  assert.deepEqual(names, Object.keys(GROUPS_OF_COMMAND).sort());
  assert.equal(new Set(COMMAND_GROUPS).size, COMMAND_GROUPS.length);
});

test('each command, loaded alone with its groups, is built exactly as in the whole program', async () => {
  const all = await programOf(COMMAND_GROUPS);
  for (const name of Object.keys(GROUPS_OF_COMMAND)) {
    const alone = await programOf(groupsForCommand(name));
    assert.deepEqual(shape(find(alone, name)!), shape(find(all, name)!), name);
  }
});

test('the groups a command needs beyond its own subcommands are loaded with it', () => {
  // `store rebuild` runs the `sync` command; `messages export|print` come from audit and results
  assert.deepEqual(groupsForCommand('store'), ['sync', 'store', 'storeKeys']);
  assert.deepEqual(groupsForCommand('messages'), ['messages', 'audit', 'results']);
  assert.deepEqual(groupsForCommand('audit'), ['messages', 'audit']);
  assert.deepEqual(groupsForCommand('xdm'), ['xdm']);
  assert.deepEqual(groupsForCommand('check-server'), ['checkServer']);
});

test('no command, help or an unknown word loads every group (whole help, same suggestions)', () => {
  for (const name of [undefined, 'help', 'frobnicate', 'mesages', 'toString', '__proto__', 'constructor']) {
    assert.deepEqual(groupsForCommand(name), COMMAND_GROUPS, String(name));
  }
});

test('the command is the first operand after the global options and their values', () => {
  const globals = globalProgram().options;
  const cases: [string[], string | undefined][] = [
    [['xdm', 'inspect', 'a.zip'], 'xdm'],
    [['--home', '/tmp/h', 'messages', 'list'], 'messages'],
    [['--home=/tmp/h', '--json', 'store', 'check'], 'store'],
    [['--pkcs11-module', '/m.so', '--token', 'CPS', '--pin-stdin', 'card', 'login'], 'card'],
    // a value is the next word, even one that looks like an option
    [['--token', '--json', 'card'], 'card'],
    [['help', 'card'], 'help'],
    [[], undefined],
    [['--json'], undefined],
    [['--home'], undefined],
    // the whole program answers: its help, an unknown option, a value given to a flag, `--`
    [['--help', 'card'], undefined],
    [['-h', 'card'], undefined],
    [['--frob', 'card', 'status'], undefined],
    [['--json=1', 'card'], undefined],
    [['--', 'card'], undefined],
  ];
  for (const [argv, expected] of cases) assert.equal(commandOperand(argv, globals), expected, argv.join(' '));
});
