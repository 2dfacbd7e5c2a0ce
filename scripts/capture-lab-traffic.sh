#!/usr/bin/env bash
# Captures real traffic between two lab network namespaces into small pcap/pcapng files for the reader's tests
# (test/captures/README.md lists what each holds). Everything it creates carries a random per-run tag and is
# deleted on any exit (success, error, Ctrl-C): namespaces, the veth pair (it lives inside them), processes, temp files.
# Traffic goes only between the two namespaces (10.77.0.0/24, fd77::/64); nothing touches the host's interfaces.
#
# Usage (as root):
#   scripts/capture-lab-traffic.sh [--out DIR]          # all small captures into DIR (default test/captures)
#   scripts/capture-lab-traffic.sh --bulk N [--bulk-out FILE]
#                                                      # only a >= N-frame UDP capture (iperf3) for benchmarks,
#                                                      # into FILE (default: a new temp file); never committed
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out="$here/../test/captures"
bulk=0
bulk_out=""

usage() {
  sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit "${1:-0}"
}

while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --bulk) bulk=$2; shift 2 ;;
    --bulk-out) bulk_out=$2; shift 2 ;;
    -h | --help) usage 0 ;;
    *) echo "unknown argument: $1" >&2; usage 2 ;;
  esac
done

if [ "$(id -u)" -ne 0 ]; then
  echo "needs root (network namespaces, veth, tcpdump)" >&2
  exit 1
fi
for tool in ip tc ethtool tcpdump dumpcap mergecap editcap capinfos curl nc ping python3 ss sysctl; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done

# Unique names: parallel runs (and the test suite's own labs) never collide. Interface names stay under 15 chars.
tag=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
ns_a="wfpcap-${tag}-a"
ns_b="wfpcap-${tag}-b"
if_a="wc${tag}a"
if_b="wc${tag}b"
ip_a=10.77.0.1
ip_b=10.77.0.2
ip6_a=fd77::1
ip6_b=fd77::2
work=$(mktemp -d /tmp/wfp-capture.XXXXXX)
pids=()
cap_pids=()

cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
  # Anything still running inside our own namespaces was started by this run (the names are unique to it).
  for ns in "$ns_a" "$ns_b"; do
    if ip netns list | grep -qw "$ns"; then
      for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
      ip netns del "$ns" 2>/dev/null
    fi
  done
  # If setup failed before the veth moved into a namespace, it is still in the root namespace.
  ip link del "$if_a" 2>/dev/null
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

in_a() { ip netns exec "$ns_a" "$@"; }
in_b() { ip netns exec "$ns_b" "$@"; }

# Waits (up to ~5 s) until FILE contains PATTERN: tcpdump and dumpcap say when they are listening.
wait_for_line() {
  local file=$1 pattern=$2
  for _ in $(seq 1 100); do
    grep -q "$pattern" "$file" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "timed out waiting for '$pattern' in $file:" >&2
  cat "$file" >&2
  return 1
}

# Waits until a socket matching the ss filter exists in a namespace (a server is ready).
wait_for_socket() {
  local ns=$1 kind=$2 port=$3
  for _ in $(seq 1 100); do
    ip netns exec "$ns" ss -H "-${kind}ln" "sport = :$port" | grep -q . && return 0
    sleep 0.05
  done
  echo "timed out waiting for a listener on $kind port $port in $ns" >&2
  return 1
}

# start_bg NS LOG CMD...: a background process in a namespace, remembered for cleanup; its PID in $last_pid.
last_pid=0
start_bg() {
  local ns=$1 log=$2
  shift 2
  ip netns exec "$ns" "$@" >"$log" 2>&1 &
  last_pid=$!
  pids+=("$last_pid")
}

# capture_start NS DEV FILE [tcpdump args...]: tcpdump writing a classic pcap of every byte (-s 0), packet by packet
# (-U, --immediate-mode: nothing is left in a kernel block when it is stopped).
capture_start() {
  local ns=$1 dev=$2 file=$3
  shift 3
  local log
  log="$work/$(basename "$file").log"
  start_bg "$ns" "$log" tcpdump -U --immediate-mode -n -s 0 -i "$dev" -w "$file" "$@"
  cap_pids+=("$last_pid")
  wait_for_line "$log" 'listening on'
}

# dumpcap_start NS DEV FILE [dumpcap args...]: a pcapng with the interface's name in its IDB.
dumpcap_start() {
  local ns=$1 dev=$2 file=$3
  shift 3
  local log
  log="$work/$(basename "$file").log"
  start_bg "$ns" "$log" dumpcap -q -n -s 0 -i "$dev" -w "$file" "$@"
  cap_pids+=("$last_pid")
  wait_for_line "$log" 'Capturing on'
}

