// The canonical project: what `berth config` prints and what the rest of berth runs. Every key is in its long
// form (lists of `K=V` are maps, short port and volume specs are objects), as compose-go v2 prints it.
// Keys the user did not set are absent. `x-*` extensions are dropped.
import type { PortConfig } from "./syntax/ports.js";
import type { Ulimit } from "./syntax/ulimits.js";
import type { VolumeMount } from "./syntax/volumes.js";

export interface Project {
  name: string;
  services: Record<string, Service>;
  networks: Record<string, NetworkDefinition>;
  volumes: Record<string, VolumeDefinition>;
  secrets: Record<string, FileObjectDefinition>;
  configs: Record<string, FileObjectDefinition>;
  models?: Record<string, ModelDefinition>;
}

/** `K=V` pairs as a map; the values are always text. */
export type Mapping = Record<string, string>;

/** Container environment; a bare `KEY` whose shell variable is unset stays `null`, as in compose. */
export type Environment = Record<string, string | null>;

/** Sizes are decimal byte counts in text ("268435456"), durations Go-style text ("1m30s"), as compose prints them. */
export type Bytes = string;
export type Duration = string;

export interface Service {
  image?: string;
  build?: BuildConfig;
  pull_policy?: string;
  platform?: string;
  profiles?: string[];
  scale?: number;
  deploy?: DeployConfig;
  provider?: { type: string; options?: Record<string, unknown> };

  command?: string[];
  entrypoint?: string[];
  working_dir?: string;
  user?: string;
  group_add?: string[];
  environment?: Environment;
  labels?: Mapping;
  annotations?: Mapping;
  init?: boolean;
  tty?: boolean;
  stdin_open?: boolean;
  attach?: boolean;
  healthcheck?: Healthcheck;
  restart?: string;
  stop_signal?: string;
  stop_grace_period?: Duration;
  post_start?: ServiceHook[];
  pre_stop?: ServiceHook[];
  pre_start?: ServiceHook[];

  depends_on?: Record<string, ServiceDependency>;
  links?: string[];
  external_links?: string[];
  volumes_from?: string[];

  networks?: Record<string, ServiceNetwork | null>;
  network_mode?: string;
  ports?: PortConfig[];
  expose?: string[];
  hostname?: string;
  domainname?: string;
  mac_address?: string;
  dns?: string[];
  dns_search?: string[];
  dns_opt?: string[];
  /** `host=ip`, sorted, as compose prints them */
  extra_hosts?: string[];

  volumes?: ServiceVolume[];
  tmpfs?: string[];
  secrets?: ServiceFileMount[];
  configs?: ServiceFileMount[];
  devices?: DeviceMapping[];
  device_cgroup_rules?: string[];

  container_name?: string;
  privileged?: boolean;
  read_only?: boolean;
  cap_add?: string[];
  cap_drop?: string[];
  security_opt?: string[];
  userns_mode?: string;
  ipc?: string;
  pid?: string;
  uts?: string;
  cgroup?: string;
  cgroup_parent?: string;
  sysctls?: Mapping;
  ulimits?: Record<string, Ulimit>;
  storage_opt?: Mapping;
  runtime?: string;
  isolation?: string;

  cpus?: number;
  cpu_count?: number;
  cpu_percent?: number;
  cpu_shares?: number;
  cpu_quota?: number;
  cpu_period?: number;
  cpu_rt_period?: number;
  cpu_rt_runtime?: number;
  cpuset?: string;
  mem_limit?: Bytes;
  mem_reservation?: Bytes;
  memswap_limit?: Bytes;
  mem_swappiness?: number;
  shm_size?: Bytes;
  pids_limit?: number;
  oom_kill_disable?: boolean;
  oom_score_adj?: number;
  blkio_config?: Record<string, unknown>;

  logging?: { driver?: string; options?: Mapping };
  credential_spec?: Record<string, string>;
  develop?: Record<string, unknown>;
  gpus?: Record<string, unknown>[];
  models?: Record<string, { endpoint_var?: string; model_var?: string } | null>;
  use_api_socket?: boolean;
}

