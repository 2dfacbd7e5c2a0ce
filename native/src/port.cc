#include "port.h"

#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>

#include "addon.h"

namespace wfpio {

const char* const kCounterNames[kCounterCount] = {
#define WFPIO_NAME(n) #n,
    WFPIO_COUNTERS(WFPIO_NAME)
#undef WFPIO_NAME
};

namespace {

constexpr uint32_t kMaxBatch = 1024;
constexpr uint32_t kMaxSlot = 256 * 1024;
constexpr uint32_t kMinFrame = 14;  // an Ethernet header; the kernel never hands us less
constexpr uint32_t kVlanTagLen = 4;
// From <linux/virtio_net.h>, which cannot be included from C++ (a member is called `class`).
constexpr uint8_t kVnetFlagNeedsCsum = 1;  // VIRTIO_NET_HDR_F_NEEDS_CSUM
constexpr uint32_t kVnetHdrBase = 10;      // sizeof(struct virtio_net_hdr)

// Errors after which reading again cannot succeed: the TAP was detached/deleted or the fd is broken. Anything
// else (e.g. a one-shot ENETDOWN an AF_PACKET socket reports when its link goes down) is only counted.
bool IsFatalRxError(PortKind kind, int err) {
  switch (err) {
    case ENETDOWN:
    case ENETUNREACH:
    case EHOSTUNREACH:
    case ENOBUFS:
    case ENOMEM:
      return kind == PortKind::kTap;
    default:
      return true;
  }
}

inline uint16_t Le16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
inline void PutLe16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
}

// Raw byte view of an ArrayBuffer or any ArrayBufferView, without Napi wrappers (no exceptions, no allocation).
bool BytesOf(napi_env env, napi_value v, uint8_t** data, size_t* len, napi_value* backing) {
  bool is = false;
  if (napi_is_typedarray(env, v, &is) == napi_ok && is) {
    napi_typedarray_type type;
    size_t n = 0;
    void* p = nullptr;
    size_t off = 0;
    if (napi_get_typedarray_info(env, v, &type, &n, &p, backing, &off) != napi_ok) return false;
    size_t elem = 1;
    switch (type) {
      case napi_int16_array:
      case napi_uint16_array:
        elem = 2;
        break;
      case napi_int32_array:
      case napi_uint32_array:
      case napi_float32_array:
        elem = 4;
        break;
      case napi_float64_array:
      case napi_bigint64_array:
      case napi_biguint64_array:
        elem = 8;
        break;
      default:
        break;
    }
    *data = static_cast<uint8_t*>(p);
    *len = n * elem;
    return true;
  }
  if (napi_is_dataview(env, v, &is) == napi_ok && is) {
    void* p = nullptr;
    size_t off = 0;
    if (napi_get_dataview_info(env, v, len, &p, backing, &off) != napi_ok) return false;
    *data = static_cast<uint8_t*>(p);
    return true;
  }
  if (napi_is_arraybuffer(env, v, &is) == napi_ok && is) {
    void* p = nullptr;
    if (napi_get_arraybuffer_info(env, v, &p, len) != napi_ok) return false;
    *data = static_cast<uint8_t*>(p);
    if (backing) *backing = v;
    return true;
  }
  return false;
}

bool Uint32ArrayOf(napi_env env, napi_value v, uint32_t** data, size_t* count, napi_value* backing) {
  bool is = false;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return false;
  napi_typedarray_type type;
  void* p = nullptr;
  size_t off = 0;
  if (napi_get_typedarray_info(env, v, &type, count, &p, backing, &off) != napi_ok) return false;
  if (type != napi_uint32_array) return false;
  *data = static_cast<uint32_t*>(p);
  return true;
}

void HandlePendingException(napi_env env) {
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending) {
    napi_value exc;
    if (napi_get_and_clear_last_exception(env, &exc) == napi_ok) {
      // Same as an exception thrown from an EventEmitter listener: 'uncaughtException', or the process dies.
      napi_fatal_exception(env, exc);
    }
  }
}

}  // namespace

