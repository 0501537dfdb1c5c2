import assert from "node:assert/strict";
import { buildGraph, type GraphService } from "../../src/plan/graph.js";
import { toDot, toMermaid } from "../../src/plan/graph-render.js";

const started = { condition: "service_started", required: true };

// web waits for api to start, api for db to be healthy, and worker shares api's network namespace
const services: Record<string, GraphService> = {
  worker: { network_mode: "service:api" },
  web: { depends_on: { api: started } },
  db: {},
  api: { depends_on: { db: { condition: "service_healthy", required: true } } },
};

describe("graph rendering", () => {
  describe("toMermaid", () => {
    it("draws one node per service, labels conditions and dashes implicit edges", () => {
      assert.equal(
        toMermaid(buildGraph(services)),
        [
          "flowchart TD",
          '  s0["api"]',
          '  s1["db"]',
          '  s2["web"]',
          '  s3["worker"]',
          "  s0 -->|service_healthy| s1",
          "  s2 --> s0",
          "  s3 -.->|network_mode| s0",
          "",
        ].join("\n"),
      );
    });

    it("keeps names that are Mermaid syntax out of node ids", () => {
      const text = toMermaid(buildGraph({ end: { depends_on: { o: started } }, o: {} }));
      assert.equal(text, ["flowchart TD", '  s0["end"]', '  s1["o"]', "  s0 --> s1", ""].join("\n"));
    });
  });

  describe("toDot", () => {
    it("quotes names, labels conditions and dashes implicit edges", () => {
      assert.equal(
        toDot(buildGraph(services)),
        [
          "digraph services {",
          '  "api";',
          '  "db";',
          '  "web";',
          '  "worker";',
          '  "api" -> "db" [label="service_healthy"];',
          '  "web" -> "api";',
          '  "worker" -> "api" [style=dashed, label="network_mode"];',
          "}",
          "",
        ].join("\n"),
      );
    });

    it("draws services without dependencies alone", () => {
      assert.equal(toDot(buildGraph({ "my-app.v2": {} })), ["digraph services {", '  "my-app.v2";', "}", ""].join("\n"));
    });
  });

  it("does not depend on the order services are listed in", () => {
    const reversed = Object.fromEntries(Object.entries(services).reverse());
    assert.equal(toMermaid(buildGraph(reversed)), toMermaid(buildGraph(services)));
    assert.equal(toDot(buildGraph(reversed)), toDot(buildGraph(services)));
  });
});
