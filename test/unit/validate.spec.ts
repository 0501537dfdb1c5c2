import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { UserError } from "../../src/compose/errors.js";
import { parseCompose } from "../../src/compose/parse.js";
import { validateSchema } from "../../src/compose/validate.js";

const validate = (text: string) => validateSchema(parseCompose("compose.yaml", text)[0]!);

function schemaError(text: string): UserError {
  try {
    validate(text);
  } catch (err) {
    if (err instanceof UserError) return err;
    throw err;
  }
  return assert.fail("expected a schema error");
}

const messageOf = (text: string) => schemaError(text).message;

describe("validateSchema", () => {
  it("accepts a file without services, as override files may be", () => {
    assert.doesNotThrow(() => validate("networks:\n  front:\n    driver: bridge\n"));
  });

  it("accepts x- extensions at the top level and inside services", () => {
    assert.doesNotThrow(() => validate("x-base: &base\n  restart: always\nservices:\n  web:\n    image: nginx\n    x-team: web\n"));
  });

  describe("unknown keys", () => {
    it("suggests the closest allowed key, located at the key", () => {
      const err = schemaError("services:\n  web:\n    image: nginx\n    portz: ['80:80']\n");
      assert.equal(err.message, 'compose.yaml:4:5: services.web.portz: unknown key (did you mean "ports"?)');
      assert.deepEqual(err.path, ["services", "web", "portz"]);
    });

    it("counts a swap of neighbouring letters as one typo", () => {
      assert.equal(messageOf("services:\n  web:\n    imgae: nginx\n"), 'compose.yaml:3:5: services.web.imgae: unknown key (did you mean "image"?)');
    });

    it("suggests top-level keys too", () => {
      assert.equal(messageOf("servics:\n  web:\n    image: nginx\n"), 'compose.yaml:1:1: servics: unknown key (did you mean "services"?)');
    });

    it("lists the allowed keys of a small mapping when nothing is close", () => {
      assert.equal(
        messageOf("services:\n  web:\n    logging:\n      format: json\n"),
        'compose.yaml:4:7: services.web.logging.format: unknown key (use one of "driver", "options")',
      );
    });

    it("points to x- extensions in a large mapping when nothing is close", () => {
      assert.equal(messageOf("services:\n  web:\n    team: web\n"), 'compose.yaml:3:5: services.web.team: unknown key (custom keys must start with "x-")');
    });
  });

  describe("names", () => {
    it("says which characters a service name may use, located at the name", () => {
      const err = schemaError("services:\n  web:\n    image: nginx\n  my app:\n    image: nginx\n");
      assert.equal(err.message, 'compose.yaml:4:3: services.my app: invalid name (use only letters, digits, ".", "_" and "-")');
      assert.deepEqual(err.path, ["services", "my app"]);
    });

    it("checks the names under depends_on the same way", () => {
      assert.equal(
        messageOf("services:\n  web:\n    depends_on:\n      db/main:\n        condition: service_started\n"),
        'compose.yaml:4:7: services.web.depends_on.db/main: invalid name (use only letters, digits, ".", "_" and "-")',
      );
    });

    it("explains a container name that does not match", () => {
      assert.equal(
        messageOf("services:\n  web:\n    container_name: '-'\n"),
        'compose.yaml:3:21: services.web.container_name: invalid container name (use at least two letters, digits, "_", "." or "-", starting with a letter or digit)',
      );
    });
  });

  describe("wrong types", () => {
    it("names the expected and the found type, located at the value", () => {
      const err = schemaError("services:\n  web:\n    image:\n      - nginx\n");
      assert.equal(err.message, "compose.yaml:4:7: services.web.image: must be a string, not a list");
      assert.deepEqual(err.loc, { file: "compose.yaml", line: 4, col: 7 });
    });

    it("names every accepted form of a key that takes several", () => {
      assert.equal(messageOf("services:\n  web:\n    build: [./web]\n"), "compose.yaml:3:12: services.web.build: must be a string or a mapping, not a list");
      assert.equal(messageOf("services:\n  web:\n    depends_on: db\n"), 'compose.yaml:3:17: services.web.depends_on: must be a list or a mapping, not "db"');
      assert.equal(
        messageOf("services:\n  web:\n    ports:\n      - 80\n      - [8080, 80]\n"),
        "compose.yaml:5:9: services.web.ports[1]: must be a number, a string or a mapping, not a list",
      );
    });

    it("spells out booleans and shows the scalar found", () => {
      assert.equal(messageOf("services:\n  web:\n    use_api_socket: 'yes'\n"), 'compose.yaml:3:21: services.web.use_api_socket: must be a boolean (true or false), not "yes"');
      assert.equal(messageOf("models:\n  llm:\n    model: ai/smollm2\n    context_size: 1.5\n"), "compose.yaml:4:19: models.llm.context_size: must be an integer, not 1.5");
    });

    it("calls an empty value null, located at its key, and a long string a string", () => {
      assert.equal(messageOf("services:\n  web:\n"), "compose.yaml:2:3: services.web: must be a mapping, not null");
      assert.equal(messageOf(`services:\n  web: '${"x".repeat(50)}'\n`), "compose.yaml:2:8: services.web: must be a mapping, not a string");
    });

    it("keeps keys holding / and ~ intact in the path", () => {
      const err = schemaError("services:\n  web:\n    labels:\n      a/b~c: [1]\n");
      assert.deepEqual(err.path, ["services", "web", "labels", "a/b~c"]);
      assert.equal(err.detail, "must be a string, a number, a boolean (true or false) or null, not a list");
    });
  });

  describe("values", () => {
    it("lists the allowed values of an enumeration", () => {
      assert.equal(messageOf("services:\n  web:\n    cgroup: shared\n"), 'compose.yaml:3:13: services.web.cgroup: must be one of "host", "private"');
    });

    it("gives the bounds of a number", () => {
      assert.equal(messageOf("services:\n  web:\n    cpu_percent: 150\n"), "compose.yaml:3:18: services.web.cpu_percent: must be at most 100");
      assert.equal(messageOf("services:\n  web:\n    cpu_count: -1\n"), "compose.yaml:3:16: services.web.cpu_count: must be at least 0");
    });

    it("says what gpus accepts besides a list", () => {
      assert.equal(messageOf("services:\n  web:\n    gpus: some\n"), 'compose.yaml:3:11: services.web.gpus: must be "all" or a list of GPU requests');
    });

    it("locates a duplicate list entry at the second copy", () => {
      const err = schemaError("services:\n  web:\n    cap_add:\n      - NET_ADMIN\n      - SYS_TIME\n      - NET_ADMIN\n");
      assert.equal(err.message, "compose.yaml:6:9: services.web.cap_add[2]: duplicate of item [0]");
    });

    it("finds equal mappings in a list too", () => {
      assert.equal(
        messageOf("services:\n  web:\n    ports:\n      - {target: 80}\n      - {target: 81}\n      - {target: 80}\n"),
        "compose.yaml:6:9: services.web.ports[2]: duplicate of item [0]",
      );
    });
  });

  describe("required keys", () => {
    it("names the missing key, located at the mapping that lacks it", () => {
      const err = schemaError("services:\n  web:\n    depends_on:\n      db:\n        restart: true\n");
      assert.equal(err.message, 'compose.yaml:4:7: services.web.depends_on.db: missing required key "condition"');
    });

    it("prefers a misspelt key to the required key it stands for", () => {
      assert.equal(
        messageOf("services:\n  web:\n    depends_on:\n      db:\n        condtion: service_healthy\n"),
        'compose.yaml:5:9: services.web.depends_on.db.condtion: unknown key (did you mean "condition"?)',
      );
    });
  });

  describe("choosing one of several violations", () => {
    it("reports the deepest one", () => {
      assert.equal(
        messageOf("services:\n  web:\n    image: [nginx]\n    healthcheck:\n      interval: 10\n"),
        "compose.yaml:5:17: services.web.healthcheck.interval: must be a string, not 10",
      );
    });

    it("reports the first one in the file among equally deep ones", () => {
      assert.equal(
        messageOf("services:\n  web:\n    tty: [yes]\n    image: 5\n"),
        "compose.yaml:3:10: services.web.tty: must be a boolean (true or false) or a string, not a list",
      );
    });
  });
});

