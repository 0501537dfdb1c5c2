#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm install` (prepare) so start-up never pays for a TS compiler.
import { main } from "../dist/cli/main.js";
process.exitCode = await main(process.argv.slice(2));
