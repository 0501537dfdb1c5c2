#!/usr/bin/env -S node --
// `--`: Node would otherwise take berth's own `--env-file` option for its own (nodejs/node#54232).
// Thin launcher: the CLI is compiled to dist/ by `npm install` (prepare) so start-up never pays for a TS compiler.
import { main } from "../dist/cli/main.js";
process.exitCode = await main(process.argv.slice(2));
