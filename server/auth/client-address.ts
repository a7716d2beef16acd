import { BlockList, isIP } from 'node:net';

/**
 * Which hops in front of the server are ours. `X-Forwarded-For` is appended to by
 * every proxy, so only its right-most entries were written by proxies we run; the
 * left-most ones are whatever the client sent.
 *
 * - `none`: the socket's peer is the client (no proxy, or the proxy is not trusted).
 * - `hops`: exactly this many proxies stand in front of the server.
 * - `list`: the proxies are these addresses or networks; the client is the first
 *   address, from the right, that is not one of them.
 */
export type ProxyTrust = { kind: 'none' } | { kind: 'hops'; hops: number } | { kind: 'list'; proxies: BlockList; entries: string[] };

export const MAX_PROXY_HOPS = 10;
const LOOPBACK = ['127.0.0.0/8', '::1/128'];

/** Reads TRUST_PROXY: off | on (one proxy) | a hop count | comma-separated proxy addresses or CIDR networks (`loopback` too). */
export function parseProxyTrust(raw: string | undefined): ProxyTrust | { problem: string } {
  const value = (raw ?? '').trim().toLowerCase();
  if (['', 'off', 'false', 'no', '0'].includes(value)) return { kind: 'none' };
  if (['on', 'true', 'yes'].includes(value)) return { kind: 'hops', hops: 1 };
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops > MAX_PROXY_HOPS) return { problem: `expected at most ${MAX_PROXY_HOPS} hops / 代理层数至多 ${MAX_PROXY_HOPS}` };
    return { kind: 'hops', hops };
  }
  const proxies = new BlockList();
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of entries.flatMap((entry) => (entry === 'loopback' ? LOOPBACK : [entry]))) {
    const [address = '', prefix] = entry.split('/');
    const family = isIP(address);
    const bits = prefix === undefined ? (family === 6 ? 128 : 32) : Number(prefix);
    const maxBits = family === 6 ? 128 : 32;
    if (family === 0 || !Number.isInteger(bits) || bits < 0 || bits > maxBits || (prefix !== undefined && !/^\d+$/.test(prefix))) {
      return { problem: `${JSON.stringify(entry)} is not an IP address or CIDR network / 不是 IP 地址或网段` };
    }
    proxies.addSubnet(address, bits, family === 6 ? 'ipv6' : 'ipv4');
  }
  return { kind: 'list', proxies, entries };
}

/** `::ffff:10.0.0.1` → `10.0.0.1`, `[::1]:443` → `::1`, `10.0.0.1:5000` → `10.0.0.1`; null when it is not an address. */
export function normalizeAddress(raw: string | undefined): string | null {
  let value = (raw ?? '').trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(value);
  if (bracketed) value = bracketed[1]!;
  else if (/^[\d.]+:\d+$/.test(value)) value = value.slice(0, value.lastIndexOf(':'));
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(value);
  if (mapped) value = mapped[1]!;
  const family = isIP(value);
  if (family === 0) return null;
  return family === 6 ? value.toLowerCase() : value;
}

function trusted(trust: ProxyTrust, address: string, position: number): boolean {
  switch (trust.kind) {
    case 'none':
      return false;
    case 'hops':
      return position < trust.hops;
    case 'list':
      return trust.proxies.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
  }
}

/**
 * The address the nearest proxy we do not trust connected from: walk from the
 * socket's peer leftwards through X-Forwarded-For while the hop is trusted. An
 * entry that is not an address stops the walk at the last good one.
 */
export function clientAddress(peer: string | undefined, forwardedFor: string | string[] | undefined, trust: ProxyTrust): string {
  const nearest = normalizeAddress(peer) ?? 'unknown';
  if (trust.kind === 'none') return nearest;
  const forwarded = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : (forwardedFor ?? '')).split(',').reverse();
  let client = nearest;
  for (const [position, entry] of forwarded.entries()) {
    if (!trusted(trust, client, position)) break;
    const next = normalizeAddress(entry);
    if (!next) break;
    client = next;
  }
  return client;
}
