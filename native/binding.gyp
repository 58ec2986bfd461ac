# Node-API addon bridging rand-guard's BPF object to Node.js.
# Built with: npx node-gyp rebuild --nodedir=/usr --directory native
# (--nodedir=/usr: node-gyp must not download headers; they are in /usr/include/node)
{
  "targets": [
    {
      "target_name": "rand_guard_native",
      "sources": [
        "src/addon.c",
        "src/args.c",
        "src/log.c",
        "src/maps.c",
        "src/worker.c"
      ],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"],
      "cflags_c": [
        "-std=gnu11",
        "-O2",
        "-Wall",
        "-Wextra",
        "-Wno-unused-parameter",
        "<!@(pkg-config --cflags libbpf)"
      ],
      "libraries": [
        "<!@(pkg-config --libs libbpf)",
        "-lelf",
        "-lz",
        "-lpthread",
        "-lm"
      ]
    }
  ]
}
