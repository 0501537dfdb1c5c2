import assert from "node:assert/strict";
import type { ContainerCreateOptions } from "dockerode";
import { createRequest } from "../../../src/orchestrate/create-request.js";
import { desiredState } from "../../../src/plan/desired.js";
import { inlineProject, PROJECT_DIR } from "../plan/inline-project.js";

/** The create request for `service`'s container `number`, with `parents` standing in for live container ids. */
function request(yaml: string, service = "web", number = 1): ContainerCreateOptions {
  const loaded = inlineProject(yaml);
  const desired = desiredState({
    project: loaded.project,
    graph: loaded.graph,
    workingDir: loaded.projectDir,
    configFiles: [`${PROJECT_DIR}/compose.yaml`],
    services: [],
    imageIds: { "berth/host": "sha256:abc" },
  });
  return createRequest(desired.services.find((s) => s.name === service)!, number, {
    project: loaded.project,
    workingDir: PROJECT_DIR,
    configFiles: [`${PROJECT_DIR}/compose.yaml`],
    version: "0.1.0",
    containerOf: (name) => `${name}-container-id`,
  });
}

const web = (keys: string) => `services:\n  web:\n    image: berth/host\n${keys.replace(/^/gm, "    ")}\n`;

describe("create request: a service as POST /containers/create", () => {
  it("labels: the service's own, then compose's, as Docker Compose writes them", () => {
    const yaml = web("labels: {team: a, com.docker.compose.project: spoofed}\ndepends_on: {db: {condition: service_healthy, restart: true}}") + "  db: {image: berth/host}\n";
    const labels = request(yaml).Labels!;
    assert.deepEqual(
      { ...labels, "com.docker.compose.config-hash": labels["com.docker.compose.config-hash"]!.length },
      {
        team: "a",
        "com.docker.compose.project": "demo",
        "com.docker.compose.service": "web",
        "com.docker.compose.container-number": "1",
        "com.docker.compose.oneoff": "False",
        "com.docker.compose.config-hash": 64,
        "com.docker.compose.image": "sha256:abc",
        "com.docker.compose.depends_on": "db:service_healthy:true",
        "com.docker.compose.project.working_dir": PROJECT_DIR,
        "com.docker.compose.project.config_files": `${PROJECT_DIR}/compose.yaml`,
        "com.docker.compose.version": "0.1.0",
      },
    );
  });

  it("process: command, entrypoint, environment (unset variables left out), working_dir, user, tty, stdin_open", () => {
    const r = request(web('command: ["a", "b"]\nentrypoint: /bin/sh -c\nenvironment: [A=1, UNSET]\nworking_dir: /w\nuser: "1000:1000"\ntty: true\nstdin_open: true'));
    assert.deepEqual([r.Cmd, r.Entrypoint, r.Env, r.WorkingDir, r.User, r.Tty, r.OpenStdin], [["a", "b"], ["/bin/sh", "-c"], ["A=1"], "/w", "1000:1000", true, true]);
  });

  it("ports: ExposedPorts for published and exposed ports, PortBindings with host address and port", () => {
    const r = request(web('ports: ["127.0.0.1:8080:80", "53:53/udp"]\nexpose: ["9000-9001"]'));
    assert.deepEqual(r.ExposedPorts, { "80/tcp": {}, "53/udp": {}, "9000/tcp": {}, "9001/tcp": {} });
    assert.deepEqual(r.HostConfig!.PortBindings, { "80/tcp": [{ HostIp: "127.0.0.1", HostPort: "8080" }], "53/udp": [{ HostIp: "", HostPort: "53" }] });
  });

  it("volumes: named volumes by their project name, binds that may create their source in Binds, tmpfs", () => {
    const yaml = web('volumes:\n  - data:/data:ro\n  - ./site:/site\n  - {type: bind, source: /etc/hosts, target: /h, bind: {create_host_path: false}}\n  - {type: tmpfs, target: /scratch, tmpfs: {size: 1m}}\ntmpfs: ["/run:size=64k"]') + "volumes:\n  data: {}\n";
    const host = request(yaml).HostConfig!;
    assert.deepEqual(host.Binds, [`${PROJECT_DIR}/site:/site`]);
    assert.deepEqual(host.Mounts, [
      { Type: "volume", Target: "/data", Source: "demo_data", ReadOnly: true, VolumeOptions: {} },
      { Type: "bind", Target: "/h", Source: "/etc/hosts", BindOptions: {} },
      { Type: "tmpfs", Target: "/scratch", TmpfsOptions: { SizeBytes: 1048576 } },
    ]);
    assert.deepEqual(host.Tmpfs, { "/run": "size=64k" });
  });

  it("networks: one endpoint each, aliased by the service name, the first (by priority) as NetworkMode", () => {
    const yaml = web("networks:\n  back: {aliases: [api], ipv4_address: 10.5.0.9}\n  front: {priority: 10}") + "networks:\n  back: {ipam: {config: [{subnet: 10.5.0.0/24}]}}\n  front: {name: shared-front}\n";
    const r = request(yaml);
    assert.equal(r.HostConfig!.NetworkMode, "shared-front");
    assert.deepEqual(r.NetworkingConfig!.EndpointsConfig, {
      "shared-front": { Aliases: ["web"] },
      demo_back: { Aliases: ["web", "api"], IPAMConfig: { IPv4Address: "10.5.0.9" } },
    });
  });

  it("namespaces and volumes_from: service:x becomes container:<x's container id>", () => {
    const yaml = web('network_mode: "service:db"\nipc: "service:db"\npid: host\nvolumes_from: ["db:ro", "container:other"]') + "  db: {image: berth/host}\n";
    const r = request(yaml);
    assert.deepEqual([r.HostConfig!.NetworkMode, r.HostConfig!.IpcMode, r.HostConfig!.PidMode], ["container:db-container-id", "container:db-container-id", "host"]);
    assert.deepEqual(r.HostConfig!.VolumesFrom, ["db-container-id:ro", "other"]);
    assert.equal(r.NetworkingConfig, undefined);
  });

  it("healthcheck: durations in nanoseconds; disable: true is NONE", () => {
    const r = request(web('healthcheck: {test: "curl -f localhost", interval: 1s, timeout: 500ms, start_period: 1m, start_interval: 100ms, retries: 3}'));
    assert.deepEqual(r.Healthcheck, { Test: ["CMD-SHELL", "curl -f localhost"], Interval: 1e9, Timeout: 5e8, StartPeriod: 60e9, StartInterval: 1e8, Retries: 3 });
    assert.deepEqual(request(web("healthcheck: {disable: true}")).Healthcheck, { Test: ["NONE"] });
  });

  it("restart: restart, else deploy.restart_policy (any → always); none given → no", () => {
    assert.deepEqual(request(web("restart: on-failure:3")).HostConfig!.RestartPolicy, { Name: "on-failure", MaximumRetryCount: 3 });
    assert.deepEqual(request(web("deploy: {restart_policy: {condition: any}}")).HostConfig!.RestartPolicy, { Name: "always" });
    assert.deepEqual(request(web("")).HostConfig!.RestartPolicy, { Name: "no" });
  });

  it("resources: cpus and memory from the service or deploy limits, reservations, pids", () => {
    const host = request(web("deploy: {resources: {limits: {cpus: '0.5', memory: 64m, pids: 50}, reservations: {memory: 32m}}}")).HostConfig!;
    assert.deepEqual([host.NanoCpus, host.Memory, host.MemoryReservation, host.PidsLimit], [5e8, 64 * 1024 ** 2, 32 * 1024 ** 2, 50]);
    const direct = request(web("cpus: 1.5\nmem_limit: 1g\nshm_size: 128m")).HostConfig!;
    assert.deepEqual([direct.NanoCpus, direct.Memory, direct.ShmSize], [1.5e9, 1024 ** 3, 128 * 1024 ** 2]);
  });

  it("security and system: caps, init, privileged, read_only, security_opt, sysctls, ulimits", () => {
    const host = request(web("cap_add: [NET_ADMIN]\ncap_drop: [ALL]\ninit: true\nprivileged: false\nread_only: true\nsecurity_opt: [no-new-privileges:true]\nsysctls: {net.core.somaxconn: 1024}\nulimits: {nofile: {soft: 1024, hard: 2048}, nproc: 64}")).HostConfig!;
    assert.deepEqual(
      [host.CapAdd, host.CapDrop, host.Init, host.Privileged, host.ReadonlyRootfs, host.SecurityOpt, host.Sysctls, host.Ulimits],
      [["NET_ADMIN"], ["ALL"], true, false, true, ["no-new-privileges:true"], { "net.core.somaxconn": "1024" }, [{ Name: "nofile", Soft: 1024, Hard: 2048 }, { Name: "nproc", Soft: 64, Hard: 64 }]],
    );
  });

  it("names and stopping: hostname, extra_hosts as host:ip, dns, stop_signal, stop_grace_period in seconds", () => {
    const r = request(web('hostname: h\nextra_hosts: ["db=10.0.0.2"]\ndns: [1.1.1.1]\ndns_search: [example.org]\nstop_signal: SIGINT\nstop_grace_period: 1m30s'));
    assert.deepEqual([r.Hostname, r.HostConfig!.ExtraHosts, r.HostConfig!.Dns, r.HostConfig!.DnsSearch, r.StopSignal, r.StopTimeout], ["h", ["db:10.0.0.2"], ["1.1.1.1"], ["example.org"], "SIGINT", 90]);
  });
});
