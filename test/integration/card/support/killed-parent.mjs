// A parent that forks the card host, floods it with requests, and is SIGKILLed at the host's
// first message: the host then answers into a closed channel. Its stderr goes to a file (argv[3])
// that outlives this process; its pid to argv[4].
import { fork } from 'node:child_process';
import { openSync, writeFileSync } from 'node:fs';

const [script, errFile, pidFile] = process.argv.slice(2);
const child = fork(script, [], { execArgv: ['--import', 'tsx'], serialization: 'advanced', stdio: ['ignore', 'ignore', openSync(errFile, 'w'), 'ipc'] });
writeFileSync(pidFile, String(child.pid));
child.once('message', () => process.kill(process.pid, 'SIGKILL'));
for (let id = 1; id <= 2000; id++) child.send({ id, op: 'slots' });