# Stops every running capture after a short grace period for the last frames, and waits for the files to close.
capture_stop() {
  local pid
  sleep 0.3
  for pid in "${cap_pids[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
  for pid in "${cap_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  cap_pids=()
}

flush_neighbours() {
  in_a ip neigh flush dev "$if_a"
  in_b ip neigh flush dev "$if_b"
}

setup_lab() {
  ip netns add "$ns_a"
  ip netns add "$ns_b"
  ip link add "$if_a" type veth peer name "$if_b"
  ip link set "$if_a" netns "$ns_a"
  ip link set "$if_b" netns "$ns_b"
  local ns dev ip4 ip6
  for side in a b; do
    if [ "$side" = a ]; then ns=$ns_a dev=$if_a ip4=$ip_a ip6=$ip6_a; else ns=$ns_b dev=$if_b ip4=$ip_b ip6=$ip6_b; fi
    ip netns exec "$ns" ip link set lo up
    # No router solicitations or DAD probes: the captures hold the traffic they are named after, not link-up noise.
    ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$dev.router_solicitations=0" "net.ipv6.conf.$dev.accept_ra=0" \
      "net.ipv6.conf.$dev.accept_dad=0" "net.ipv6.conf.$dev.dad_transmits=0"
    # Offloads off: frames on the wire are real size (no GSO super-frames) and carry real checksums.
    ip netns exec "$ns" ethtool -K "$dev" tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
    ip netns exec "$ns" ip link set "$dev" mtu 1500
    ip netns exec "$ns" ip addr add "$ip4/24" dev "$dev"
    ip netns exec "$ns" ip -6 addr add "$ip6/64" dev "$dev" nodad
    ip netns exec "$ns" ip link set "$dev" up
  done
  # Ready when both directions answer (this also lets link-local addresses settle).
  for _ in $(seq 1 50); do
    if in_a ping -c 1 -W 1 "$ip_b" >/dev/null 2>&1 && in_a ping -6 -c 1 -W 1 "$ip6_b" >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.1
  done
  echo "lab link did not come up" >&2
  return 1
}

mac_of() {
  ip netns exec "$1" cat "/sys/class/net/$2/address"
}

bulk_capture() {
  local n=$1 file=$2 seconds
  # iperf3's UDP mode with 64-byte payloads at 30 Mbit/s is ~58k frames/s; run long enough for N and stop tcpdump at N.
  seconds=$((n / 40000 + 3))
  start_bg "$ns_b" "$work/iperf3-server.log" iperf3 -s -1 -B "$ip_b" -p 5201
  wait_for_socket "$ns_b" t 5201
  local log="$work/bulk.log"
  start_bg "$ns_a" "$log" tcpdump -U -n -s 0 -B 16384 -i "$if_a" -c "$n" -w "$file" udp and host "$ip_b"
  local tcpdump_pid=$last_pid
  wait_for_line "$log" 'listening on'
  in_a iperf3 -c "$ip_b" -p 5201 -u -l 64 -b 30M -t "$seconds" >"$work/iperf3-client.log" 2>&1 || true
  for _ in $(seq 1 50); do kill -0 "$tcpdump_pid" 2>/dev/null || break; sleep 0.1; done
  kill -INT "$tcpdump_pid" 2>/dev/null || true
  wait "$tcpdump_pid" 2>/dev/null || true
  local got
  got=$(capinfos -c -M "$file" | awk -F: '/Number of packets/ {gsub(/ /, "", $2); print $2}')
  echo "bulk capture: $file ($got frames, $(stat -c %s "$file") bytes)"
  if [ "$got" -lt "$n" ]; then
    echo "fewer frames than asked ($got < $n): the kernel dropped some; run again or lower N" >&2
    return 1
  fi
}

setup_lab

if [ "$bulk" -gt 0 ]; then
  if [ -z "$bulk_out" ]; then bulk_out=$(mktemp /tmp/wfp-bulk.XXXXXX.pcap); fi
  bulk_capture "$bulk" "$bulk_out"
  exit 0
fi

mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out"/*.pcap "$out"/*.pcapng

# A tiny dual-stack HTTP/1.0 server (python3 -m http.server): one request, one response, the server closes.
mkdir -p "$work/www"
printf 'hello from the wfp lab\n' >"$work/www/hello.txt"
start_bg "$ns_b" "$work/http.log" python3 -m http.server 8080 --bind :: --directory "$work/www"
wait_for_socket "$ns_b" t 8080

# A UDP responder: answers each datagram on port 9000 with "pong: <datagram>", then exits after three.
start_bg "$ns_b" "$work/udp.log" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.77.0.2", 9000))
for _ in range(3):
    data, peer = s.recvfrom(2048)
    s.sendto(b"pong: " + data, peer)
