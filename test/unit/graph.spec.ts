import assert from "node:assert/strict";
import { parseCompose } from "../../src/compose/parse.js";
import { buildGraph, type GraphService } from "../../src/plan/graph.js";
import { userError } from "./user-error.js";

/** A `depends_on` map waiting for each of `names` to start. */
const on = (...names: string[]): GraphService["depends_on"] =>
  Object.fromEntries(names.map((name) => [name, { condition: "service_started", required: true }]));

/** Services where each key depends on the listed services. */
const chain = (deps: Record<string, string[]>): Record<string, GraphService> =>
  Object.fromEntries(Object.entries(deps).map(([name, needs]) => [name, { depends_on: on(...needs) }]));

/** Builds the graph of a compose file's services, locating errors in the file as the loader does. */
function buildFromYaml(text: string) {
  const [parsed] = parseCompose("compose.yaml", text);
  return buildGraph(parsed.data.services as Record<string, GraphService>, (path) => parsed.positions.locate(path));
}


describe("dependency graph", () => {
  describe("levels", () => {
    it("puts a chain one service per level, dependencies first", () => {
      const graph = buildGraph(chain({ web: ["api"], api: ["db"], db: [] }));
      assert.deepEqual(graph.levels(), [["db"], ["api"], ["web"]]);
      assert.deepEqual(graph.reverseLevels(), [["web"], ["api"], ["db"]]);
    });

    it("starts both sides of a diamond together", () => {
      const graph = buildGraph(chain({ app: ["worker", "api"], api: ["db"], worker: ["db"], db: [] }));
      assert.deepEqual(graph.levels(), [["db"], ["api", "worker"], ["app"]]);
      assert.deepEqual(graph.reverseLevels(), [["app"], ["api", "worker"], ["db"]]);
    });

    it("puts independent services in one sorted level", () => {
      const graph = buildGraph(chain({ c: [], a: [], b: [] }));
      assert.deepEqual(graph.levels(), [["a", "b", "c"]]);
      assert.deepEqual(graph.reverseLevels(), [["a", "b", "c"]]);
    });

    it("stops a service nothing needs right away rather than after its dependencies' dependents", () => {
      const graph = buildGraph(chain({ web: ["db"], db: [], cron: [] }));
      assert.deepEqual(graph.levels(), [["cron", "db"], ["web"]]);
      assert.deepEqual(graph.reverseLevels(), [["cron", "web"], ["db"]]);
    });

    it("places a service after its deepest dependency", () => {
      const graph = buildGraph(chain({ web: ["db", "api"], api: ["db"], db: [] }));
      assert.deepEqual(graph.levels(), [["db"], ["api"], ["web"]]);
    });

    it("is the same whatever order the services are listed in", () => {
      const forward = buildGraph(chain({ a: ["b"], b: ["c"], c: [], d: ["c"] }));
      const backward = buildGraph(chain({ d: ["c"], c: [], b: ["c"], a: ["b"] }));
      assert.deepEqual(backward.services(), forward.services());
      assert.deepEqual(backward.edges(), forward.edges());
      assert.deepEqual(backward.levels(), forward.levels());
    });
  });

  describe("edges", () => {
    it("keeps the condition, required and restart of depends_on", () => {
      const graph = buildGraph({
        web: { depends_on: { db: { condition: "service_healthy", required: false, restart: true }, migrate: { condition: "service_completed_successfully", required: true } } },
        db: {},
        migrate: {},
      });
      assert.deepEqual(graph.edges(), [
        { from: "web", to: "db", kind: "depends_on", condition: "service_healthy", required: false, restart: true, path: ["services", "web", "depends_on", "db"] },
        { from: "web", to: "migrate", kind: "depends_on", condition: "service_completed_successfully", required: true, restart: false, path: ["services", "web", "depends_on", "migrate"] },
      ]);
    });

    it("adds implicit edges for service namespaces, volumes_from and links", () => {
      const graph = buildGraph({
        app: {
          network_mode: "service:vpn",
          ipc: "service:shm",
          pid: "service:tracer",
          volumes_from: ["data", "logs:ro", "service:cache:rw", "container:outside"],
          links: ["db", "search:es"],
        },
        vpn: {}, shm: {}, tracer: {}, data: {}, logs: {}, cache: {}, db: {}, search: {},
      });
      const kinds = graph.edges().map((edge) => [edge.to, edge.kind, edge.restart, edge.path.slice(2)]);
      assert.deepEqual(kinds, [
        ["cache", "volumes_from", false, ["volumes_from", 2]],
        ["data", "volumes_from", false, ["volumes_from", 0]],
        ["db", "links", true, ["links", 0]],
        ["logs", "volumes_from", false, ["volumes_from", 1]],
        ["search", "links", true, ["links", 1]],
        ["shm", "ipc", true, ["ipc"]],
        ["tracer", "pid", true, ["pid"]],
        ["vpn", "network_mode", true, ["network_mode"]],
      ]);
      assert.ok(graph.edges().every((edge) => edge.condition === "service_started" && edge.required));
    });

    it("ignores namespaces that are not services", () => {
      const graph = buildGraph({ app: { network_mode: "host", ipc: "shareable", pid: "container:other", volumes_from: ["container:x:ro"] } });
      assert.deepEqual(graph.edges(), []);
    });

    it("keeps depends_on when another key names the same service", () => {
      const graph = buildGraph({
        web: { links: ["db"], network_mode: "service:db", depends_on: { db: { condition: "service_healthy", required: true } } },
        db: {},
      });
      assert.deepEqual(
        graph.edges().map((edge) => [edge.kind, edge.condition]),
        [["depends_on", "service_healthy"]],
      );
    });

    it("lists dependencies and dependents sorted", () => {
      const graph = buildGraph(chain({ web: ["redis", "db"], worker: ["db"], db: [], redis: [] }));
      assert.deepEqual(graph.dependencies("web"), ["db", "redis"]);
      assert.deepEqual(graph.dependents("db"), ["web", "worker"]);
      assert.deepEqual(graph.dependencies("db"), []);
      assert.deepEqual(graph.dependents("web"), []);
    });
  });

  describe("undefined services", () => {
    it("points at the depends_on key and suggests the close name", () => {
      const text = ["services:", "  web:", "    depends_on:", "      dbb:", "        condition: service_started", "        required: true", "  db:", "    image: postgres", ""].join("\n");
      const err = userError(() => buildFromYaml(text));
      assert.equal(err.message, 'compose.yaml:4:7: services.web.depends_on.dbb: depends on undefined service "dbb" (did you mean "db"?)');
    });

    it("suggests nothing when no service is close", () => {
      const err = userError(() => buildGraph(chain({ web: ["elasticsearch"], db: [] })));
      assert.equal(err.message, 'services.web.depends_on.elasticsearch: depends on undefined service "elasticsearch"');
    });

    it("points at implicit references", () => {
      const text = ["services:", "  app:", "    network_mode: service:vpm", "  vpn:", "    image: wireguard", ""].join("\n");
      assert.equal(userError(() => buildFromYaml(text)).message, 'compose.yaml:3:5: services.app.network_mode: depends on undefined service "vpm" (did you mean "vpn"?)');

      const err = userError(() => buildGraph({ app: { volumes_from: ["container:x", "dat:ro"] }, data: {} }));
      assert.deepEqual(err.path, ["services", "app", "volumes_from", 1]);
      assert.equal(err.detail, 'depends on undefined service "dat" (did you mean "data"?)');
    });

    it("leaves out a missing dependency that is not required", () => {
      const graph = buildGraph({ web: { depends_on: { debug: { condition: "service_started", required: false } } } });
      assert.deepEqual(graph.edges(), []);
      assert.deepEqual(graph.levels(), [["web"]]);
    });
  });

  describe("cycles", () => {
    it("reports a service that depends on itself", () => {
      const err = userError(() => buildGraph(chain({ a: ["a"] })));
      assert.equal(err.message, "services.a.depends_on.a: dependency cycle: a -> a");
    });

    it("reports a two-service cycle", () => {
      const err = userError(() => buildGraph(chain({ b: ["a"], a: ["b"] })));
      assert.equal(err.message, "services.a.depends_on.b: dependency cycle: a -> b -> a");
    });

    it("names every service on a long cycle, in order, located at its first edge", () => {
      const text = [
        "services:",
        "  entry:",
        "    depends_on: { api: { condition: service_started, required: true } }",
        "  api:",
        "    depends_on: { cache: { condition: service_started, required: true } }",
        "  cache:",
        "    links: [store]",
        "  store:",
        "    depends_on: { queue: { condition: service_started, required: true } }",
        "  queue:",
        "    depends_on: { api: { condition: service_healthy, required: true } }",
        "",
      ].join("\n");
      const err = userError(() => buildFromYaml(text));
      assert.equal(err.message, "compose.yaml:5:19: services.api.depends_on.cache: dependency cycle: api -> cache -> store -> queue -> api");
    });
  });

  describe("closure", () => {
    const graph = buildGraph(chain({ web: ["api"], api: ["db", "cache"], admin: ["db"], db: [], cache: [], cron: [] }));

    it("adds everything the named services depend on, directly or not", () => {
      assert.deepEqual(graph.closure(["web"]), ["api", "cache", "db", "web"]);
      assert.deepEqual(graph.closure(["admin", "cron"]), ["admin", "cron", "db"]);
      assert.deepEqual(graph.closure(["db"]), ["db"]);
    });

    it("rejects an unknown service", () => {
      assert.equal(userError(() => graph.closure(["wbe"])).message, 'no such service "wbe" (did you mean "web"?)');
    });

    it("keeps only the named services and the edges between them in a subgraph", () => {
      const part = graph.subgraph(graph.closure(["admin"]));
      assert.deepEqual(part.services(), ["admin", "db"]);
      assert.deepEqual(part.edges().map((edge) => `${edge.from}->${edge.to}`), ["admin->db"]);
      assert.deepEqual(part.levels(), [["db"], ["admin"]]);
    });
  });
});
