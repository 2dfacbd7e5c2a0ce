import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/time/clock.js';
import { FlowKeyRef, FlowTable, TcpFlowState, type AleFlow, type FlowDeleteReason } from '../../src/stack/flow-table.js';
import { FWP_DIRECTION_INBOUND, FWP_DIRECTION_OUTBOUND } from '../../src/engine/constants.js';

const SYN = 0x02;
const ACK = 0x10;
const FIN = 0x01;
const RST = 0x04;

function v4key(proto: number, local: number, lport: number, remote: number, rport: number): FlowKeyRef {
  const k = new FlowKeyRef();
  k.family = 4;
  k.proto = proto;
  k.localV4 = local;
  k.remoteV4 = remote;
  k.localPort = lport;
  k.remotePort = rport;
  return k;
}

function setup(opts: Partial<ConstructorParameters<typeof FlowTable>[2]> = {}) {
  const clock = new VirtualClock();
  const deleted: Array<[bigint, FlowDeleteReason]> = [];
  const table = new FlowTable(clock, (f, r) => deleted.push([f.handle, r]), {
    maxFlows: 100,
    udpIdleMs: 60_000,
    icmpIdleMs: 60_000,
    tcpIdleMs: 7_200_000,
    tcpLingerMs: 2_000,
    ...opts,
  });
  return { clock, deleted, table };
}