Napi::Function Port::DefineClass(Napi::Env env) {
  return ObjectWrap<Port>::DefineClass(
      env, "Port",
      {
          InstanceMethod<&Port::Start>("start"),
          InstanceMethod<&Port::Pause>("pause"),
          InstanceMethod<&Port::Resume>("resume"),
          InstanceMethod<&Port::Close>("close"),
          InstanceMethod<&Port::WriteBatch>("writeBatch"),
          InstanceMethod<&Port::ReadCounters>("readCounters"),
          InstanceMethod<&Port::ErrorCounts>("errorCounts"),
          InstanceMethod<&Port::RefLoop>("ref"),
          InstanceMethod<&Port::UnrefLoop>("unref"),
          InstanceMethod<&Port::TunIoctlInt>("tunIoctl"),
          InstanceAccessor<&Port::GetFd>("fd"),
          InstanceAccessor<&Port::GetClosed>("closed"),
          InstanceAccessor<&Port::GetStarted>("started"),
          InstanceAccessor<&Port::GetPolling>("polling"),
      });
}

Napi::Object Port::Create(Napi::Env env, const PortConfig& cfg) {
  PortConfig owned = cfg;
  try {
    auto* data = env.GetInstanceData<AddonData>();
    Napi::Object obj = data->portCtor.New({Napi::External<PortConfig>::New(env, &owned)});
    if (owned.fd >= 0) close(owned.fd);  // not taken (cannot happen when New succeeded)
    return obj;
  } catch (...) {
    if (owned.fd >= 0) close(owned.fd);
    throw;
  }
}

