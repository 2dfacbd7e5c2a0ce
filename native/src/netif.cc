// Link helpers by ioctl on a throwaway AF_INET datagram socket, in the calling process's network namespace:
// enough for the bridge to bring its own TAP up, set its MTU and MAC without spawning `ip`.
#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addon.h"
#include "errors.h"
#include "ifname.h"

namespace wfpio {

void CopyIfName(Napi::Env env, const char* op, const std::string& name, struct ifreq* ifr) {
  memset(ifr, 0, sizeof *ifr);
  if (name.empty() || name.size() >= IFNAMSIZ) {
    ThrowErrno(env, op, EINVAL,
               "interface name \"" + name + "\" must be 1.." + std::to_string(IFNAMSIZ - 1) + " bytes (IFNAMSIZ)");
  }
  memcpy(ifr->ifr_name, name.data(), name.size());
}

namespace {

struct CtlSocket {
  int fd;
  explicit CtlSocket(Napi::Env env) : fd(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
    if (fd < 0) ThrowErrno(env, "socket(AF_INET)", errno);
  }
  ~CtlSocket() { close(fd); }
};

std::string NameArg(const Napi::CallbackInfo& info, const char* fn) {
  if (info.Length() < 1 || !info[0].IsString()) ThrowType(info.Env(), std::string(fn) + ": interface name required");
  return info[0].As<Napi::String>();
}

void Ioctl(Napi::Env env, int fd, unsigned long req, const char* op, struct ifreq* ifr) {
  if (ioctl(fd, req, ifr) < 0) ThrowErrno(env, op, errno, std::string("interface \"") + ifr->ifr_name + "\"");
}

Napi::Value IfIndex(const Napi::CallbackInfo& info) {
  std::string name = NameArg(info, "ifIndex");
  CtlSocket s(info.Env());
  struct ifreq ifr;
  CopyIfName(info.Env(), "SIOCGIFINDEX", name, &ifr);
  Ioctl(info.Env(), s.fd, SIOCGIFINDEX, "SIOCGIFINDEX", &ifr);
  return Napi::Number::New(info.Env(), ifr.ifr_ifindex);
}

// setLinkUp(name, up): read-modify-write of the flags so nothing else (PROMISC, MULTICAST...) changes.
Napi::Value SetLinkUp(const Napi::CallbackInfo& info) {
  std::string name = NameArg(info, "setLinkUp");
  bool up = info.Length() < 2 || info[1].ToBoolean();
  CtlSocket s(info.Env());
  struct ifreq ifr;
  CopyIfName(info.Env(), "SIOCGIFFLAGS", name, &ifr);
  Ioctl(info.Env(), s.fd, SIOCGIFFLAGS, "SIOCGIFFLAGS", &ifr);
  short want = up ? (ifr.ifr_flags | IFF_UP) : (ifr.ifr_flags & ~IFF_UP);
  if (want != ifr.ifr_flags) {
    ifr.ifr_flags = want;
    Ioctl(info.Env(), s.fd, SIOCSIFFLAGS, "SIOCSIFFLAGS", &ifr);
  }
  return info.Env().Undefined();
}

Napi::Value GetFlags(const Napi::CallbackInfo& info) {
  std::string name = NameArg(info, "getFlags");
  CtlSocket s(info.Env());
  struct ifreq ifr;
  CopyIfName(info.Env(), "SIOCGIFFLAGS", name, &ifr);
  Ioctl(info.Env(), s.fd, SIOCGIFFLAGS, "SIOCGIFFLAGS", &ifr);
  return Napi::Number::New(info.Env(), static_cast<uint16_t>(ifr.ifr_flags));
}

Napi::Value GetMtu(const Napi::CallbackInfo& info) {
  std::string name = NameArg(info, "getMtu");
  CtlSocket s(info.Env());
  struct ifreq ifr;
  CopyIfName(info.Env(), "SIOCGIFMTU", name, &ifr);
  Ioctl(info.Env(), s.fd, SIOCGIFMTU, "SIOCGIFMTU", &ifr);
  return Napi::Number::New(info.Env(), ifr.ifr_mtu);
}

Napi::Value SetMtu(const Napi::CallbackInfo& info) {
  std::string name = NameArg(info, "setMtu");
  if (info.Length() < 2 || !info[1].IsNumber()) ThrowType(info.Env(), "setMtu(name, mtu)");
  CtlSocket s(info.Env());
  struct ifreq ifr;
  CopyIfName(info.Env(), "SIOCSIFMTU", name, &ifr);
  ifr.ifr_mtu = info[1].As<Napi::Number>().Int32Value();
  Ioctl(info.Env(), s.fd, SIOCSIFMTU, "SIOCSIFMTU", &ifr);
  return info.Env().Undefined();
}

Napi::Value GetMac(const Napi::CallbackInfo& info) {
  std::string name = NameArg(info, "getMac");
  CtlSocket s(info.Env());
  struct ifreq ifr;
  CopyIfName(info.Env(), "SIOCGIFHWADDR", name, &ifr);
  Ioctl(info.Env(), s.fd, SIOCGIFHWADDR, "SIOCGIFHWADDR", &ifr);
  Napi::Uint8Array out = Napi::Uint8Array::New(info.Env(), 6);
  memcpy(out.Data(), ifr.ifr_hwaddr.sa_data, 6);
  return out;
}

Napi::Value SetMac(const Napi::CallbackInfo& info) {
  std::string name = NameArg(info, "setMac");
  if (info.Length() < 2 || !info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array ||
      info[1].As<Napi::Uint8Array>().ElementLength() != 6) {
    ThrowType(info.Env(), "setMac(name, mac: Uint8Array(6))");
  }
  CtlSocket s(info.Env());
  struct ifreq ifr;
  CopyIfName(info.Env(), "SIOCSIFHWADDR", name, &ifr);
  ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
  memcpy(ifr.ifr_hwaddr.sa_data, info[1].As<Napi::Uint8Array>().Data(), 6);
  Ioctl(info.Env(), s.fd, SIOCSIFHWADDR, "SIOCSIFHWADDR", &ifr);
  return info.Env().Undefined();
}

}  // namespace

void InitNetif(Napi::Env env, Napi::Object exports) {
  exports.Set("ifIndex", Napi::Function::New<IfIndex>(env, "ifIndex"));
  exports.Set("setLinkUp", Napi::Function::New<SetLinkUp>(env, "setLinkUp"));
  exports.Set("getFlags", Napi::Function::New<GetFlags>(env, "getFlags"));
  exports.Set("getMtu", Napi::Function::New<GetMtu>(env, "getMtu"));
  exports.Set("setMtu", Napi::Function::New<SetMtu>(env, "setMtu"));
  exports.Set("getMac", Napi::Function::New<GetMac>(env, "getMac"));
  exports.Set("setMac", Napi::Function::New<SetMac>(env, "setMac"));
}

}  // namespace wfpio
