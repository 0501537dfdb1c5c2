// The berth CLI straight from the sources (tsx), for tests that must not wait for a build.
import { main } from "../../../src/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