Port::Port(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Port>(info), env_(info.Env()) {
  // An External cannot be made from JS, so this is how we know the addon itself is constructing the port.
  if (info.Length() != 1 || !info[0].IsExternal()) {
    ThrowType(info.Env(), "Port is not constructible from JavaScript; use openTap() or openPacket()");
  }
  PortConfig* cfg = info[0].As<Napi::External<PortConfig>>().Data();
  cfg_ = *cfg;
  fd_ = cfg->fd;
  cfg->fd = -1;
  memset(txMsgs_, 0, sizeof txMsgs_);

  uv_loop_t* loop = nullptr;
  // The env's own loop: a Worker has its own, so the same Port works there unchanged.
  if (napi_get_uv_event_loop(env_, &loop) != napi_ok || loop == nullptr) {
    close(fd_);
    fd_ = -1;
    closed_ = true;
    ThrowErrno(info.Env(), "napi_get_uv_event_loop", EINVAL);
  }
  box_ = new PollBox;
  int r = uv_poll_init(loop, &box_->handle, fd_);
  if (r != 0) {
    delete box_;
    box_ = nullptr;
    close(fd_);
    fd_ = -1;
    closed_ = true;
    ThrowErrno(info.Env(), "uv_poll_init", -r);
  }
  box_->port = this;
  box_->handle.data = box_;
  poll_ = &box_->handle;
  // Close the fd and the poll handle when the env goes away (Worker exit) even if JS never called close().
  napi_add_async_cleanup_hook(env_, OnEnvCleanup, this, &box_->hook);
}

Port::~Port() { Shutdown(false); }

void Port::OnEnvCleanup(napi_async_cleanup_hook_handle hook, void* arg) { static_cast<Port*>(arg)->Shutdown(true); }

void Port::OnPollClosed(uv_handle_t* handle) {
  auto* box = static_cast<PollBox*>(handle->data);
  // Only now may Node finish tearing the env down (and unload us): nothing of ours is left on the loop.
  if (box->hook != nullptr) napi_remove_async_cleanup_hook(box->hook);
  delete box;
}

void Port::EnsureOpen(const char* what) {
  if (!closed_) return;
  Napi::Error e = Napi::Error::New(env_, std::string(what) + ": port is closed");
  e.Set("code", Napi::String::New(env_, "ERR_PORT_CLOSED"));
  throw e;
}

Napi::Value Port::Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnsureOpen("start");
  if (started_) throw Napi::Error::New(env, "start: port already started (use pause()/resume())");
  if (info.Length() < 5) ThrowType(env, "start(slab, slotSize, lengths, maxBatch, onBatch[, onError])");

  uint8_t* slab = nullptr;
  size_t slabLen = 0;
  napi_value slabBacking = nullptr;
  if (!BytesOf(env, info[0], &slab, &slabLen, &slabBacking)) ThrowType(env, "start: slab must be an ArrayBuffer or Uint8Array");
  if (!info[1].IsNumber()) ThrowType(env, "start: slotSize must be a number");
  if (!info[3].IsNumber()) ThrowType(env, "start: maxBatch must be a number");
  if (!info[4].IsFunction()) ThrowType(env, "start: onBatch must be a function");
  bool haveOnError = info.Length() > 5 && !info[5].IsUndefined() && !info[5].IsNull();
  if (haveOnError && !info[5].IsFunction()) ThrowType(env, "start: onError must be a function");

  int64_t slotSize = info[1].As<Napi::Number>().Int64Value();
  int64_t maxBatch = info[3].As<Napi::Number>().Int64Value();
  // AF_PACKET keeps 4 spare bytes per slot so a VLAN tag taken out by the kernel can be put back in place.
  uint32_t reserve = cfg_.kind == PortKind::kPacket && cfg_.reinsertVlan ? kVlanTagLen : 0;
  int64_t minSlot = cfg_.vnetHdrSize + 64 + reserve;
  if (slotSize < minSlot || slotSize > kMaxSlot) {
    ThrowRange(env, "start: slotSize " + std::to_string(slotSize) + " outside [" + std::to_string(minSlot) + ", " +
                        std::to_string(kMaxSlot) + "]");
  }
  if (maxBatch < 1 || maxBatch > kMaxBatch) ThrowRange(env, "start: maxBatch must be 1.." + std::to_string(kMaxBatch));
  if (static_cast<uint64_t>(slotSize) * static_cast<uint64_t>(maxBatch) > slabLen) {
    ThrowRange(env, "start: slab of " + std::to_string(slabLen) + " bytes is smaller than maxBatch*slotSize = " +
                        std::to_string(slotSize * maxBatch));
  }
  uint32_t* lengths = nullptr;
  size_t lengthsCount = 0;
  napi_value lengthsBacking = nullptr;
  if (!Uint32ArrayOf(env, info[2], &lengths, &lengthsCount, &lengthsBacking)) ThrowType(env, "start: lengths must be a Uint32Array");
  if (lengthsCount < static_cast<size_t>(maxBatch)) ThrowRange(env, "start: lengths has fewer than maxBatch entries");

  slab_ = slab;
  slotSize_ = static_cast<uint32_t>(slotSize);
  lengths_ = lengths;
  maxBatch_ = static_cast<uint32_t>(maxBatch);
  // References keep the memory alive for as long as we may write into it.
  slabRef_ = Napi::Persistent(info[0]);
  slabBufferRef_ = Napi::Persistent(Napi::Value(env, slabBacking));
  lengthsRef_ = Napi::Persistent(info[2]);
  lengthsBufferRef_ = Napi::Persistent(Napi::Value(env, lengthsBacking));
  onBatch_ = Napi::Persistent(info[4].As<Napi::Function>());
  if (haveOnError) onError_ = Napi::Persistent(info[5].As<Napi::Function>());

  if (cfg_.kind == PortKind::kPacket) {
    rxMsgs_.assign(maxBatch_, mmsghdr{});
    rxIov_.assign(maxBatch_, iovec{});
    rxAddr_.assign(maxBatch_, sockaddr_ll{});
    rxCtlStride_ = CMSG_SPACE(sizeof(tpacket_auxdata));
    rxCtl_.assign((rxCtlStride_ * maxBatch_ + 7) / 8, 0);
    for (uint32_t i = 0; i < maxBatch_; i++) {
      rxIov_[i].iov_base = slab_ + static_cast<size_t>(i) * slotSize_;
      rxIov_[i].iov_len = slotSize_ - reserve;
      msghdr& h = rxMsgs_[i].msg_hdr;
      h.msg_name = &rxAddr_[i];
      h.msg_iov = &rxIov_[i];
      h.msg_iovlen = 1;
      h.msg_control = reinterpret_cast<uint8_t*>(rxCtl_.data()) + rxCtlStride_ * i;
    }
  }

  napi_value self = Value();
  napi_value resourceName;
  napi_create_string_utf8(env, "wfp-io:port", NAPI_AUTO_LENGTH, &resourceName);
  napi_async_init(env, self, resourceName, &asyncCtx_);

  started_ = true;
  // A polling port must not be collected even if JS drops every reference to it: the loop still calls into it.
  Ref();
  selfRef_ = true;
  int r = uv_poll_start(poll_, UV_READABLE, OnPoll);
  if (r != 0) {
    ReleaseRx();
    started_ = false;
    ThrowErrno(env, "uv_poll_start", -r);
  }
  polling_ = true;
  return env.Undefined();
}

