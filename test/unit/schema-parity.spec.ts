// berth's schema must accept and refuse the same compose files as compose-go's, which Docker Compose validates with.
import { strict as assert } from "node:assert";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import { parse } from "yaml";
import { UserError } from "../../src/compose/errors.js";
import { parseCompose, type Dict, type ParsedFile } from "../../src/compose/parse.js";
import { validateSchema } from "../../src/compose/validate.js";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const fixtures = join(repo, "test", "fixtures");
const shared = join(repo, "..", "shared");
const referenceSchema = join(shared, "ref", "compose-spec.schema.compose-go.json");

type Schema = { properties: Record<string, unknown>; $defs: { service: { properties: Record<string, unknown> } } };
const ourSchema = parse(readFileSync(join(repo, "schemas", "compose.schema.yaml"), "utf8")) as Schema;

function composeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/** The documents of a fixture, or undefined when it does not parse (those test the parser, not the schema). */
function documents(file: string): ParsedFile[] | undefined {
  try {
    return parseCompose(file, readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

/** berth's verdict: "valid", or the error it gives. */
function ourVerdict(doc: ParsedFile): string {
  try {
    validateSchema(doc);
    return "valid";
  } catch (err) {
    if (err instanceof UserError) return `invalid (${err.message})`;
    throw err;
  }
}

function referenceVerdict(validate: ValidateFunction, doc: ParsedFile): string {
  if (validate(doc.data)) return "valid";
  const [first] = validate.errors!;
  return `invalid (${first.instancePath || "/"}: ${first.message})`;
}

const isValid = (verdict: string) => verdict === "valid";

/** Each service key, and each other top-level key, as a document of its own. */
function pieces(data: Dict): Dict[] {
  const services = Object.entries((data.services ?? {}) as Record<string, Dict>);
  const serviceKeys = services.flatMap(([name, service]) => Object.entries(service).map(([key, value]) => ({ services: { [name]: { [key]: value } } })));
  const others = Object.entries(data).filter(([key]) => key !== "services");
  return [...serviceKeys, ...others.map(([key, value]) => ({ [key]: value }))];
}

describe("schema parity with compose-go", function () {
  let reference: ValidateFunction;

  before(function () {
    if (!existsSync(shared)) {
      console.log(`    skipped: ${shared} is absent, so compose-go's schema is not available to compare with`);
      this.skip();
    }
    const schema = JSON.parse(readFileSync(referenceSchema, "utf8")) as object;
    reference = new Ajv2020({ strict: false, allErrors: true }).compile(schema);
  });

  // files that do not parse test the parser, not the schema: there is no verdict to compare
  const parsed = composeFiles(fixtures).flatMap((file) => {
    const docs = documents(file);
    return docs ? [{ name: relative(fixtures, file), docs }] : [];
  });
  for (const { name, docs } of parsed) {
    it(`gives compose-go's verdict on ${name}`, () => {
      docs.forEach((doc, i) => {
        const ours = ourVerdict(doc);
        const theirs = referenceVerdict(reference, doc);
        const where = docs.length > 1 ? `${name} (document ${i + 1})` : name;
        assert.equal(isValid(ours), isValid(theirs), `${where}: berth says ${ours}, compose-go says ${theirs}`);
      });
    });
  }

  it("gives compose-go's verdict on every one-value change to the valid schema fixtures", () => {
    // each value is wrong somewhere and right elsewhere; together they reach the corners no fixture spells out
    const replacements: unknown[] = [null, 1.5, -1, 150, "x", true, [], {}, ["a", "a"], { "bad key": 1 }, { a: [1] }, { soft: 1 }];
    const mismatches: string[] = [];
    const compare = (doc: ParsedFile, change: string) => {
      const ours = ourVerdict(doc);
      const theirs = referenceVerdict(reference, doc);
      if (isValid(ours) !== isValid(theirs)) mismatches.push(`${change}: berth says ${ours}, compose-go says ${theirs}`);
    };
    const mutate = (doc: ParsedFile, node: unknown, path: string) => {
      if (!node || typeof node !== "object") return;
      const holder = node as Record<string, unknown>;
      for (const [key, original] of Object.entries(holder)) {
        for (const value of replacements) {
          holder[key] = structuredClone(value);
          compare(doc, `${path}.${key} = ${JSON.stringify(value)}`);
        }
        holder[key] = original;
        mutate(doc, original, `${path}.${key}`);
      }
      if (!Array.isArray(node)) {
        holder.zzz = 1;
        compare(doc, `${path}.zzz added`);
        delete holder.zzz;
      }
    };
    for (const file of composeFiles(join(fixtures, "schema", "valid"))) {
      for (const doc of documents(file)!) {
        // one service key or top-level key at a time: small documents keep the thousands of checks fast
        for (const data of pieces(doc.data)) mutate({ ...doc, data }, data, relative(fixtures, file));
      }
    }
    assert.deepEqual(mismatches, []);
  });

  it("knows the same top-level and service keys", () => {
    const theirs = JSON.parse(readFileSync(referenceSchema, "utf8")) as Schema;
    const keys = (schema: Schema) => ({ topLevel: Object.keys(schema.properties).sort(), service: Object.keys(schema.$defs.service.properties).sort() });
    assert.deepEqual(keys(ourSchema), keys(theirs));
  });
});

describe("schema fixtures", () => {
  const ownFixtures = join(fixtures, "schema");

  for (const file of composeFiles(ownFixtures)) {
    const name = relative(ownFixtures, file);
    const expected = name.split(sep)[0]; // the folder says which verdict the file is for
    it(`finds ${name} ${expected}`, () => {
      for (const doc of documents(file)!) assert.equal(isValid(ourVerdict(doc)), expected === "valid", ourVerdict(doc));
    });
  }

  it("use every top-level and service key", () => {
    const used = { topLevel: new Set<string>(), service: new Set<string>() };
    for (const file of composeFiles(join(ownFixtures, "valid"))) {
      for (const { data } of documents(file)!) {
        Object.keys(data).forEach((key) => used.topLevel.add(key));
        for (const service of Object.values((data.services ?? {}) as Record<string, object>)) {
          Object.keys(service).forEach((key) => used.service.add(key));
        }
      }
    }
    assert.deepEqual(Object.keys(ourSchema.properties).filter((key) => !used.topLevel.has(key)), [], "top-level keys no valid fixture uses");
    assert.deepEqual(Object.keys(ourSchema.$defs.service.properties).filter((key) => !used.service.has(key)), [], "service keys no valid fixture uses");
  });
});
