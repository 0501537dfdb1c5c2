#include "caps.h"

#include <linux/capability.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Indexed by capability number (linux/capability.h). */
static const char *const cap_names[] = {
    "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP",
    "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
    "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
    "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP",
    "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF",
    "CHECKPOINT_RESTORE",
};

int cap_from_name(const char *name) {
  if (strncasecmp(name, "CAP_", 4) == 0) name += 4;
  for (int i = 0; i < (int)(sizeof cap_names / sizeof cap_names[0]); i++) {
    if (strcasecmp(name, cap_names[i]) == 0) return i;
  }
  return -1;
}

int caps_drop_bounding(uint64_t caps, int last_cap) {
  for (int cap = 0; cap <= last_cap; cap++) {
    if (!(caps & (1ULL << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) return -1;
  }
  return 0;
}

int caps_set(uint64_t caps) {
  struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  if (syscall(SYS_capget, &header, data) != 0) return -1;
  /* Privileged asks for every capability; grant those this host allows us (here CAP_SYS_RESOURCE is absent). */
  uint64_t held = data[0].permitted | (uint64_t)data[1].permitted << 32;
  uint64_t granted = caps & held;
  for (int i = 0; i < 2; i++) {
    data[i].effective = data[i].permitted = (uint32_t)(granted >> (32 * i));
    data[i].inheritable = 0;
  }
  if (syscall(SYS_capset, &header, data) != 0) return -1;
  return prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
}
