import assert from "node:assert/strict";
import { userError, web } from "./fixture.js";

describe("normalize: other service keys", () => {
  it("writes sizes in bytes and durations as Go does", () => {
    const service = web("services: {web: {image: x, mem_limit: 512m, memswap_limit: -1, shm_size: 67108864, stop_grace_period: 1m30s}}");
    assert.equal(service.mem_limit, "536870912");
    assert.equal(service.memswap_limit, "-1");
    assert.equal(service.shm_size, "67108864");
    assert.equal(service.stop_grace_period, "1m30s");
  });

  it("keeps a valid restart policy and stop signal as written, and locates invalid ones", () => {
    const service = web("services: {web: {image: x, restart: on-failure:3, stop_signal: SIGUSR1}}");
    assert.equal(service.restart, "on-failure:3");
    assert.equal(service.stop_signal, "SIGUSR1");
    const restart = userError(() => web("services:\n  web:\n    image: x\n    restart: sometimes\n"));
    assert.equal(restart.message, 'compose.yaml:4:5: services.web.restart: invalid restart policy "sometimes" (use no, always, on-failure[:max-retries] or unless-stopped)');
    const signal = userError(() => web("services: {web: {image: x, stop_signal: SIGNOPE}}"));
    assert.deepEqual(signal.path, ["services", "web", "stop_signal"]);
  });

  it("keeps pull_policy as written (if_not_present as missing), and locates an invalid one or a bad every_ duration", () => {
    assert.equal(web("services: {web: {image: x, pull_policy: every_12h}}").pull_policy, "every_12h");
    assert.equal(web("services: {web: {image: x, pull_policy: if_not_present}}").pull_policy, "missing");
    const every = userError(() => web("services:\n  web:\n    image: x\n    pull_policy: every_12x\n"));
    assert.match(every.message, /^compose\.yaml:4:5: services\.web\.pull_policy: invalid pull policy "every_12x": "12x" is no duration above zero/);
    const typo = userError(() => web("services:\n  web:\n    image: x\n    pull_policy: alwyas\n"));
    assert.match(typo.message, /^compose\.yaml:4:5: services\.web\.pull_policy: invalid pull policy "alwyas"/);
  });

  it("turns string-or-list keys into lists and checks DNS servers are addresses", () => {
    const service = web("services: {web: {image: x, dns: 8.8.8.8, dns_search: example.com, tmpfs: /run, expose: [3000, '8000/udp']}}");
    assert.deepEqual([service.dns, service.dns_search, service.tmpfs, service.expose], [["8.8.8.8"], ["example.com"], ["/run"], ["3000", "8000/udp"]]);
    const err = userError(() => web("services: {web: {image: x, dns: [1.1.1.1, resolver.local]}}"));
    assert.deepEqual(err.path, ["services", "web", "dns", 1]);
  });

  it("writes extra_hosts as sorted host=ip entries, from either form", () => {
    assert.deepEqual(web("services: {web: {image: x, extra_hosts: ['web:10.0.0.9', 'db=::1']}}").extra_hosts, ["db=::1", "web=10.0.0.9"]);
    assert.deepEqual(web("services: {web: {image: x, extra_hosts: {db: [10.0.0.2, 10.0.0.3]}}}").extra_hosts, ["db=10.0.0.2", "db=10.0.0.3"]);
  });

  it("reads label files under labels, and list-or-map keys as text maps", () => {
    const service = web("services: {web: {image: x, label_file: /srv/demo/labels, labels: [b=own], sysctls: {net.core.somaxconn: 1024}, annotations: [note]}}", {
      files: { "/srv/demo/labels": "a=file\nb=file\n" },
    });
    assert.deepEqual(service.labels, { a: "file", b: "own" });
    assert.deepEqual(service.sysctls, { "net.core.somaxconn": "1024" });
    assert.deepEqual(service.annotations, { note: "" });
    assert.equal("label_file" in service, false);
  });

  it("puts secrets, configs and devices in the long form", () => {
    const service = web("services: {web: {image: x, secrets: [token, {source: key, target: /k, mode: '0440'}], configs: [{source: app, mode: 292}], devices: ['/dev/fuse', '/dev/sda:/dev/xvda:r']}}");
    assert.deepEqual(service.secrets, [{ source: "token" }, { source: "key", target: "/k", mode: 0o440 }]);
    assert.deepEqual(service.configs, [{ source: "app", mode: 292 }]);
    assert.deepEqual(service.devices, [
      { source: "/dev/fuse", target: "/dev/fuse", permissions: "rwm" },
      { source: "/dev/sda", target: "/dev/xvda", permissions: "r" },
    ]);
  });

  it("checks ulimits and file modes", () => {
    assert.deepEqual(web("services: {web: {image: x, ulimits: {nproc: 65535, nofile: {soft: 1024, hard: 2048}}}}").ulimits, { nproc: 65535, nofile: { soft: 1024, hard: 2048 } });
    assert.deepEqual(userError(() => web("services: {web: {image: x, ulimits: {nofile: {soft: 9, hard: 1}}}}")).path, ["services", "web", "ulimits", "nofile"]);
    assert.equal(userError(() => web("services: {web: {image: x, secrets: [{source: a, mode: '0999'}]}}")).detail, 'invalid file mode "0999" (use octal, e.g. "0440")');
  });

  it("drops extensions and unset keys, and renames the old pull policy", () => {
    const service = web("services: {web: {image: x, x-note: hi, hostname: null, pull_policy: if_not_present}}");
    assert.deepEqual(service, { image: "x", pull_policy: "missing", networks: { default: null } });
  });

  it("splits hook commands and gives hooks an environment map", () => {
    const service = web("services: {web: {image: x, post_start: [{command: ./warm up, environment: [A=1]}]}}");
    assert.deepEqual(service.post_start, [{ command: ["./warm", "up"], environment: { A: "1" } }]);
  });
});