Napi::Value Port::Pause(const Napi::CallbackInfo& info) {
  StopPolling();
  return info.Env().Undefined();
}

Napi::Value Port::Resume(const Napi::CallbackInfo& info) {
  EnsureOpen("resume");
  if (!started_) throw Napi::Error::New(info.Env(), "resume: port not started");
  if (!polling_) {
    int r = uv_poll_start(poll_, UV_READABLE, OnPoll);
    if (r != 0) ThrowErrno(info.Env(), "uv_poll_start", -r);
    polling_ = true;
  }
  return info.Env().Undefined();
}

Napi::Value Port::Close(const Napi::CallbackInfo& info) {
  Shutdown(false);
  return info.Env().Undefined();
}

void Port::StopPolling() {
  if (polling_ && poll_ != nullptr) uv_poll_stop(poll_);
  polling_ = false;
}

void Port::ReleaseRx() {
  slabRef_.Reset();
  slabBufferRef_.Reset();
  lengthsRef_.Reset();
  lengthsBufferRef_.Reset();
  onBatch_.Reset();
  onError_.Reset();
  slab_ = nullptr;
  lengths_ = nullptr;
  // Inside onBatch the context is still in use by napi_make_callback; OnReadable destroys it on the way out.
  if (asyncCtx_ != nullptr && !inCallback_) {
    napi_async_destroy(env_, asyncCtx_);
    asyncCtx_ = nullptr;
  }
  if (selfRef_) {
    selfRef_ = false;
    Unref();
  }
}

void Port::Shutdown(bool fromEnvCleanup) {
  if (closed_) return;
  closed_ = true;
  // libuv requires the poll handle to stop watching the fd before the fd is closed.
  if (box_ != nullptr) {
    box_->port = nullptr;
    if (!fromEnvCleanup && box_->hook != nullptr) {
      // An ordinary close: the loop outlives the handle, so the env need not wait for it.
      napi_remove_async_cleanup_hook(box_->hook);
      box_->hook = nullptr;
    }
    uv_close(reinterpret_cast<uv_handle_t*>(&box_->handle), OnPollClosed);
    box_ = nullptr;
    poll_ = nullptr;
  }
  polling_ = false;
  if (fd_ >= 0) {
    close(fd_);
    fd_ = -1;
  }
  ReleaseRx();
  started_ = false;
}

void Port::OnPoll(uv_poll_t* handle, int status, int events) {
  Port* port = static_cast<PollBox*>(handle->data)->port;
  if (port != nullptr) port->OnReadable(status);
}

bool Port::RxMemoryDetached() {
  // A slab transferred to another thread (postMessage transfer list) is detached here: never write into it.
  for (napi_ref ref : {static_cast<napi_ref>(slabBufferRef_), static_cast<napi_ref>(lengthsBufferRef_)}) {
    napi_value v = nullptr;
    bool detached = false;
    if (ref == nullptr || napi_get_reference_value(env_, ref, &v) != napi_ok || v == nullptr) return true;
    if (napi_is_detached_arraybuffer(env_, v, &detached) != napi_ok || detached) return true;
  }
  return false;
}

void Port::CountError(int err, CounterIndex which) {
  counters_[which]++;
  if (err > 0 && err < kMaxErrno) errCounts_[err]++;
}

