// Module entry: exports openTap, openPacket, the link helpers, and the counter layout. Context-aware (Node-API),
// so it loads in the main thread and in every Worker, each with its own state.
#include "addon.h"

#include <linux/if_tun.h>

#include "port.h"

namespace wfpio {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  data->portCtor = Napi::Persistent(Port::DefineClass(env));
  env.SetInstanceData(data);  // deleted by Node when this env goes away

  exports.Set("Port", data->portCtor.Value());
  exports.Set("openTap", Napi::Function::New<OpenTap>(env, "openTap"));
  exports.Set("openPacket", Napi::Function::New<OpenPacket>(env, "openPacket"));
  InitNetif(env, exports);

  Napi::Array names = Napi::Array::New(env, kCounterCount);
  for (uint32_t i = 0; i < kCounterCount; i++) names.Set(i, kCounterNames[i]);
  exports.Set("counterFields", names);
  return exports;
}

}  // namespace wfpio

namespace {
Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return wfpio::Init(env, exports); }
}  // namespace

NODE_API_MODULE(wfp_io, InitModule)
