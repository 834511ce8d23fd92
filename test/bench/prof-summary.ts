// `node test/bench/prof-summary.ts DIR [TOP]` (under tsx): where the time of V8 CPU profiles goes
// (the `--cpu-prof` files the sync bench writes, one per thread): self time per function and per
// file or package, so that a profile can be read without DevTools and quoted in docs/STORE-SYNC.md.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** A file URL shortened to its package (node_modules) or its path in the repository. */
export function placeOf(url: string): string {
  if (!url) return '(native/V8)';
  if (url.startsWith('node:')) return url;
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 13).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const repo = url.search(/\/(src-main|test)\//);
  return repo >= 0 ? url.slice(repo + 1) : url;
}

export function summarise(p: Profile, top = 15): string {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) selfUs.set(p.samples[i]!, (selfUs.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0));
  const fn = new Map<string, number>();
  const place = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    const name = n.callFrame.functionName || '(anonymous)';
    if (name === '(idle)') idle += us;
    total += us;
    const key = `${name} ${placeOf(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
    fn.set(key, (fn.get(key) ?? 0) + us);
    const where = name.startsWith('(') ? name : placeOf(n.callFrame.url);
    place.set(where, (place.get(where) ?? 0) + us);
  }
  const busy = total - idle;
  const line = (k: string, us: number): string => `  ${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / busy).toFixed(1).padStart(5)} %  ${k}`;
  const sorted = (m: Map<string, number>): [string, number][] => [...m].filter(([k]) => k !== '(idle)' && !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, top);
  return [
    `  wall ${((p.endTime - p.startTime) / 1e6).toFixed(2)} s, busy ${(busy / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s`,
    '  by file or package (self time):',
    ...sorted(place).map(([k, v]) => line(k, v)),
    '  by function (self time):',
    ...sorted(fn).map(([k, v]) => line(k, v)),
  ].join('\n');
}

if (process.argv[1]?.endsWith('prof-summary.ts')) {
  const dir = process.argv[2]!;
  const top = Number(process.argv[3] ?? 15);
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.cpuprofile')).sort()) {
    console.log(`${f}`);
    console.log(summarise(JSON.parse(readFileSync(join(dir, f), 'utf8')) as Profile, top));
  }
}
