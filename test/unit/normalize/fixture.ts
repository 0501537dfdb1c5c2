// Test helper: normalises (and checks) a compose file written as YAML, locating errors in it as the loader does.
import assert from "node:assert/strict";
import { UserError, type Warning } from "../../../src/compose/errors.js";
import { check } from "../../../src/compose/check.js";
import type { Project, Service } from "../../../src/compose/model.js";
import { normalize, type NormalizeContext } from "../../../src/compose/normalize.js";
import { parseCompose } from "../../../src/compose/parse.js";

export interface Fixture {
  /** the shell variables */
  env?: Record<string, string>;
  /** files `readFile` can read, by absolute path */
  files?: Record<string, string>;
  warnings?: Warning[];
  /** also run the semantic checks on the result, as the loader does */
  check?: boolean;
}

export function normalizeYaml(text: string, fixture: Fixture = {}): Project {
  const [parsed] = parseCompose("compose.yaml", text);
  const ctx: NormalizeContext = {
    projectName: "demo",
    projectDir: "/srv/demo",
    lookup: (name) => fixture.env?.[name],
    readFile: (path) => {
      const text = fixture.files?.[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" });
      return text;
    },
    locate: (path) => parsed!.positions.locate(path),
    warn: (w) => fixture.warnings?.push(w),
  };
  const project = normalize(parsed!.data, ctx);
  if (fixture.check) check(project, ctx);
  return project;
}

/** The normalised service `web` of a file that defines it. */
export function web(text: string, fixture?: Fixture): Service {
  return normalizeYaml(text, fixture).services.web!;
}

/** The UserError `run` throws. */
export function userError(run: () => unknown): UserError {
  try {
    run();
  } catch (err) {
    assert.ok(err instanceof UserError, `expected a UserError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected a UserError");
}
