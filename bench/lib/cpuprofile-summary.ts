/**
 * Summarizes a V8 .cpuprofile (node --cpu-prof): self time by package/area and by function.
 * Usage: npx tsx bench/lib/cpuprofile-summary.ts <file.cpuprofile> [top]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export function area(url: string): string {
  if (!url) return '(native/idle/gc)';
  if (url.startsWith('node:')) return url.split('/')[0]!.replace(/^node:internal.*/, 'node:internal');
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const server = url.indexOf('/server/');
  if (server >= 0)
    return `server/${
      url
        .slice(server + 8)
        .split('/')
        .slice(0, -1)
        .join('/') || '.'
    }`;
  return url;
}

export function summarizeProfile(file: string, top = 25): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byArea = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const [id, us] of self) {
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    const a = functionName === '(idle)' ? '(idle)' : functionName === '(garbage collector)' ? '(gc)' : area(url);
    byArea.set(a, (byArea.get(a) ?? 0) + us);
    const key = `${functionName || '(anonymous)'} ${a}${url ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  }
  const busy = total - (byArea.get('(idle)') ?? 0);
  const pct = (us: number) => `${((us / busy) * 100).toFixed(1)}%`;
  const rows = (m: Map<string, number>) =>
    [...m]
      .filter(([k]) => k !== '(idle)' && !k.startsWith('(idle)') && !k.startsWith('(program)'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => `  ${pct(us).padStart(6)}  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`);
  return [
    `${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (not idle)`,
    'self time by area (share of busy time):',
    ...rows(byArea),
    'self time by function:',
    ...rows(byFunction),
  ].join('\n');
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  process.stdout.write(`${summarizeProfile(process.argv[2]!, Number(process.argv[3] ?? 25))}\n`);
}