export interface BuildConfig {
  /** absolute, unless it is a remote (git or URL) context */
  context: string;
  dockerfile?: string;
  dockerfile_inline?: string;
  /** null: a bare arg the shell does not set (the builder then uses the Dockerfile's default) */
  args?: Record<string, string | null>;
  labels?: Mapping;
  additional_contexts?: Mapping;
  ssh?: string[];
  cache_from?: string[];
  cache_to?: string[];
  no_cache?: boolean;
  no_cache_filter?: string[];
  pull?: boolean;
  network?: string;
  target?: string;
  shm_size?: Bytes;
  extra_hosts?: string[];
  isolation?: string;
  privileged?: boolean;
  secrets?: ServiceFileMount[];
  tags?: string[];
  ulimits?: Record<string, Ulimit>;
  platforms?: string[];
  entitlements?: string[];
  provenance?: string | boolean;
  sbom?: string | boolean;
}

export interface Healthcheck {
  /** `["NONE"]`, `["CMD", ...]` or `["CMD-SHELL", "<shell line>"]` */
  test?: string[];
  interval?: Duration;
  timeout?: Duration;
  start_period?: Duration;
  start_interval?: Duration;
  retries?: number;
  disable?: boolean;
}

export interface ServiceHook {
  command: string[];
  user?: string;
  privileged?: boolean;
  working_dir?: string;
  environment?: Environment;
}

export interface ServiceDependency {
  condition: "service_started" | "service_healthy" | "service_completed_successfully";
  required: boolean;
  restart?: boolean;
}

export interface ServiceNetwork {
  aliases?: string[];
  ipv4_address?: string;
  ipv6_address?: string;
  link_local_ips?: string[];
  mac_address?: string;
  driver_opts?: Record<string, string | number>;
  priority?: number;
  gw_priority?: number;
  interface_name?: string;
}

/** A mount in the long syntax; `source` is a named volume's key, or an absolute host path for a bind mount. */
export type ServiceVolume = VolumeMount;

/** A secret or config given to a service. */
export interface ServiceFileMount {
  source: string;
  target?: string;
  uid?: string;
  gid?: string;
  mode?: number;
}

export interface DeviceMapping {
  source: string;
  target: string;
  permissions: string;
}

export interface DeployConfig {
  mode?: string;
  replicas?: number;
  labels?: Mapping;
  endpoint_mode?: string;
  resources?: { limits?: ResourceLimits; reservations?: ResourceLimits };
  restart_policy?: { condition?: string; delay?: Duration; max_attempts?: number; window?: Duration };
  update_config?: UpdateConfig;
  rollback_config?: UpdateConfig;
  placement?: Record<string, unknown>;
}

export interface ResourceLimits {
  cpus?: number;
  memory?: Bytes;
  pids?: number;
  devices?: Record<string, unknown>[];
  generic_resources?: Record<string, unknown>[];
}

export interface UpdateConfig {
  parallelism?: number;
  delay?: Duration;
  failure_action?: string;
  monitor?: Duration;
  max_failure_ratio?: number;
  order?: string;
}

export interface NetworkDefinition {
  /** the name the network has on the host: `<project>_<key>` unless given, or the key when external */
  name: string;
  external?: boolean;
  driver?: string;
  driver_opts?: Record<string, string | number>;
  ipam?: { driver?: string; config?: IpamPool[]; options?: Mapping };
  internal?: boolean;
  attachable?: boolean;
  enable_ipv4?: boolean;
  enable_ipv6?: boolean;
  labels?: Mapping;
}

export interface IpamPool {
  subnet?: string;
  ip_range?: string;
  gateway?: string;
  aux_addresses?: Mapping;
}

export interface VolumeDefinition {
  /** the name the volume has on the host: `<project>_<key>` unless given, or the key when external */
  name: string;
  external?: boolean;
  driver?: string;
  driver_opts?: Record<string, string | number>;
  labels?: Mapping;
}

/** A top-level secret or config: its content comes from one of file, environment or content, unless external. */
export interface FileObjectDefinition {
  name: string;
  external?: boolean;
  file?: string;
  environment?: string;
  content?: string;
  labels?: Mapping;
  driver?: string;
  driver_opts?: Record<string, string | number>;
  template_driver?: string;
}

export interface ModelDefinition {
  model: string;
  name?: string;
  context_size?: number;
  runtime_flags?: string[];
}
