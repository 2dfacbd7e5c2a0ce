/** Namespace plumbing shared by the I/O tests (on top of test/helpers/lab.ts). */
import type { ChildProcess } from 'node:child_process';

import { sh, type Lab } from '../helpers/lab.js';

/** No IPv6 in the namespace: no DAD/RS/MLD frames among the ones a test counts. */
export async function quietNamespace(lab: Lab, ns: string): Promise<void> {
  for (const key of ['all', 'default']) {
    await lab.nsExec(ns, 'sysctl', ['-qw', `net.ipv6.conf.${key}.disable_ipv6=1`]);
  }
}

/** Moves a link (TAP or veth end) into `ns`, gives it `cidr` and brings it up. */
export async function moveLink(lab: Lab, link: string, ns: string, cidr: string): Promise<void> {
  await sh('ip', ['link', 'set', 'dev', link, 'netns', ns]);
  await lab.nsExec(ns, 'ip', ['addr', 'add', cidr, 'dev', link]);
  await lab.nsExec(ns, 'ip', ['link', 'set', 'dev', link, 'up']);
}

export async function staticNeighbour(lab: Lab, ns: string, link: string, ip: string, mac: string): Promise<void> {
  await lab.nsExec(ns, 'ip', ['neigh', 'replace', ip, 'lladdr', mac, 'dev', link, 'nud', 'permanent']);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function waitFor(what: string, pred: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Collects a child's stdout lines. */
export function lineCollector(p: ChildProcess): string[] {
  const lines: string[] = [];
  let buf = '';
  p.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
  return lines;
}

/** Runs a Node script inside the namespace (a server or client the test talks to). */
export function nodeIn(lab: Lab, ns: string, script: string): { proc: ChildProcess; lines: string[] } {
  const proc = lab.spawnIn(ns, process.execPath, ['-e', script]);
  return { proc, lines: lineCollector(proc) };
}

export function exited(p: ChildProcess): Promise<number | null> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve(p.exitCode);
  return new Promise((r) => p.once('exit', (code) => r(code)));
}

/** A Node one-liner for the namespace: sends `count` UDP datagrams per flow from `flows` source ports. */
export function udpSenderScript(dst: string, dport: number, flows: number, perFlow: number, basePort = 40000): string {
  return `
const dgram = require('dgram');
(async () => {
  for (let f = 0; f < ${flows}; f++) {
    const s = dgram.createSocket('udp4');
    await new Promise((r) => s.bind(${basePort} + f, r));
    for (let k = 0; k < ${perFlow}; k++) await new Promise((r, j) => s.send(Buffer.from('flow ' + f + ' #' + k), ${dport}, '${dst}', (e) => (e ? j(e) : r())));
    s.close();
  }
  console.log('sent');
})().catch((e) => { console.log('error ' + e.message); process.exit(1); });`;
}

/** A Node one-liner for the namespace: prints "ready", then "msg <text>" per datagram. */
export function udpListenerScript(addr: string, port: number): string {
  return `
const s = require('dgram').createSocket('udp4');
s.on('message', (m) => console.log('msg ' + m.toString()));
s.bind(${port}, '${addr}', () => console.log('ready'));
setTimeout(() => process.exit(0), 20000);`;
}
