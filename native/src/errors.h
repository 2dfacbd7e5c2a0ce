// Turning errno into JS exceptions that read like Node's own system errors:
//   "TUNSETIFF failed: EPERM (Operation not permitted)" with .code = "EPERM", .errno = 1, .syscall = "TUNSETIFF".
// Only the slow paths (open, ioctl, argument checks) throw; the I/O paths count errors instead (see port.h).
#pragma once

#include <napi.h>

#include <string>

namespace wfpio {

// Largest errno we keep a per-errno counter for. Linux tops out at EHWPOISON (133).
constexpr int kMaxErrno = 134;

// "EPERM" for 1; "E123" when the C library has no name for it.
const char* ErrnoName(int err);

// Builds (does not throw) an Error for `op` failing with `err`; `detail` is appended after the system message.
Napi::Error ErrnoError(Napi::Env env, const char* op, int err, const std::string& detail = std::string());

// Throws ErrnoError. Never returns.
[[noreturn]] void ThrowErrno(Napi::Env env, const char* op, int err, const std::string& detail = std::string());

// Argument errors (wrong type, out of range): TypeError/RangeError with a plain message.
[[noreturn]] void ThrowType(Napi::Env env, const std::string& msg);
[[noreturn]] void ThrowRange(Napi::Env env, const std::string& msg);

}  // namespace wfpio