void Port::ReportFatal(napi_value self, int err, const char* op, const std::string& detail) {
  StopPolling();
  if (onError_.IsEmpty()) return;  // counted; the JS side installs onError, so this is only a safety net
  napi_value errObj;
  try {
    errObj = err > 0 ? static_cast<napi_value>(ErrnoError(env_, op, err, detail).Value())
                     : static_cast<napi_value>(Napi::Error::New(env_, op).Value());
  } catch (...) {
    return;
  }
  napi_value fn = nullptr;
  if (napi_get_reference_value(env_, static_cast<napi_ref>(onError_), &fn) != napi_ok || fn == nullptr) return;
  napi_value result;
  inCallback_ = true;
  napi_status st = napi_make_callback(env_, asyncCtx_, self, fn, 1, &errObj, &result);
  inCallback_ = false;
  if (st != napi_ok) HandlePendingException(env_);
}

void Port::OnReadable(int status) {
  if (closed_ || !started_) return;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env_, &scope) != napi_ok) return;
  // A local handle to our own JS object: it cannot be collected while onBatch runs, even if onBatch closes us.
  napi_value self = nullptr;
  napi_get_reference_value(env_, static_cast<napi_ref>(*this), &self);

  int fatal = 0;
  const char* fatalOp = cfg_.kind == PortKind::kTap ? "read" : "recvmmsg";
  std::string fatalDetail;
  if (status < 0) {
    // libuv saw POLLERR and stopped the handle. A TAP tells why on the read below (EBADFD once the device is
    // gone). A socket keeps the reason in SO_ERROR (reading clears it): ENETDOWN when its link goes down is
    // one-shot and only counted (the kernel resumes delivery when the link comes back) unless the interface
    // itself is gone; other errors end the port.
    polling_ = false;
    if (cfg_.kind == PortKind::kPacket) {
      int soerr = 0;
      socklen_t sl = sizeof soerr;
      getsockopt(fd_, SOL_SOCKET, SO_ERROR, &soerr, &sl);
      char name[IF_NAMESIZE];
      if (soerr != 0) CountError(soerr, kC_rxErrors);
      if (soerr == ENETDOWN && if_indextoname(cfg_.ifindex, name) == nullptr) {
        fatal = ENODEV;
        fatalDetail = "interface \"" + cfg_.ifname + "\" was removed";
      } else if (soerr != 0 && IsFatalRxError(cfg_.kind, soerr)) {
        fatal = soerr;
      }
      fatalOp = "poll";
    }
    if (fatal == 0 && uv_poll_start(poll_, UV_READABLE, OnPoll) == 0) polling_ = true;
  }

  if (fatal == 0 && RxMemoryDetached()) {
    ReportFatal(self, 0, "rx slab or lengths array was detached (transferred?) while the port was started");
    napi_close_handle_scope(env_, scope);
    return;
  }

  uint32_t n = 0;
  if (fatal == 0) n = cfg_.kind == PortKind::kTap ? ReadTap(&fatal) : ReadPacket(&fatal);
  if (n > 0) {
    counters_[kC_rxBatches]++;
    counters_[kC_rxFrames] += n;
    napi_value fn = nullptr;
    napi_get_reference_value(env_, static_cast<napi_ref>(onBatch_), &fn);
    napi_value argv;
    napi_create_uint32(env_, n, &argv);
    napi_value result;
    inCallback_ = true;
    // MakeCallback (not a plain call): async hooks see the batch, and microtasks/nextTicks queued by the
    // handler run when it returns, as for any other I/O callback.
    napi_status st = napi_make_callback(env_, asyncCtx_, self, fn, 1, &argv, &result);
    inCallback_ = false;
    if (st != napi_ok) HandlePendingException(env_);
  }
  if (closed_) {
    // close() ran inside onBatch; finish what it had to leave for us.
    if (asyncCtx_ != nullptr) {
      napi_async_destroy(env_, asyncCtx_);
      asyncCtx_ = nullptr;
    }
  } else if (fatal != 0 && started_) {
    ReportFatal(self, fatal, fatalOp, fatalDetail);
  }
  napi_close_handle_scope(env_, scope);
}

