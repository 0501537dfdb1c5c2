// Compiles schemas/compose.schema.yaml into a standalone validator module, build/compose-schema.cjs.
// Compiling the schema with ajv takes a few hundred milliseconds, so it happens here, once, instead of
// in every berth process. The module is CommonJS: it requires ajv's runtime helpers by extensionless paths,
// which only CommonJS resolves.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import Ajv2020 from "ajv/dist/2020.js";
import standaloneCode from "ajv/dist/standalone/index.js";
import { parse } from "yaml";

const root = new URL("../", import.meta.url);
const schema = parse(readFileSync(new URL("schemas/compose.schema.yaml", root), "utf8"));

const ajv = new Ajv2020({
  allErrors: true, // src/compose/validate.ts picks the most relevant error from all of them
  verbose: true, // errors carry their schema (allowed keys, hints) and the offending value
  allowUnionTypes: true,
  inlineRefs: false, // one function per $defs entry: a smaller module that loads and first runs faster
  keywords: ["hint"],
  code: { source: true },
});
const code = standaloneCode(ajv, ajv.compile(schema));

mkdirSync(new URL("build/", root), { recursive: true });
writeFileSync(new URL("build/compose-schema.cjs", root), code);
// Its type, so that src/compose/validate.ts can import it (and the CLI bundle include it).
writeFileSync(
  new URL("build/compose-schema.d.cts", root),
  'import type { ValidateFunction } from "ajv";\ndeclare const validate: ValidateFunction;\nexport = validate;\n',
);