'
wait_for_socket "$ns_b" u 9000

echo "== tcp-handshake-data-close (µs and ns, captured at once)"
capture_start "$ns_a" "$if_a" "$out/tcp-handshake-data-close.pcap" tcp port 8080
capture_start "$ns_a" "$if_a" "$out/tcp-handshake-data-close-ns.pcap" --time-stamp-precision=nano tcp port 8080
in_a curl -sS --max-time 5 -o /dev/null "http://$ip_b:8080/hello.txt"
capture_stop

echo "== tcp-closed-port-rst"
capture_start "$ns_a" "$if_a" "$out/tcp-closed-port-rst.pcap" tcp port 8081
in_a curl -sS --max-time 3 -o /dev/null "http://$ip_b:8081/" 2>/dev/null || true
capture_stop

echo "== udp-request-response"
capture_start "$ns_a" "$if_a" "$out/udp-request-response.pcap" udp port 9000
printf 'ping 1\n' | in_a nc -u -w 1 "$ip_b" 9000 >/dev/null || true
printf 'ping 2\n' | in_a nc -u -w 1 "$ip_b" 9000 >/dev/null || true
capture_stop

echo "== udp-closed-port-icmp-unreachable (IPv4 and IPv6)"
capture_start "$ns_a" "$if_a" "$out/udp-closed-port-icmp-unreachable.pcap" \
  'udp port 9001 or icmp or (icmp6 and ip6[40] == 1)'
printf 'anyone there?\n' | in_a nc -u -w 1 "$ip_b" 9001 >/dev/null 2>&1 || true
printf 'anyone there?\n' | in_a nc -6 -u -w 1 "$ip6_b" 9001 >/dev/null 2>&1 || true
capture_stop

echo "== ping-v4 (µs and ns, captured at once)"
capture_start "$ns_a" "$if_a" "$out/ping-v4.pcap" icmp
capture_start "$ns_a" "$if_a" "$out/ping-v4-ns.pcap" --time-stamp-precision=nano icmp
in_a ping -c 3 -i 0.2 "$ip_b" >/dev/null
capture_stop

echo "== ping-v6-and-nd (neighbour caches flushed first)"
flush_neighbours
capture_start "$ns_a" "$if_a" "$out/ping-v6-and-nd.pcap" icmp6
in_a ping -6 -c 3 -i 0.2 "$ip6_b" >/dev/null
capture_stop

echo "== tcp-v6"
capture_start "$ns_a" "$if_a" "$out/tcp-v6.pcap" ip6 and tcp port 8080
in_a curl -sS --max-time 5 -g -o /dev/null "http://[$ip6_b]:8080/hello.txt"
capture_stop

echo "== ipv4-fragments (3000-byte echo over MTU 1500)"
capture_start "$ns_a" "$if_a" "$out/ipv4-fragments.pcap" icmp
in_a ping -c 2 -i 0.3 -s 3000 "$ip_b" >/dev/null
capture_stop

echo "== ipv6-fragments"
capture_start "$ns_a" "$if_a" "$out/ipv6-fragments.pcap" 'ip6[6] == 44'
in_a ping -6 -c 2 -i 0.3 -s 3000 "$ip6_b" >/dev/null
capture_stop

echo "== arp (ARP caches flushed first)"
flush_neighbours
capture_start "$ns_a" "$if_a" "$out/arp.pcap" arp or icmp
in_a ping -c 1 "$ip_b" >/dev/null
capture_stop

echo "== two-interfaces (dumpcap on each veth end, merged into one pcapng with two IDBs)"
dumpcap_start "$ns_a" "$if_a" "$work/side-a.pcapng" -f 'icmp or udp port 9000'
dumpcap_start "$ns_b" "$if_b" "$work/side-b.pcapng" -f 'icmp or udp port 9000'
in_a ping -c 2 -i 0.2 "$ip_b" >/dev/null
printf 'ping 3\n' | in_a nc -u -w 1 "$ip_b" 9000 >/dev/null 2>&1 || true
capture_stop
# The IDBs differ by if_name, so mergecap keeps both interfaces instead of folding them into one.
mergecap -F pcapng -w "$out/two-interfaces.pcapng" "$work/side-a.pcapng" "$work/side-b.pcapng"

echo "== tcp-handshake-commented (editcap adds packet comments, one of them non-ASCII)"
editcap -F pcapng --capture-comment 'lab capture with packet comments (editcap -a)' \
  -a '1:client SYN' -a '2:server SYN-ACK' -a '4:HTTP request — «GET /hello.txt» ✓' \
  "$out/tcp-handshake-data-close.pcap" "$out/tcp-handshake-commented.pcapng"