uint32_t Port::ReadTap(int* fatal) {
  uint32_t i = 0;
  while (i < maxBatch_) {
    uint8_t* slot = slab_ + static_cast<size_t>(i) * slotSize_;
    ssize_t r = read(fd_, slot, slotSize_);
    if (r < 0) {
      int e = errno;
      if (e == EINTR) continue;
      if (e == EAGAIN || e == EWOULDBLOCK) break;
      CountError(e, kC_rxErrors);
      if (IsFatalRxError(PortKind::kTap, e)) *fatal = e;
      break;
    }
    // tun copies what fits and returns the whole length: longer than the slot means truncated.
    if (static_cast<size_t>(r) > slotSize_) {
      counters_[kC_rxTruncated]++;
      continue;
    }
    if (static_cast<size_t>(r) < cfg_.vnetHdrSize + kMinFrame) continue;  // nothing a bridge could use
    lengths_[i] = static_cast<uint32_t>(r);
    counters_[kC_rxBytes] += static_cast<uint64_t>(r);
    i++;
  }
  return i;
}

uint32_t Port::ReadPacket(int* fatal) {
  for (uint32_t i = 0; i < maxBatch_; i++) {
    msghdr& h = rxMsgs_[i].msg_hdr;
    h.msg_namelen = sizeof(sockaddr_ll);
    h.msg_controllen = rxCtlStride_;
    h.msg_flags = 0;
  }
  int r;
  do {
    // MSG_TRUNC: report the real length, so a frame longer than its slot is recognised and dropped.
    r = recvmmsg(fd_, rxMsgs_.data(), maxBatch_, MSG_DONTWAIT | MSG_TRUNC, nullptr);
  } while (r < 0 && errno == EINTR);
  if (r < 0) {
    int e = errno;
    if (e != EAGAIN && e != EWOULDBLOCK) {
      CountError(e, kC_rxErrors);
      if (IsFatalRxError(PortKind::kPacket, e)) *fatal = e;
    }
    return 0;
  }
  const uint32_t vh = cfg_.vnetHdrSize;
  uint32_t w = 0;
  for (uint32_t j = 0; j < static_cast<uint32_t>(r); j++) {
    mmsghdr& m = rxMsgs_[j];
    uint32_t len = m.msg_len;
    if (cfg_.skipOutgoing && rxAddr_[j].sll_pkttype == PACKET_OUTGOING) {
      counters_[kC_rxOutgoingSkipped]++;
      continue;
    }
    if ((m.msg_hdr.msg_flags & MSG_TRUNC) != 0 || len > rxIov_[j].iov_len) {
      counters_[kC_rxTruncated]++;
      continue;
    }
    if (len < vh + kMinFrame) continue;
    uint8_t* slot = slab_ + static_cast<size_t>(j) * slotSize_;
    for (cmsghdr* c = CMSG_FIRSTHDR(&m.msg_hdr); c != nullptr; c = CMSG_NXTHDR(&m.msg_hdr, c)) {
      if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA ||
          c->cmsg_len < CMSG_LEN(sizeof(tpacket_auxdata))) {
        continue;
      }
      tpacket_auxdata aux;
      memcpy(&aux, CMSG_DATA(c), sizeof aux);
      if (aux.tp_status & TP_STATUS_CSUMNOTREADY) counters_[kC_rxCsumNotReady]++;
      if (cfg_.reinsertVlan && (aux.tp_status & TP_STATUS_VLAN_VALID)) {
        // The kernel moved the outer tag into skb metadata (hardware/veth VLAN acceleration). Put it back after
        // the MAC addresses so the bridge sees the frame as it was on the wire. The 4 spare bytes at the end of
        // the slot make room; this copy only happens for frames that were tagged.
        uint8_t* f = slot + vh;
        uint32_t flen = len - vh;
        memmove(f + 12 + kVlanTagLen, f + 12, flen - 12);
        uint16_t tpid = (aux.tp_status & TP_STATUS_VLAN_TPID_VALID) ? aux.tp_vlan_tpid : ETH_P_8021Q;
        f[12] = static_cast<uint8_t>(tpid >> 8);
        f[13] = static_cast<uint8_t>(tpid);
        f[14] = static_cast<uint8_t>(aux.tp_vlan_tci >> 8);
        f[15] = static_cast<uint8_t>(aux.tp_vlan_tci);
        if (vh >= kVnetHdrBase) {
          // Offsets in the virtio-net header count from the frame start; they move with the inserted tag.
          uint8_t* hdr = slot;
          if (hdr[0] & kVnetFlagNeedsCsum) PutLe16(hdr + 6, Le16(hdr + 6) + kVlanTagLen);
          uint16_t hdrLen = Le16(hdr + 2);
          if (hdrLen != 0) PutLe16(hdr + 2, hdrLen + kVlanTagLen);
        }
        len += kVlanTagLen;
        counters_[kC_rxVlanReinserted]++;
      }
    }
    // Dropped frames leave holes; close them so slots 0..count-1 are all frames (rare: truncation/outgoing).
    if (w != j) memmove(slab_ + static_cast<size_t>(w) * slotSize_, slot, len);
    lengths_[w++] = len;
    counters_[kC_rxBytes] += len;
  }
  return w;
}

