// Per-env state. Node-API modules are loaded once per env (main thread and every Worker), so nothing here is
// static: each env keeps its own Port constructor.
#pragma once

#include <napi.h>

namespace wfpio {

struct AddonData {
  Napi::FunctionReference portCtor;
};

// Exported entry points, one per source file.
Napi::Value OpenTap(const Napi::CallbackInfo& info);
Napi::Value OpenPacket(const Napi::CallbackInfo& info);
void InitNetif(Napi::Env env, Napi::Object exports);

}  // namespace wfpio