echo "== vlan-tagged (802.1Q frames sent by $if_a, captured on the receiving end $if_b)"
# The receiver has no VLAN device, so nothing is answered: the capture holds what crossed the wire.
capture_start "$ns_b" "$if_b" "$out/vlan-tagged.pcap" vlan
if in_a tc qdisc add dev "$if_a" clsact 2>/dev/null &&
  in_a tc filter add dev "$if_a" egress matchall action vlan push id 100 2>/dev/null; then
  # The kernel tags ordinary traffic: a permanent neighbour entry lets IPv4 leave without ARP, and a ping to an
  # absent address adds tagged ARP broadcasts.
  in_a ip neigh replace "$ip_b" lladdr "$(mac_of "$ns_b" "$if_b")" dev "$if_a" nud permanent
  in_a ping -c 2 -i 0.2 -W 1 "$ip_b" >/dev/null 2>&1 || true
  printf 'tagged\n' | in_a nc -u -w 1 "$ip_b" 9002 >/dev/null 2>&1 || true
  in_a ping -c 1 -W 2 10.77.0.3 >/dev/null 2>&1 || true
  in_a tc qdisc del dev "$if_a" clsact
  in_a ip neigh del "$ip_b" dev "$if_a"
else
  # Kernels without cls_matchall/act_vlan (and without 802.1Q devices): send the tagged frames from a raw AF_PACKET
  # socket instead. They are still real frames on a real veth, with real checksums; only their origin differs.
  in_a tc qdisc del dev "$if_a" clsact 2>/dev/null || true
  echo "   (tc vlan push unavailable on this kernel: sending 802.1Q frames from an AF_PACKET socket)"
  in_a python3 - "$if_a" "$(mac_of "$ns_a" "$if_a")" "$(mac_of "$ns_b" "$if_b")" "$ip_a" "$ip_b" <<'PY'
import socket, struct, sys, time

dev, src_mac, dst_mac, src_ip, dst_ip = sys.argv[1:6]
src, dst, bcast = bytes.fromhex(src_mac.replace(":", "")), bytes.fromhex(dst_mac.replace(":", "")), b"\xff" * 6


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def ipv4(proto, payload, ident):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0x4000, 64, proto, 0,
                    socket.inet_aton(src_ip), socket.inet_aton(dst_ip))
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload


def echo(ident, seq, data):
    m = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + data
    return m[:2] + struct.pack("!H", csum(m)) + m[4:]


def udp(sport, dport, data):
    n = 8 + len(data)
    pseudo = socket.inet_aton(src_ip) + socket.inet_aton(dst_ip) + struct.pack("!BBH", 0, 17, n)
    c = csum(pseudo + struct.pack("!HHHH", sport, dport, n, 0) + data) or 0xFFFF
    return struct.pack("!HHHH", sport, dport, n, c) + data


def tag(tpid, vid, pcp=0):
    return struct.pack("!HH", tpid, (pcp << 13) | vid)


IPV4, ARP = struct.pack("!H", 0x0800), struct.pack("!H", 0x0806)
arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, src, socket.inet_aton(src_ip), b"\0" * 6,
                  socket.inet_aton("10.77.0.3"))
frames = [
    dst + src + tag(0x8100, 100) + IPV4 + ipv4(1, echo(0x77, 1, b"vlan 100 echo".ljust(32, b".")), 1),
    dst + src + tag(0x8100, 100) + IPV4 + ipv4(1, echo(0x77, 2, b"vlan 100 echo".ljust(32, b".")), 2),
    dst + src + tag(0x8100, 100, pcp=5) + IPV4 + ipv4(17, udp(40000, 9002, b"tagged\n"), 3),
    bcast + src + tag(0x8100, 100) + ARP + arp,
    dst + src + tag(0x88A8, 200) + tag(0x8100, 100) + IPV4 + ipv4(1, echo(0x77, 3, b"qinq echo".ljust(32, b".")), 4),
]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((dev, 0))
for f in frames:
    s.send(f.ljust(60, b"\0"))  # a NIC pads short frames to 60 bytes (plus FCS); do the same
    time.sleep(0.05)
PY
fi
capture_stop

echo
echo "captures in $out:"
for f in "$out"/*.pcap "$out"/*.pcapng; do
  printf '  %-44s %4s frames %7s bytes\n' "$(basename "$f")" \
    "$(capinfos -c -M "$f" | awk -F: '/Number of packets/ {gsub(/ /, "", $2); print $2}')" "$(stat -c %s "$f")"
done
echo "total: $(du -cb "$out"/*.pcap "$out"/*.pcapng | tail -1 | cut -f1) bytes"
