// openTap(): create or attach a TAP (IFF_TAP | IFF_NO_PI), optionally with a virtio-net header and offloads,
// optionally multi-queue (one fd, and so one Port, per queue).
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <vector>

#include "addon.h"
#include "errors.h"
#include "ifname.h"
#include "port.h"

#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#endif
#ifndef TUN_F_USO6
#define TUN_F_USO6 0x40
#endif

namespace wfpio {

namespace {

constexpr uint32_t kKnownOffloads = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN | TUN_F_UFO | TUN_F_USO4 | TUN_F_USO6;
constexpr int kMaxQueues = 256;  // tun's MAX_TAP_QUEUES

// Closes fds we opened unless they were handed over to Ports.
struct FdGuard {
  std::vector<int> fds;
  ~FdGuard() {
    for (int fd : fds)
      if (fd >= 0) close(fd);
  }
};

std::string OptString(Napi::Object o, const char* key, const std::string& dflt) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return dflt;
  if (!v.IsString()) ThrowType(o.Env(), std::string("openTap: ") + key + " must be a string");
  return v.As<Napi::String>();
}

int64_t OptInt(Napi::Object o, const char* key, int64_t dflt) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return dflt;
  if (!v.IsNumber()) ThrowType(o.Env(), std::string("openTap: ") + key + " must be a number");
  return v.As<Napi::Number>().Int64Value();
}

bool OptBool(Napi::Object o, const char* key, bool dflt) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return dflt;
  return v.ToBoolean();
}

}  // namespace

// openTap({ name, mode: 'create'|'attach'|'any', queues, vnetHdrSize: 0|10|12, offloads, persist, owner, group })
//   -> { name, ifindex, flags, ports: Port[] }
Napi::Value OpenTap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = info.Length() > 0 && info[0].IsObject() ? info[0].As<Napi::Object>() : Napi::Object::New(env);
  std::string name = OptString(o, "name", "wfp%d");
  std::string mode = OptString(o, "mode", "create");
  int64_t queues = OptInt(o, "queues", 1);
  int64_t vnetHdrSize = OptInt(o, "vnetHdrSize", 0);
  int64_t offloads = OptInt(o, "offloads", 0);
  Napi::Value persistV = o.Get("persist");
  int64_t owner = OptInt(o, "owner", -1);
  int64_t group = OptInt(o, "group", -1);
  bool multiQueue = OptBool(o, "multiQueue", queues > 1);

  if (mode != "create" && mode != "attach" && mode != "any") ThrowRange(env, "openTap: mode must be create, attach or any");
  if (queues < 1 || queues > kMaxQueues) ThrowRange(env, "openTap: queues must be 1.." + std::to_string(kMaxQueues));
  if (queues > 1 && !multiQueue) ThrowRange(env, "openTap: more than one queue needs multiQueue");
  if (vnetHdrSize != 0 && vnetHdrSize != 10 && vnetHdrSize != 12) ThrowRange(env, "openTap: vnetHdrSize must be 0, 10 or 12");
  if (offloads < 0 || (offloads & ~static_cast<int64_t>(kKnownOffloads)) != 0) ThrowRange(env, "openTap: unknown offload bits");
  // Offloads let the kernel hand us unchecksummed and GSO super-frames; only the virtio-net header says which.
  if (offloads != 0 && vnetHdrSize == 0) ThrowRange(env, "openTap: offloads need a virtio-net header (vnetHdrSize 10 or 12)");

  struct ifreq probe;
  CopyIfName(env, "TUNSETIFF", name, &probe);
  if (mode == "attach" && if_nametoindex(name.c_str()) == 0) {
    ThrowErrno(env, "TUNSETIFF", ENODEV, "no interface \"" + name + "\" to attach to");
  }

  short flags = IFF_TAP | IFF_NO_PI;
  if (vnetHdrSize != 0) flags |= IFF_VNET_HDR;
  if (multiQueue) flags |= IFF_MULTI_QUEUE;

  FdGuard guard;
  std::string assigned = name;
  for (int64_t q = 0; q < queues; q++) {
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) ThrowErrno(env, "open /dev/net/tun", errno);
    guard.fds.push_back(fd);
    struct ifreq ifr;
    CopyIfName(env, "TUNSETIFF", assigned, &ifr);
    ifr.ifr_flags = flags;
    // Exclusive create: never silently take over somebody else's persistent TAP of the same name.
    if (q == 0 && mode == "create") ifr.ifr_flags |= IFF_TUN_EXCL;
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
      int e = errno;
      std::string detail = "\"" + assigned + "\"";
      if (e == EBUSY && mode == "create") detail += " already exists (use attach to open an existing TAP)";
      if (e == EINVAL && mode != "create") detail += " is not a TAP, or its multi-queue setting differs";
      ThrowErrno(env, "TUNSETIFF", e, detail);
    }
    if (q == 0) assigned = ifr.ifr_name;  // "wfp%d" -> "wfp0"
    if (vnetHdrSize != 0) {
      int sz = static_cast<int>(vnetHdrSize);
      if (ioctl(fd, TUNSETVNETHDRSZ, &sz) < 0) ThrowErrno(env, "TUNSETVNETHDRSZ", errno, assigned);
    }
  }
  int fd0 = guard.fds[0];
  if (vnetHdrSize != 0) {
    // Always set, even to 0: an attached persistent TAP may carry offloads from its previous owner.
    if (ioctl(fd0, TUNSETOFFLOAD, static_cast<unsigned long>(offloads)) < 0) ThrowErrno(env, "TUNSETOFFLOAD", errno, assigned);
  }
  if (!persistV.IsUndefined() && !persistV.IsNull()) {
    if (ioctl(fd0, TUNSETPERSIST, static_cast<unsigned long>(persistV.ToBoolean() ? 1 : 0)) < 0) {
      ThrowErrno(env, "TUNSETPERSIST", errno, assigned);
    }
  }
  if (owner >= 0 && ioctl(fd0, TUNSETOWNER, static_cast<unsigned long>(owner)) < 0) ThrowErrno(env, "TUNSETOWNER", errno, assigned);
  if (group >= 0 && ioctl(fd0, TUNSETGROUP, static_cast<unsigned long>(group)) < 0) ThrowErrno(env, "TUNSETGROUP", errno, assigned);

  struct ifreq got;
  memset(&got, 0, sizeof got);
  if (ioctl(fd0, TUNGETIFF, &got) < 0) ThrowErrno(env, "TUNGETIFF", errno, assigned);
  unsigned int ifindex = if_nametoindex(assigned.c_str());
  if (ifindex == 0) ThrowErrno(env, "if_nametoindex", errno, assigned);

  Napi::Object result = Napi::Object::New(env);
  result.Set("name", assigned);
  result.Set("ifindex", Napi::Number::New(env, ifindex));
  result.Set("flags", Napi::Number::New(env, static_cast<uint16_t>(got.ifr_flags)));
  Napi::Array ports = Napi::Array::New(env, static_cast<size_t>(queues));
  for (int64_t q = 0; q < queues; q++) {
    PortConfig cfg;
    cfg.kind = PortKind::kTap;
    cfg.fd = guard.fds[q];
    guard.fds[q] = -1;  // the Port owns it now, even if Create throws
    cfg.vnetHdrSize = static_cast<uint32_t>(vnetHdrSize);
    cfg.ifname = assigned;
    cfg.queue = static_cast<uint32_t>(q);
    ports.Set(static_cast<uint32_t>(q), Port::Create(env, cfg));
  }
  result.Set("ports", ports);
  return result;
}

}  // namespace wfpio