describe("compose schema conventions", () => {
  const schema: unknown = parse(readFileSync(new URL("../../schemas/compose.schema.yaml", import.meta.url), "utf8"));

  /** Every schema object in the file, with where it is. */
  function* nodes(node: unknown, at = "#"): Generator<[string, Record<string, unknown>]> {
    if (!node || typeof node !== "object") return;
    if (!Array.isArray(node)) yield [at, node as Record<string, unknown>];
    for (const [key, child] of Object.entries(node)) yield* nodes(child, `${at}/${key}`);
  }

  it("expresses alternative forms as union types, so ajv reports one precise error instead of one per branch", () => {
    const branching = [...nodes(schema)].filter(([, node]) => "oneOf" in node || "anyOf" in node).map(([at]) => at);
    assert.deepEqual(branching, []);
  });

  it("gives every pattern and every mapping of names a hint to show when it does not match", () => {
    const hintless = [...nodes(schema)]
      .filter(([, node]) => "pattern" in node || (node.additionalProperties === false && !("properties" in node) && hasNamePattern(node)))
      .filter(([, node]) => typeof node.hint !== "string")
      .map(([at]) => at);
    assert.deepEqual(hintless, []);
  });
});

const hasNamePattern = (node: Record<string, unknown>) => Object.keys((node.patternProperties ?? {}) as object).some((pattern) => pattern.startsWith("^[a-zA-Z0-9"));