describe('ALE flow table', () => {
  it('finds a flow by its key, compares every field and hands out unique handles', () => {
    const { table } = setup();
    const a = table.create(v4key(17, 0x0a000001, 5000, 0x0a000002, 53), FWP_DIRECTION_OUTBOUND, 0);
    const b = table.create(v4key(17, 0x0a000001, 5001, 0x0a000002, 53), FWP_DIRECTION_OUTBOUND, 0);
    expect(a.handle).not.toBe(b.handle);
    expect(table.lookup(v4key(17, 0x0a000001, 5000, 0x0a000002, 53))).toBe(a);
    expect(table.lookup(v4key(17, 0x0a000001, 5001, 0x0a000002, 53))).toBe(b);
    expect(table.lookup(v4key(6, 0x0a000001, 5000, 0x0a000002, 53))).toBeNull();
    expect(table.lookup(v4key(17, 0x0a000002, 5000, 0x0a000001, 53))).toBeNull();
  });

  it('compares IPv6 addresses in place in the frame buffer', () => {
    const { table } = setup();
    const buf = new Uint8Array(64);
    buf.set([0xfd, 0x77, ...new Array(13).fill(0), 1], 8);
    buf.set([0xfd, 0x77, ...new Array(13).fill(0), 2], 24);
    const k = new FlowKeyRef();
    Object.assign(k, { family: 6, proto: 6, buf, localOff: 8, remoteOff: 24, localPort: 40000, remotePort: 80 });
    const f = table.create(k, FWP_DIRECTION_OUTBOUND, 0);
    buf[23] = 9; // the flow copied its addresses: changing the frame does not change the flow
    expect(f.localV6[15]).toBe(1);
    buf[23] = 1;
    expect(table.lookup(k)).toBe(f);
    k.remoteOff = 8;
    k.localOff = 24;
    expect(table.lookup(k)).toBeNull();
  });

  it('R78: the initiator first ACK after the SYN-ACK completes the handshake, exactly once, on either side', () => {
    const { table } = setup();
    const client = table.create(v4key(6, 1, 40000, 2, 80), FWP_DIRECTION_OUTBOUND, 0);
    expect(client.tcp).toBe(TcpFlowState.SynSent);
    expect(table.observeTcp(client, SYN, true)).toBe(false); // retransmitted SYN
    expect(table.observeTcp(client, ACK, true)).toBe(false); // no SYN-ACK yet
    expect(table.observeTcp(client, SYN | ACK, false)).toBe(false);
    expect(client.tcp).toBe(TcpFlowState.SynAckSeen);
    expect(table.observeTcp(client, ACK, true)).toBe(true);
    expect(table.observeTcp(client, ACK, true)).toBe(false);
    expect(client.tcp).toBe(TcpFlowState.Established);

    const server = table.create(v4key(6, 2, 80, 1, 40000), FWP_DIRECTION_INBOUND, 0);
    expect(server.tcp).toBe(TcpFlowState.SynReceived);
    expect(table.observeTcp(server, SYN | ACK, true)).toBe(false);
    expect(table.observeTcp(server, ACK, true)).toBe(false); // the server's own ACK does not complete it
    expect(table.observeTcp(server, ACK, false)).toBe(true);
  });

  it('R53: a closed TCP flow lingers, then is deleted with its reason; a RST closes it too', () => {
    const { table, clock, deleted } = setup();
    const f = table.create(v4key(6, 1, 40000, 2, 80), FWP_DIRECTION_OUTBOUND, 0);
    table.observeTcp(f, SYN | ACK, false);
    table.observeTcp(f, ACK, true);
    table.observeTcp(f, FIN | ACK, true);
    expect(f.tcp).toBe(TcpFlowState.Closing);
    table.observeTcp(f, FIN | ACK, false);
    expect(f.tcp).toBe(TcpFlowState.Closed);
    expect(table.lookup(v4key(6, 1, 40000, 2, 80))).toBe(f); // lingering
    clock.advanceTo(1999);
    expect(deleted).toEqual([]);
    clock.advanceTo(2000);
    expect(deleted).toEqual([[f.handle, 'closed']]);
    expect(table.lookup(v4key(6, 1, 40000, 2, 80))).toBeNull();

    const g = table.create(v4key(6, 1, 40001, 2, 80), FWP_DIRECTION_OUTBOUND, 0);
    table.observeTcp(g, RST, false);
    clock.advanceTo(10_000);
    expect(deleted.at(-1)).toEqual([g.handle, 'reset']);
    expect(table.size).toBe(0);
  });

  it('expires idle UDP flows after the idle time, and traffic keeps them alive', () => {
    const { table, clock, deleted } = setup({ udpIdleMs: 60_000 });
    const busy = table.create(v4key(17, 1, 5000, 2, 53), FWP_DIRECTION_OUTBOUND, 0);
    const idle = table.create(v4key(17, 1, 5001, 2, 53), FWP_DIRECTION_OUTBOUND, 0);
    for (let t = 10_000; t <= 70_000; t += 10_000) {
      clock.advanceTo(t);
      table.touch(busy);
    }
    clock.advanceTo(76_000);
    expect(deleted).toEqual([[idle.handle, 'idle']]);
    expect(table.lookup(v4key(17, 1, 5000, 2, 53))).toBe(busy);
    clock.advanceTo(70_000 + 60_000 + 15_001);
    expect(deleted.map((d) => d[0])).toEqual([idle.handle, busy.handle]);
  });

  it('bounds the table: a new flow evicts the least recently seen one, which is deleted and counted', () => {
    const { table, clock, deleted } = setup({ maxFlows: 2 });
    const a = table.create(v4key(17, 1, 1, 2, 1), FWP_DIRECTION_OUTBOUND, 0);
    clock.advanceTo(10);
    const b = table.create(v4key(17, 1, 2, 2, 1), FWP_DIRECTION_OUTBOUND, 0);
    clock.advanceTo(20);
    table.touch(a);
    table.create(v4key(17, 1, 3, 2, 1), FWP_DIRECTION_OUTBOUND, 0);
    expect(table.evictions).toBe(1);
    expect(deleted).toEqual([[b.handle, 'evicted']]);
    expect(table.size).toBe(2);
  });

  it('clear() deletes every flow once, with the shutdown reason', () => {
    const { table, deleted } = setup();
    const flows: AleFlow[] = [];
    for (let i = 0; i < 5; i++) flows.push(table.create(v4key(17, 1, i, 2, 1), FWP_DIRECTION_OUTBOUND, 0));
    table.clear();
    table.clear();
    expect(deleted).toEqual(flows.map((f) => [f.handle, 'shutdown']));
  });
});
