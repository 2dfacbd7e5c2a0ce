// One I/O endpoint (a TAP queue fd or an AF_PACKET socket) driven by libuv readiness on the env's own loop.
//
// Receive: JS hands over ONE slab of `maxBatch * slotSize` bytes and a Uint32Array of lengths at start(). On
// readiness we read up to maxBatch frames, slot i at slab + i*slotSize, set lengths[i] and make ONE call
// onBatch(count). The slots belong to JS until onBatch returns; nothing is allocated per frame or per batch.
//
// Send: writeBatch(buffer, offsets, lengths, count) writes frames straight out of JS memory (write() per frame
// on a TAP, which has no batched syscall; sendmmsg on AF_PACKET). EAGAIN stops the batch and is reported by the
// return value; other errors are counted per errno and the offending frame is skipped.
#pragma once

#include <linux/if_packet.h>
#include <napi.h>
#include <sys/socket.h>
#include <uv.h>

#include <cstdint>
#include <string>
#include <vector>

#include "errors.h"

namespace wfpio {

enum class PortKind { kTap, kPacket };

// Counter slots, in the order readCounters() fills a Float64Array; the addon exports the names as counterFields
// so the TypeScript side never repeats the order by hand.
#define WFPIO_COUNTERS(X)                                                                                  \
  X(rxFrames)          /* frames delivered to onBatch */                                                   \
  X(rxBytes)           /* their bytes, virtio-net header included */                                       \
  X(rxBatches)         /* onBatch calls */                                                                 \
  X(rxTruncated)       /* frames longer than a slot, dropped */                                            \
  X(rxErrors)          /* read/recvmmsg failures other than EAGAIN/EINTR */                                \
  X(rxVlanReinserted)  /* AF_PACKET: tags the kernel had moved to metadata, put back in the frame */       \
  X(rxCsumNotReady)    /* AF_PACKET: frames whose checksum the sender left to offload (TP_STATUS_CSUM...) */ \
  X(rxOutgoingSkipped) /* AF_PACKET: PACKET_OUTGOING frames skipped (kernel without IGNORE_OUTGOING) */     \
  X(rxKernelDrops)     /* AF_PACKET: frames the kernel dropped for want of socket buffer (PACKET_STATISTICS) */ \
  X(txFrames)          /* frames the kernel accepted */                                                    \
  X(txBytes)                                                                                               \
  X(txBatches)         /* writeBatch calls */                                                              \
  X(txEagain)          /* frames not sent because the kernel said EAGAIN */                                \
  X(txErrors)          /* frames refused with another errno (see errorCounts) */

enum CounterIndex {
#define WFPIO_ENUM(n) kC_##n,
  WFPIO_COUNTERS(WFPIO_ENUM)
#undef WFPIO_ENUM
      kCounterCount
};

extern const char* const kCounterNames[kCounterCount];

struct PortConfig {
  PortKind kind = PortKind::kTap;
  int fd = -1;                // owned by the Port from Create() on
  uint32_t vnetHdrSize = 0;   // bytes of virtio_net_hdr in front of every frame, 0 if none
  bool skipOutgoing = false;  // AF_PACKET: drop PACKET_OUTGOING frames in userspace too
  bool reinsertVlan = false;  // AF_PACKET: put tags from PACKET_AUXDATA back into the frame
  std::string ifname;
  unsigned int ifindex = 0;  // AF_PACKET: the bound interface, to tell "link down" from "interface removed"
  uint32_t queue = 0;
};

class Port : public Napi::ObjectWrap<Port> {
 public:
  static Napi::Function DefineClass(Napi::Env env);
  // Wraps cfg.fd in a new JS Port. The fd is owned by the Port even if this throws.
  static Napi::Object Create(Napi::Env env, const PortConfig& cfg);

  explicit Port(const Napi::CallbackInfo& info);
  ~Port() override;

 private:
  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value Pause(const Napi::CallbackInfo& info);
  Napi::Value Resume(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value WriteBatch(const Napi::CallbackInfo& info);
  Napi::Value ReadCounters(const Napi::CallbackInfo& info);
  Napi::Value ErrorCounts(const Napi::CallbackInfo& info);
  Napi::Value RefLoop(const Napi::CallbackInfo& info);
  Napi::Value UnrefLoop(const Napi::CallbackInfo& info);
  Napi::Value TunIoctlInt(const Napi::CallbackInfo& info);
  Napi::Value GetFd(const Napi::CallbackInfo& info);
  Napi::Value GetClosed(const Napi::CallbackInfo& info);
  Napi::Value GetStarted(const Napi::CallbackInfo& info);
  Napi::Value GetPolling(const Napi::CallbackInfo& info);

  // The poll handle lives in its own heap box: libuv may still touch it after the Port is gone, until the close
  // callback runs. The box also holds the env's async cleanup hook, which makes Node wait for that callback
  // before it tears the env down and unloads this addon (a Worker exiting with ports open).
  struct PollBox {
    uv_poll_t handle;
    Port* port = nullptr;
    napi_async_cleanup_hook_handle hook = nullptr;
  };

  static void OnPoll(uv_poll_t* handle, int status, int events);
  static void OnEnvCleanup(napi_async_cleanup_hook_handle hook, void* arg);
  static void OnPollClosed(uv_handle_t* handle);

  void OnReadable(int status);
  uint32_t ReadTap(int* fatal);
  uint32_t ReadPacket(int* fatal);
  uint32_t SendTap(const uint8_t* base, const uint32_t* off, const uint32_t* len, uint32_t count);
  uint32_t SendPacket(const uint8_t* base, const uint32_t* off, const uint32_t* len, uint32_t count);
  bool RxMemoryDetached();
  void CountError(int err, CounterIndex which);
  void StopPolling();
  void ReportFatal(napi_value self, int err, const char* op, const std::string& detail = std::string());
  void ReleaseRx();
  void Shutdown(bool fromEnvCleanup);
  void EnsureOpen(const char* what);

  napi_env env_;
  PortConfig cfg_;
  int fd_ = -1;
  PollBox* box_ = nullptr;
  uv_poll_t* poll_ = nullptr;  // &box_->handle while open
  bool started_ = false;
  bool polling_ = false;
  bool closed_ = false;
  bool inCallback_ = false;
  bool selfRef_ = false;

  // Receive side, valid while started_.
  Napi::Reference<Napi::Value> slabRef_;
  Napi::Reference<Napi::Value> slabBufferRef_;
  Napi::Reference<Napi::Value> lengthsRef_;
  Napi::Reference<Napi::Value> lengthsBufferRef_;
  Napi::FunctionReference onBatch_;
  Napi::FunctionReference onError_;
  napi_async_context asyncCtx_ = nullptr;
  uint8_t* slab_ = nullptr;
  uint32_t slotSize_ = 0;
  uint32_t* lengths_ = nullptr;
  uint32_t maxBatch_ = 0;

  // recvmmsg scratch, sized once at start().
  std::vector<mmsghdr> rxMsgs_;
  std::vector<iovec> rxIov_;
  std::vector<sockaddr_ll> rxAddr_;
  std::vector<uint64_t> rxCtl_;  // uint64_t for cmsg alignment
  size_t rxCtlStride_ = 0;       // in bytes

  // sendmmsg scratch, fixed: a longer batch goes out in chunks.
  static constexpr uint32_t kTxChunk = 64;
  mmsghdr txMsgs_[kTxChunk];
  iovec txIov_[kTxChunk];

  uint64_t counters_[kCounterCount] = {};
  uint64_t errCounts_[kMaxErrno] = {};
};

}  // namespace wfpio
