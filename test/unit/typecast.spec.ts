import assert from "node:assert/strict";
import { ValueError } from "../../src/compose/errors.js";
import { castAt } from "../../src/compose/typecast.js";

const at = (dotted: string) => dotted.split(".").map((part) => (/^\d+$/.test(part) ? Number(part) : part));

function cast(dotted: string, text: string): { value: unknown; warnings: string[] } {
  const warnings: string[] = [];
  const castTo = castAt(at(dotted));
  const value = castTo ? castTo(text, (message) => warnings.push(message)) : text;
  return { value, warnings };
}

describe("castAt", () => {
  describe("casts", () => {
    const cases: [string, string, boolean | number][] = [
      ["services.web.tty", "true", true],
      ["services.web.read_only", "FALSE", false],
      ["services.web.init", "True", true],
      ["services.web.stdin_open", "false", false],
      ["services.web.privileged", "true", true],
      ["services.web.healthcheck.disable", "true", true],
      ["services.web.depends_on.db.required", "false", false],
      ["services.web.volumes.0.read_only", "true", true],
      ["services.web.volumes.1.volume.nocopy", "true", true],
      ["services.web.build.no_cache", "true", true],
      ["networks.front.external", "true", true],
      ["networks.front.enable_ipv6", "false", false],
      ["volumes.data.external", "true", true],
      ["secrets.key.external", "false", false],
      ["configs.conf.external", "true", true],
      ["services.web.ports.0.target", "80", 80],
      ["services.web.deploy.replicas", "3", 3],
      ["services.web.scale", "+2", 2],
      ["services.web.healthcheck.retries", "5", 5],
      ["services.web.ulimits.nproc", "65535", 65535],
      ["services.web.ulimits.nofile.soft", "1024", 1024],
      ["services.web.ulimits.nofile.hard", "2048", 2048],
      ["services.web.oom_score_adj", "-500", -500],
      ["services.web.mem_swappiness", "60", 60],
      ["services.web.cpus", "1.5", 1.5],
      ["services.web.cpus", ".5", 0.5],
      ["services.web.cpus", "2", 2],
      ["services.web.deploy.resources.limits.cpus", "0.25", 0.25],
      ["services.web.deploy.update_config.max_failure_ratio", "1e-1", 0.1],
    ];
    for (const [path, text, expected] of cases) {
      it(`${path}: ${JSON.stringify(text)} → ${expected}`, () => {
        const { value, warnings } = cast(path, text);
        assert.equal(value, expected);
        assert.deepEqual(warnings, []);
      });
    }
  });

  describe("takes YAML 1.1 booleans, with a warning", () => {
    const cases: [string, boolean][] = [
      ["yes", true],
      ["Y", true],
      ["on", true],
      ["no", false],
      ["n", false],
      ["OFF", false],
    ];
    for (const [text, expected] of cases) {
      it(`${JSON.stringify(text)} → ${expected}`, () => {
        assert.deepEqual(cast("services.web.tty", text), {
          value: expected,
          warnings: [`"${text}" is not a YAML 1.2 boolean; write ${expected} instead`],
        });
      });
    }
  });

  describe("leaves strings where the schema wants a string", () => {
    const cases: [string, string][] = [
      ["services.web.image", "true"],
      ["services.web.ports.0", "80"],
      ["services.web.ports.0.published", "8000-8010"],
      ["services.web.volumes.0", "data:/data"],
      ["services.web.mem_limit", "512m"],
      ["services.web.stop_grace_period", "10s"],
      ["services.web.secrets.0.mode", "0440"],
      ["services.web.environment.DEBUG", "true"],
      ["services.web.labels.replicas", "3"],
      ["x-defaults.tty", "true"],
      ["networks.front.external.name", "true"],
    ];
    for (const [path, text] of cases) {
      it(`${path}: ${JSON.stringify(text)}`, () => assert.equal(cast(path, text).value, text));
    }
  });

  describe("refuses", () => {
    const cases: [string, string, string][] = [
      ["services.web.tty", "maybe", 'invalid boolean "maybe" (use true or false)'],
      ["services.web.tty", "1", 'invalid boolean "1" (use true or false)'],
      ["services.web.deploy.replicas", "1.5", 'invalid integer "1.5" (use a whole number, e.g. 3)'],
      ["services.web.deploy.replicas", "", 'invalid integer "" (use a whole number, e.g. 3)'],
      ["services.web.ports.0.target", "0x50", 'invalid integer "0x50" (use a whole number, e.g. 3)'],
      ["services.web.ports.0.target", " 80", 'invalid integer " 80" (use a whole number, e.g. 3)'],
      ["services.web.cpus", "half", 'invalid number "half" (use e.g. 1.5)'],
    ];
    for (const [path, text, message] of cases) {
      it(`${path}: ${JSON.stringify(text)}`, () => {
        assert.throws(() => cast(path, text), (err: unknown) => err instanceof ValueError && err.message === message);
      });
    }
  });
});