Napi::Value Port::WriteBatch(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  EnsureOpen("writeBatch");
  if (info.Length() < 4) ThrowType(info.Env(), "writeBatch(buffer, offsets, lengths, count)");
  uint8_t* base = nullptr;
  size_t baseLen = 0;
  napi_value ignore;
  if (!BytesOf(env, info[0], &base, &baseLen, &ignore)) ThrowType(info.Env(), "writeBatch: buffer must be an ArrayBuffer or a view");
  uint32_t* offs = nullptr;
  uint32_t* lens = nullptr;
  size_t nOffs = 0;
  size_t nLens = 0;
  if (!Uint32ArrayOf(env, info[1], &offs, &nOffs, &ignore)) ThrowType(info.Env(), "writeBatch: offsets must be a Uint32Array");
  if (!Uint32ArrayOf(env, info[2], &lens, &nLens, &ignore)) ThrowType(info.Env(), "writeBatch: lengths must be a Uint32Array");
  if (!info[3].IsNumber()) ThrowType(info.Env(), "writeBatch: count must be a number");
  int64_t count = info[3].As<Napi::Number>().Int64Value();
  if (count < 0 || static_cast<size_t>(count) > std::min(nOffs, nLens)) {
    ThrowRange(info.Env(), "writeBatch: count " + std::to_string(count) + " exceeds offsets/lengths");
  }
  // Every frame must lie inside the buffer: checked before anything is sent, so a bad batch sends nothing.
  for (int64_t i = 0; i < count; i++) {
    if (lens[i] > baseLen || offs[i] > baseLen - lens[i]) {
      ThrowRange(info.Env(), "writeBatch: frame " + std::to_string(i) + " (offset " + std::to_string(offs[i]) +
                                 ", length " + std::to_string(lens[i]) + ") lies outside the buffer of " +
                                 std::to_string(baseLen) + " bytes");
    }
  }
  counters_[kC_txBatches]++;
  uint32_t n = 0;
  if (count > 0) {
    n = cfg_.kind == PortKind::kTap ? SendTap(base, offs, lens, static_cast<uint32_t>(count))
                                    : SendPacket(base, offs, lens, static_cast<uint32_t>(count));
  }
  napi_value out;
  napi_create_uint32(env, n, &out);
  return Napi::Value(env, out);
}

uint32_t Port::SendTap(const uint8_t* base, const uint32_t* off, const uint32_t* len, uint32_t count) {
  uint32_t i = 0;
  while (i < count) {
    ssize_t r = write(fd_, base + off[i], len[i]);
    if (r < 0) {
      int e = errno;
      if (e == EINTR) continue;
      if (e == EAGAIN || e == EWOULDBLOCK) {
        counters_[kC_txEagain] += count - i;
        break;
      }
      CountError(e, kC_txErrors);  // this frame is refused (EINVAL: bad vnet header, EIO: link down...)
      i++;
      continue;
    }
    counters_[kC_txFrames]++;
    counters_[kC_txBytes] += len[i];
    i++;
  }
  return i;
}

