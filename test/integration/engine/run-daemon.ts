// `berth daemon` straight from the sources (tsx), so these tests need no build step. Arguments: --host URL ...
import { daemonCommand } from "../../../src/cli/daemon.js";
import { UserError } from "../../../src/compose/errors.js";

const args = process.argv.slice(2);
const host = args.flatMap((arg, i) => (args[i - 1] === "--host" ? [arg] : []));
try {
  await daemonCommand({ host });
} catch (err) {
  // Reported the way berth's main() reports user errors: the message alone, status 1.
  if (!(err instanceof UserError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exitCode = 1;
}
