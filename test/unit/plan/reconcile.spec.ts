import assert from "node:assert/strict";
import { desiredState } from "../../../src/plan/desired.js";
import type { ObservedContainer } from "../../../src/plan/observe.js";
import { formatPlan, type Plan } from "../../../src/plan/plan.js";
import { planDown, planUp, type UpOptions } from "../../../src/plan/reconcile.js";
import { userError } from "../user-error.js";
import { inlineProject, runningContainer } from "./inline-project.js";

const STACK = `
services:
  db:
    image: berth/host
    command: sleep 1000
    volumes: [data:/data]
    healthcheck: {test: ["CMD", "true"]}
  web:
    image: berth/host
    command: sleep 1000
    environment: {MODE: one}
    depends_on: {db: {condition: service_healthy}}
volumes:
  data: {}
`;

interface World {
  yaml: string;
  containers?: (loaded: ReturnType<typeof inlineProject>) => ObservedContainer[];
  networks?: string[];
  volumes?: string[];
  services?: string[];
  scale?: Record<string, number>;
  noDeps?: boolean;
  imageIds?: Record<string, string>;
}

function plan(world: World, options: UpOptions = {}): Plan {
  const loaded = inlineProject(world.yaml);
  const desired = desiredState({
    project: loaded.project,
    graph: loaded.graph,
    workingDir: loaded.projectDir,
    configFiles: loaded.configFiles,
    services: world.services ?? [],
    noDeps: world.noDeps,
    scale: world.scale,
    imageIds: world.imageIds ?? { "berth/host": "sha256:img" },
  });
  const observed = { containers: world.containers?.(loaded) ?? [], networks: new Set(world.networks ?? []), volumes: new Set(world.volumes ?? []) };
  return planUp(observed, desired, options);
}

/** The stack fully up and unchanged. */
const upToDate = (loaded: ReturnType<typeof inlineProject>) => [runningContainer(loaded, "db", 1), runningContainer(loaded, "web", 1)];
const existing = { networks: ["demo_default"], volumes: ["demo_data"] };

