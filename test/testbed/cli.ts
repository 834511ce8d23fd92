// npm run testbed -- up [--json] | down | status [--json] | corpus --mailbox <addr> --count N [--seed S] | corpus --mailbox <addr> --set hostile|malformed
import { up, down, status } from './bench.js';

const [verb, ...rest] = process.argv.slice(2);
const json = rest.includes('--json');

function option(name: string): string | undefined {
  const i = rest.indexOf(name);
  return i >= 0 ? rest[i + 1] : undefined;
}

async function main(): Promise<number> {
  switch (verb) {
    case 'up': {
      const t0 = Date.now();
      const r = await up();
      const ms = Date.now() - t0;
      if (json) {
        process.stdout.write(`${JSON.stringify({ started: r.started, ms, timings: r.timings, ...r.state })}\n`);
      } else {
        console.log(r.started ? `test bench started in ${ms} ms (run dir ${r.state.dir})` : `test bench already up (run dir ${r.state.dir})`);
        console.log(`  IMAP ${r.state.host}:${r.state.ports.imap} (STARTTLS), :${r.state.ports.imaps} (TLS); submission :${r.state.ports.submission} (STARTTLS), :${r.state.ports.submissions} (TLS)`);
        console.log(`  cards: ${r.state.cards.map((c) => `${c.name} <${c.address}>`).join(', ')}`);
      }
      return 0;
    }
    case 'down': {
      const r = await down();
      console.log(r.stopped.length ? `test bench stopped: ${r.stopped.join(', ')}` : 'test bench was not up');
      return 0;
    }
    case 'status': {
      const s = await status();
      if (json) process.stdout.write(`${JSON.stringify(s)}\n`);
      else if (!s.state) console.log('test bench is not up');
      else {
        console.log(`test bench ${s.up ? 'is up' : 'is NOT healthy'} (run dir ${s.state.dir}, started ${s.state.startedAt})`);
        for (const p of s.processes) console.log(`  ${p.name.padEnd(10)} pid ${p.pid} ${p.running ? 'running' : 'NOT running'}`);
        for (const [k, open] of Object.entries(s.ports)) console.log(`  ${k.padEnd(20)} ${open ? 'open' : 'CLOSED'}`);
      }
      return s.up || !s.state ? 0 : 1;
    }
    case 'corpus': {
      const { corpusCommand } = await import('./corpus-cli.js');
      return corpusCommand({ mailbox: option('--mailbox'), count: option('--count'), seed: option('--seed'), folder: option('--folder'), set: option('--set'), json });
    }
    default:
      console.error('usage: npm run testbed -- up [--json] | down | status [--json] | corpus --mailbox <address> --count <n> [--seed <s>]');
      return 2;
  }
}

main().then((code) => process.exit(code), (err: Error) => {
  console.error(err.message);
  process.exit(1);
});
