// openPacket(): an AF_PACKET SOCK_RAW socket bound to one existing interface, for the bridge's uplink to a real NIC
// (or a veth). Same Port API as a TAP queue; receive uses recvmmsg, send uses sendmmsg.
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addon.h"
#include "errors.h"
#include "ifname.h"
#include "port.h"

#ifndef PACKET_VNET_HDR_SZ
#define PACKET_VNET_HDR_SZ 24  // Linux 6.2+: virtio-net header of 12 bytes (with num_buffers) like a TAP's
#endif

namespace wfpio {

namespace {

void SetOpt(Napi::Env env, int fd, int level, int opt, int value, const char* name, const std::string& ifname) {
  if (setsockopt(fd, level, opt, &value, sizeof value) < 0) ThrowErrno(env, name, errno, ifname);
}

// Buffer sizes beyond net.core.[rw]mem_max need the *FORCE variants (root/CAP_NET_ADMIN); fall back quietly.
void SetBuf(Napi::Env env, int fd, int force, int plain, int value, const char* name, const std::string& ifname) {
  if (setsockopt(fd, SOL_SOCKET, force, &value, sizeof value) == 0) return;
  SetOpt(env, fd, SOL_SOCKET, plain, value, name, ifname);
}

int64_t OptInt(Napi::Object o, const char* key, int64_t dflt) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return dflt;
  if (!v.IsNumber()) ThrowType(o.Env(), std::string("openPacket: ") + key + " must be a number");
  return v.As<Napi::Number>().Int64Value();
}

bool OptBool(Napi::Object o, const char* key, bool dflt) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return dflt;
  return v.ToBoolean();
}

}  // namespace

// openPacket(ifname, { promisc = true, ignoreOutgoing = true, vnetHdrSize = 0, reinsertVlan = true,
//                      rcvBuf, sndBuf, qdiscBypass = false }) -> { ifindex, port }
Napi::Value OpenPacket(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) ThrowType(env, "openPacket(ifname, options?)");
  std::string ifname = info[0].As<Napi::String>();
  Napi::Object o = info.Length() > 1 && info[1].IsObject() ? info[1].As<Napi::Object>() : Napi::Object::New(env);
  bool promisc = OptBool(o, "promisc", true);
  bool ignoreOutgoing = OptBool(o, "ignoreOutgoing", true);
  bool reinsertVlan = OptBool(o, "reinsertVlan", true);
  bool qdiscBypass = OptBool(o, "qdiscBypass", false);
  int64_t vnetHdrSize = OptInt(o, "vnetHdrSize", 0);
  int64_t rcvBuf = OptInt(o, "rcvBuf", 0);
  int64_t sndBuf = OptInt(o, "sndBuf", 0);
  if (vnetHdrSize != 0 && vnetHdrSize != 10 && vnetHdrSize != 12) ThrowRange(env, "openPacket: vnetHdrSize must be 0, 10 or 12");

  // Protocol 0 at creation: the socket sees nothing until bind() names the interface and ETH_P_ALL, so no frame
  // from another interface can slip in between socket() and bind().
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) ThrowErrno(env, "socket(AF_PACKET)", errno);
  struct Guard {
    int fd;
    ~Guard() {
      if (fd >= 0) close(fd);
    }
  } guard{fd};

  struct ifreq ifr;
  CopyIfName(env, "SIOCGIFINDEX", ifname, &ifr);
  if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) ThrowErrno(env, "SIOCGIFINDEX", errno, "interface \"" + ifname + "\"");
  int ifindex = ifr.ifr_ifindex;

  // Aux data carries the VLAN tag the kernel may have stripped into metadata, and the checksum status.
  SetOpt(env, fd, SOL_PACKET, PACKET_AUXDATA, 1, "PACKET_AUXDATA", ifname);
  bool skipOutgoing = false;
  if (ignoreOutgoing) {
    // A bridge port wants what arrives on the wire, not what this host (or we) transmit on it. Kernels before
    // 4.20 lack the option; then the PACKET_OUTGOING check in the receive loop does the same job.
    int one = 1;
    if (setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one) < 0) {
      if (errno != ENOPROTOOPT) ThrowErrno(env, "PACKET_IGNORE_OUTGOING", errno, ifname);
    }
    skipOutgoing = true;
  }
  if (vnetHdrSize == 10) SetOpt(env, fd, SOL_PACKET, PACKET_VNET_HDR, 1, "PACKET_VNET_HDR", ifname);
  if (vnetHdrSize == 12) SetOpt(env, fd, SOL_PACKET, PACKET_VNET_HDR_SZ, 12, "PACKET_VNET_HDR_SZ", ifname);
  if (rcvBuf > 0) SetBuf(env, fd, SO_RCVBUFFORCE, SO_RCVBUF, static_cast<int>(rcvBuf), "SO_RCVBUF", ifname);
  if (sndBuf > 0) SetBuf(env, fd, SO_SNDBUFFORCE, SO_SNDBUF, static_cast<int>(sndBuf), "SO_SNDBUF", ifname);
  if (qdiscBypass) SetOpt(env, fd, SOL_PACKET, PACKET_QDISC_BYPASS, 1, "PACKET_QDISC_BYPASS", ifname);

  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof sll);
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_ALL);
  sll.sll_ifindex = ifindex;
  if (bind(fd, reinterpret_cast<struct sockaddr*>(&sll), sizeof sll) < 0) ThrowErrno(env, "bind(AF_PACKET)", errno, ifname);

  if (promisc) {
    // A membership, not IFF_PROMISC: the kernel counts it and drops it when the socket closes, even on a crash.
    struct packet_mreq mr;
    memset(&mr, 0, sizeof mr);
    mr.mr_ifindex = ifindex;
    mr.mr_type = PACKET_MR_PROMISC;
    if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr) < 0) {
      ThrowErrno(env, "PACKET_ADD_MEMBERSHIP", errno, ifname);
    }
  }

  PortConfig cfg;
  cfg.kind = PortKind::kPacket;
  cfg.fd = fd;
  guard.fd = -1;
  cfg.vnetHdrSize = static_cast<uint32_t>(vnetHdrSize);
  cfg.skipOutgoing = skipOutgoing;
  cfg.reinsertVlan = reinsertVlan;
  cfg.ifname = ifname;
  cfg.ifindex = static_cast<unsigned int>(ifindex);
  Napi::Object result = Napi::Object::New(env);
  result.Set("ifindex", Napi::Number::New(env, ifindex));
  result.Set("port", Port::Create(env, cfg));
  return result;
}

}  // namespace wfpio