describe("reconcile: up", () => {
  it("a new project: network and volume first, then containers, web started once db is healthy", () => {
    assert.equal(
      formatPlan(plan({ yaml: STACK })),
      [
        "#1 create network demo_default",
        "#2 create volume demo_data",
        "#3 create container demo-db-1 (after #1, #2)",
        "#4 start container demo-db-1 (after #3)",
        "#5 create container demo-web-1 (after #1)",
        "#6 wait for db to be healthy (after #4)",
        "#7 start container demo-web-1 (after #5, #6)",
        "",
      ].join("\n"),
    );
  });

  it("an up-to-date project: an empty plan, every container left alone, and it says so", () => {
    const result = plan({ yaml: STACK, containers: upToDate, ...existing });
    assert.deepEqual(result.nodes, []);
    assert.deepEqual(result.unchanged, ["demo-db-1", "demo-web-1"]);
    assert.equal(formatPlan(result), "nothing to do: everything is up to date\n");
  });

  it("a changed environment variable recreates that service only: create aside, stop, remove, rename, start", () => {
    const changed = STACK.replace("MODE: one", "MODE: two");
    const result = plan({ yaml: changed, containers: (loaded) => upToDate(inlineProject(STACK)).map((c) => ({ ...c, name: `${loaded.name}-${c.service}-1` })), ...existing });
    assert.equal(
      formatPlan(result),
      [
        "#1 create container web100000000_demo-web-1 — config changed",
        "#2 stop container demo-web-1 (after #1) — config changed",
        "#3 remove container demo-web-1 (after #2) — config changed",
        "#4 rename container web100000000_demo-web-1 to demo-web-1 (after #3)",
        "#5 wait for db to be healthy",
        "#6 start container demo-web-1 (after #4, #5)",
        "",
      ].join("\n"),
    );
    assert.deepEqual(result.unchanged, ["demo-db-1"]);
  });

  it("a new image id recreates; --force-recreate recreates everything; --no-recreate nothing", () => {
    const oldImage = (loaded: ReturnType<typeof inlineProject>) => upToDate(loaded).map((c) => (c.service === "db" ? { ...c, imageId: "sha256:old" } : c));
    assert.match(formatPlan(plan({ yaml: STACK, containers: oldImage, ...existing })), /#1 create container db1000000000_demo-db-1 — image changed/);
    const forced = plan({ yaml: STACK, containers: upToDate, ...existing }, { recreate: "force" });
    assert.equal(forced.nodes.filter((n) => n.op.kind === "rename-container").length, 2);
    assert.deepEqual(plan({ yaml: STACK, containers: oldImage, ...existing }, { recreate: "never" }).nodes, []);
  });

  it("a missing volume or network recreates the containers that use it", () => {
    const noVolume = plan({ yaml: STACK, containers: upToDate, networks: ["demo_default"] });
    assert.equal(noVolume.nodes[0]!.op.kind, "create-volume");
    assert.equal(noVolume.nodes.find((n) => n.op.kind === "stop-container")?.cause, "volume demo_data missing");
    assert.deepEqual(noVolume.unchanged, ["demo-web-1"]);
    const detached = plan({ yaml: STACK, containers: (l) => upToDate(l).map((c) => (c.service === "web" ? { ...c, networks: [] } : c)), ...existing });
    assert.equal(detached.nodes.find((n) => n.op.kind === "stop-container")?.cause, "network demo_default missing");
  });

  it("a recreated namespace parent recreates the service sharing its network", () => {
    const yaml = `
services:
  vpn: {image: berth/host, environment: {V: "2"}}
  app: {image: berth/host, network_mode: "service:vpn"}
`;
    const before = inlineProject(yaml.replace('V: "2"', 'V: "1"'));
    const result = plan({ yaml, containers: () => [runningContainer(before, "vpn", 1), { ...runningContainer(before, "app", 1), networkMode: `container:${"vpn1".padEnd(64, "0")}` }] });
    const causes = result.nodes.filter((n) => n.op.kind === "create-container").map((n) => n.cause);
    assert.deepEqual(causes, ["config changed", "vpn recreated"]);
    // the new app container is created once the new vpn container runs
    const vpnStart = result.nodes.find((n) => n.op.kind === "start-container" && n.op.name === "demo-vpn-1")!;
    assert.ok(result.nodes.find((n) => n.op.kind === "create-container" && n.op.service === "app")!.after.includes(vpnStart.id));
  });

  it("depends_on restart: true restarts the dependent once its recreated dependency is started again", () => {
    const yaml = (level: string) => `
services:
  db: {image: berth/host, environment: {LEVEL: "${level}"}}
  api: {image: berth/host, depends_on: {db: {condition: service_started, restart: true}}}
  cron: {image: berth/host, depends_on: [db]}
`;
    const before = inlineProject(yaml("1"));
    const result = plan({ yaml: yaml("2"), containers: () => ["api", "cron", "db"].map((s) => runningContainer(before, s, 1)), networks: ["demo_default"] });
    assert.equal(
      formatPlan(result),
      [
        "#1 create container db1000000000_demo-db-1 — config changed",
        "#2 stop container demo-db-1 (after #1) — config changed",
        "#3 remove container demo-db-1 (after #2) — config changed",
        "#4 rename container db1000000000_demo-db-1 to demo-db-1 (after #3)",
        "#5 start container demo-db-1 (after #4)",
        "#6 stop container demo-api-1 — db recreated",
        "#7 start container demo-api-1 (after #6, #5) — db recreated",
        "",
      ].join("\n"),
    );
    assert.deepEqual(result.unchanged, ["demo-cron-1"]);
  });

  it("an app attached to an older vpn container than the current one is recreated", () => {
    const yaml = "services:\n  vpn: {image: berth/host}\n  app: {image: berth/host, network_mode: \"service:vpn\"}\n";
    const result = plan({ yaml, containers: (l) => [runningContainer(l, "vpn", 1), { ...runningContainer(l, "app", 1), networkMode: "container:0123456789ab" }], networks: ["demo_default"] });
    assert.equal(result.nodes[0]!.cause, "vpn replaced");
  });

  it("scale up creates the next numbers; scale down stops and removes the highest", () => {
    const yaml = "services:\n  worker: {image: berth/host, deploy: {replicas: 3}}\n";
    assert.equal(
      formatPlan(plan({ yaml, containers: (l) => [runningContainer(l, "worker", 1)], networks: ["demo_default"] })),
      [
        "#1 create container demo-worker-2",
        "#2 start container demo-worker-2 (after #1)",
        "#3 create container demo-worker-3",
        "#4 start container demo-worker-3 (after #3)",
        "",
      ].join("\n"),
    );
    const three = (l: ReturnType<typeof inlineProject>) => [1, 2, 3].map((n) => runningContainer(l, "worker", n));
    assert.equal(
      formatPlan(plan({ yaml, containers: three, networks: ["demo_default"], scale: { worker: 1 } })),
      [
        "#1 stop container demo-worker-2 — scale 1",
        "#2 remove container demo-worker-2 (after #1) — scale 1",
        "#3 stop container demo-worker-3 — scale 1",
        "#4 remove container demo-worker-3 (after #3) — scale 1",
        "",
      ].join("\n"),
    );
  });

  it("scaling does not change the config hash: replicas alone never recreate", () => {
    const yaml = "services:\n  worker: {image: berth/host, deploy: {replicas: 2}}\n";
    const before = inlineProject("services:\n  worker: {image: berth/host}\n");
    const result = plan({ yaml, containers: () => [runningContainer(before, "worker", 1)], networks: ["demo_default"] });
    assert.deepEqual(result.unchanged, ["demo-worker-1"]);
    assert.equal(result.nodes.filter((n) => n.op.kind === "create-container").length, 1);
  });

  it("a replacement left under its temporary name by an interrupted up is removed; the missing container is created", () => {
    const interrupted = (l: ReturnType<typeof inlineProject>) => [
      runningContainer(l, "db", 1),
      { ...runningContainer(l, "web", 1), id: "f".repeat(64), name: "0123456789ab_demo-web-1", state: "created" },
    ];
    assert.equal(
      formatPlan(plan({ yaml: STACK, containers: interrupted, ...existing })),
      [
        "#1 remove container 0123456789ab_demo-web-1 — left by an interrupted up",
        "#2 create container demo-web-1 (after #1)",
        "#3 wait for db to be healthy",
        "#4 start container demo-web-1 (after #2, #3)",
        "",
      ].join("\n"),
    );
  });

  it("a stray replacement holding the temporary name a new recreate needs is removed first", () => {
    const before = inlineProject(STACK.replace("MODE: one", "MODE: old"));
    const interrupted = () => [
      runningContainer(before, "db", 1),
      runningContainer(before, "web", 1),
      { ...runningContainer(before, "web", 1), id: "f".repeat(64), name: "web100000000_demo-web-1", state: "created" },
    ];
    const result = plan({ yaml: STACK, containers: interrupted, ...existing });
    const removal = result.nodes.find((n) => n.op.kind === "remove-container" && n.op.name === "web100000000_demo-web-1")!;
    const create = result.nodes.find((n) => n.op.kind === "create-container")!;
    assert.equal((create.op as { name: string }).name, "web100000000_demo-web-1");
    assert.ok(create.after.includes(removal.id));
  });

  it("orphans are reported, and removed with --remove-orphans", () => {
    const withOrphan = (l: ReturnType<typeof inlineProject>) => [...upToDate(l), runningContainer(l, "old", 1)];
    const warned = plan({ yaml: STACK, containers: withOrphan, ...existing });
    assert.deepEqual(warned.orphans, ["demo-old-1"]);
    assert.deepEqual(warned.nodes, []);
    const removed = plan({ yaml: STACK, containers: withOrphan, ...existing }, { removeOrphans: true });
    assert.deepEqual(removed.orphans, []);
    assert.equal(formatPlan(removed), "#1 stop container demo-old-1 — orphan\n#2 remove container demo-old-1 (after #1) — orphan\n");
  });

  it("an exited container that is up to date is started again; --no-start leaves it, and creates without starting", () => {
    const exited = (l: ReturnType<typeof inlineProject>) => upToDate(l).map((c) => (c.service === "web" ? { ...c, state: "exited" } : c));
    assert.equal(formatPlan(plan({ yaml: STACK, containers: exited, ...existing })), "#1 wait for db to be healthy\n#2 start container demo-web-1 (after #1) — exited\n");
    assert.deepEqual(plan({ yaml: STACK, containers: exited, ...existing }, { noStart: true }).nodes, []);
    const created = plan({ yaml: STACK }, { noStart: true });
    assert.deepEqual(created.nodes.map((n) => n.op.kind), ["create-network", "create-volume", "create-container", "create-container"]);
  });

  it("an external network is not created; a missing one is an error", () => {
    const yaml = "services:\n  web: {image: berth/host, networks: [shared]}\nnetworks:\n  shared: {external: true, name: corp}\n";
    assert.equal(formatPlan(plan({ yaml, networks: ["corp"] })), "#1 create container demo-web-1\n#2 start container demo-web-1 (after #1)\n");
    assert.equal(userError(() => plan({ yaml })).message, "network corp declared as external, but could not be found");
  });

  it("volume names: <project>_<key>, name: as given, external by its name and never created", () => {
    const yaml = `
services:
  web: {image: berth/host, volumes: [plain:/a, named:/b, outside:/c, /host:/d]}
volumes:
  plain: {}
  named: {name: exact-name}
  outside: {external: true}
`;
    const result = plan({ yaml, networks: ["demo_default"], volumes: ["outside"] });
    assert.deepEqual(result.nodes.filter((n) => n.op.kind === "create-volume").map((n) => (n.op as { name: string }).name), ["exact-name", "demo_plain"]);
    assert.equal(userError(() => plan({ yaml, networks: ["demo_default"] })).message, 'external volume "outside" not found');
  });

  it("up SERVICE brings up what it depends on; with --no-deps only the service", () => {
    assert.deepEqual(plan({ yaml: STACK, services: ["web"] }).nodes.filter((n) => n.op.kind === "create-container").map((n) => (n.op as { name: string }).name), ["demo-db-1", "demo-web-1"]);
    const alone = plan({ yaml: STACK, services: ["web"], noDeps: true, ...existing });
    assert.equal(formatPlan(alone), "#1 create container demo-web-1\n#2 start container demo-web-1 (after #1)\n");
    assert.match(userError(() => plan({ yaml: STACK, services: ["wbe"] })).message, /no such service "wbe" \(did you mean "web"\?\)/);
  });

  it("service_completed_successfully and optional dependencies become wait steps", () => {
    const yaml = `
services:
  migrate: {image: berth/host}
  cache: {image: berth/host}
  api:
    image: berth/host
    depends_on:
      migrate: {condition: service_completed_successfully}
      cache: {condition: service_healthy, required: false}
`;
    const waits = plan({ yaml }).nodes.filter((n) => n.op.kind === "wait-service").map((n) => formatPlan({ nodes: [n], unchanged: [], orphans: [] }).trim());
    assert.deepEqual(waits, ["#7 wait for cache to be healthy (optional) (after #3)", "#8 wait for migrate to be completed successfully (after #5)"]);
  });

  it("an image the engine lacks is pulled once, before the containers that need it are created", () => {
    const yaml = "services:\n  a: {image: busybox}\n  b: {image: busybox}\n  c: {image: berth/host}\n";
    const result = plan({ yaml, networks: ["demo_default"] });
    assert.equal(
      formatPlan(result),
      [
        "#1 pull image busybox",
        "#2 create container demo-a-1 (after #1)",
        "#3 start container demo-a-1 (after #2)",
        "#4 create container demo-b-1 (after #1)",
        "#5 start container demo-b-1 (after #4)",
        "#6 create container demo-c-1",
        "#7 start container demo-c-1 (after #6)",
        "",
      ].join("\n"),
    );
  });

  it("pull_policy: always pulls an image the engine has; never makes a missing image an error", () => {
    const always = plan({ yaml: "services:\n  a: {image: berth/host, pull_policy: always}\n", networks: ["demo_default"] });
    assert.equal(always.nodes[0]!.op.kind, "pull-image");
    const never = "services:\n  a: {image: busybox, pull_policy: never}\n";
    assert.equal(userError(() => plan({ yaml: never })).message, "No such image: busybox (service a has pull_policy: never)");
  });

  it("container_name cannot be scaled", () => {
    const yaml = "services:\n  web: {image: berth/host, container_name: fixed}\n";
    assert.match(userError(() => plan({ yaml, scale: { web: 2 } })).message, /container_name "fixed" must be unique/);
  });
});

describe("reconcile: down", () => {
  const container = (service: string, extra: Partial<ObservedContainer> = {}): ObservedContainer =>
    ({ ...runningContainer(inlineProject(STACK), "db", 1), id: `${service}-id`, name: `demo-${service}-1`, service, ...extra });

  it("stops dependents before what they depend on (read from labels), removes each once stopped, networks last", () => {
    const result = planDown({
      containers: [container("db"), container("web", { dependsOn: [{ service: "db", condition: "service_healthy", restart: false }] })],
      networks: new Set(["demo_default"]),
      volumes: new Set(["demo_data"]),
    });
    assert.equal(
      formatPlan(result),
      [
        "#1 stop container demo-web-1",
        "#2 stop container demo-db-1 (after #1)",
        "#3 remove container demo-db-1 (after #2)",
        "#4 remove container demo-web-1 (after #1)",
        "#5 remove network demo_default (after #3, #4)",
        "",
      ].join("\n"),
    );
  });

  it("-v removes the project's volumes too; stopped containers are only removed", () => {
    const result = planDown({ containers: [container("db", { state: "exited" })], networks: new Set(), volumes: new Set(["demo_data"]) }, { volumes: true });
    assert.equal(formatPlan(result), "#1 remove container demo-db-1\n#2 remove volume demo_data (after #1)\n");
  });

  it("with the compose file, orphans stay (with their networks) unless --remove-orphans", () => {
    const observed = { containers: [container("db"), container("old", { networks: ["demo_legacy"] })], networks: new Set(["demo_default", "demo_legacy"]), volumes: new Set<string>() };
    const kept = planDown(observed, { known: new Set(["db", "web"]) });
    assert.deepEqual(kept.orphans, ["demo-old-1"]);
    assert.equal(formatPlan(kept), "#1 stop container demo-db-1\n#2 remove container demo-db-1 (after #1)\n#3 remove network demo_default (after #2)\n");
    const all = planDown(observed, { known: new Set(["db", "web"]), removeOrphans: true });
    assert.equal(all.nodes.filter((n) => n.op.kind === "remove-container").length, 2);
    assert.equal(all.nodes.filter((n) => n.op.kind === "remove-network").length, 2);
  });
});
