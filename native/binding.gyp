{
  "targets": [
    {
      "target_name": "berth_native",
      "sources": ["src/addon/addon.cc", "src/addon/errno_error.cc", "src/addon/fs_ops.cc", "src/addon/in_root.cc", "src/addon/mounts.cc", "src/addon/netns.cc", "src/addon/pidfd.cc", "src/addon/rtnl.cc", "src/addon/spawn.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "_GNU_SOURCE"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra"]
    },
    {
      # Statically linked so that `--init` mode runs inside any rootfs, even one without a libc.
      "target_name": "berth-monitor",
      "type": "executable",
      "sources": [
        "src/monitor/main.c",
        "src/monitor/spec.c",
        "src/monitor/state.c",
        "src/monitor/fail.c",
        "src/monitor/rootfs.c",
        "src/monitor/resolve.c",
        "src/monitor/caps.c",
        "src/monitor/identity.c",
        "src/monitor/child.c",
        "src/monitor/console.c",
        "src/monitor/jsonlog.c",
        "src/monitor/attach.c",
        "src/monitor/supervise.c",
        "src/monitor/init.c"
      ],
      "defines": ["_GNU_SOURCE"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Os"],
      "ldflags": ["-static"]
    }
  ]
}