uint32_t Port::SendPacket(const uint8_t* base, const uint32_t* off, const uint32_t* len, uint32_t count) {
  uint32_t done = 0;
  while (done < count) {
    uint32_t n = std::min(kTxChunk, count - done);
    for (uint32_t k = 0; k < n; k++) {
      txIov_[k].iov_base = const_cast<uint8_t*>(base + off[done + k]);
      txIov_[k].iov_len = len[done + k];
      msghdr& h = txMsgs_[k].msg_hdr;
      h.msg_name = nullptr;  // bound socket: the kernel uses the bound ifindex and protocol
      h.msg_namelen = 0;
      h.msg_iov = &txIov_[k];
      h.msg_iovlen = 1;
      h.msg_control = nullptr;
      h.msg_controllen = 0;
      h.msg_flags = 0;
    }
    int r = sendmmsg(fd_, txMsgs_, n, MSG_DONTWAIT);
    if (r > 0) {
      for (int k = 0; k < r; k++) counters_[kC_txBytes] += len[done + k];
      counters_[kC_txFrames] += r;
      done += r;
      continue;
    }
    int e = r < 0 ? errno : EAGAIN;
    if (e == EINTR) continue;
    if (e == EAGAIN || e == EWOULDBLOCK) {
      counters_[kC_txEagain] += count - done;
      break;
    }
    // sendmmsg reports an error only for the first message of a call; skip that frame and go on.
    CountError(e, kC_txErrors);
    done++;
  }
  return done;
}

Napi::Value Port::ReadCounters(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsTypedArray() ||
      info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
    ThrowType(env, "readCounters(out: Float64Array)");
  }
  Napi::Float64Array out = info[0].As<Napi::Float64Array>();
  if (out.ElementLength() < kCounterCount) ThrowRange(env, "readCounters: need " + std::to_string(kCounterCount) + " slots");
  if (cfg_.kind == PortKind::kPacket && fd_ >= 0) {
    // Reading PACKET_STATISTICS resets the kernel's numbers, so accumulate.
    tpacket_stats st{};
    socklen_t sl = sizeof st;
    if (getsockopt(fd_, SOL_PACKET, PACKET_STATISTICS, &st, &sl) == 0) counters_[kC_rxKernelDrops] += st.tp_drops;
  }
  double* d = out.Data();
  for (int i = 0; i < kCounterCount; i++) d[i] = static_cast<double>(counters_[i]);
  return env.Undefined();
}

Napi::Value Port::ErrorCounts(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  for (int e = 1; e < kMaxErrno; e++) {
    if (errCounts_[e] != 0) o.Set(ErrnoName(e), Napi::Number::New(info.Env(), static_cast<double>(errCounts_[e])));
  }
  return o;
}

Napi::Value Port::RefLoop(const Napi::CallbackInfo& info) {
  if (poll_ != nullptr) uv_ref(reinterpret_cast<uv_handle_t*>(poll_));
  return info.Env().Undefined();
}

Napi::Value Port::UnrefLoop(const Napi::CallbackInfo& info) {
  if (poll_ != nullptr) uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
  return info.Env().Undefined();
}

Napi::Value Port::TunIoctlInt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnsureOpen("tunIoctl");
  if (cfg_.kind != PortKind::kTap) throw Napi::Error::New(env, "tunIoctl: not a TAP port");
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsNumber()) ThrowType(env, "tunIoctl(name, value)");
  std::string name = info[0].As<Napi::String>();
  int64_t v = info[1].As<Napi::Number>().Int64Value();
  unsigned long req;
  if (name == "TUNSETPERSIST") {
    req = TUNSETPERSIST;
  } else if (name == "TUNSETOWNER") {
    req = TUNSETOWNER;
  } else if (name == "TUNSETGROUP") {
    req = TUNSETGROUP;
  } else {
    ThrowRange(env, "tunIoctl: unsupported request " + name);
  }
  if (ioctl(fd_, req, static_cast<unsigned long>(v)) < 0) ThrowErrno(env, name.c_str(), errno, cfg_.ifname);
  return env.Undefined();
}

Napi::Value Port::GetFd(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), fd_); }
Napi::Value Port::GetClosed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), closed_); }
Napi::Value Port::GetStarted(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), started_); }
Napi::Value Port::GetPolling(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), polling_); }

}  // namespace wfpio
