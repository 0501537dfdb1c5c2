// Injected into the CLI bundle (scripts/bundle-cli.js) in place of import.meta.url: the bundle's own location.
import { pathToFileURL } from "node:url";

export const bundleUrl = pathToFileURL(__filename).href;
