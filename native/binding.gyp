{
  # Built by npm's bundled node-gyp from the package's "install" script:
  #   node-gyp rebuild --nodedir=/usr --directory=native
  # Output stays in native/build (gitignored); src/io/addon.ts loads build/Release/wfp_io.node.
  "targets": [
    {
      "target_name": "wfp_io",
      "sources": [
        "src/addon.cc",
        "src/errors.cc",
        "src/port.cc",
        "src/tap.cc",
        "src/packet.cc",
        "src/netif.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      # NAPI_VERSION 8 is what Node 20 guarantees; C++ exceptions only on the slow paths (open/ioctl/argument
      # errors) — the readiness callback uses the C API directly and never throws.
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "_GNU_SOURCE"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers"]
    }
  ]
}
