#include "errors.h"

#include <string.h>

#include <cstdio>

namespace wfpio {

const char* ErrnoName(int err) {
  // glibc >= 2.32; a thread-local buffer covers errnos it does not know.
  const char* name = strerrorname_np(err);
  if (name != nullptr) return name;
  static thread_local char buf[16];
  snprintf(buf, sizeof buf, "E%d", err);
  return buf;
}

Napi::Error ErrnoError(Napi::Env env, const char* op, int err, const std::string& detail) {
  char sys[128];
  // GNU strerror_r returns a pointer that may or may not be `sys`.
  const char* text = strerror_r(err, sys, sizeof sys);
  std::string msg = std::string(op) + " failed: " + ErrnoName(err) + " (" + text + ")";
  if (!detail.empty()) msg += ": " + detail;
  Napi::Error e = Napi::Error::New(env, msg);
  e.Set("code", Napi::String::New(env, ErrnoName(err)));
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("syscall", Napi::String::New(env, op));
  return e;
}

void ThrowErrno(Napi::Env env, const char* op, int err, const std::string& detail) {
  throw ErrnoError(env, op, err, detail);
}

void ThrowType(Napi::Env env, const std::string& msg) { throw Napi::TypeError::New(env, msg); }
void ThrowRange(Napi::Env env, const std::string& msg) { throw Napi::RangeError::New(env, msg); }

}  // namespace wfpio
