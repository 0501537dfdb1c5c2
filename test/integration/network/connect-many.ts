// Test helper, run as its own process inside the test's throwaway netns (so the test can kill -9 it):
// connects the given containers to network "crash" all at once, printing each one as it is connected.
//   connect-many.ts <berth root> <dir of namespace files, one per container: c0, c1, ...> <container id>...
import { join } from "node:path";
import { Rtnl } from "../../../src/runtime/network/netlink.js";
import { NetworkService } from "../../../src/runtime/network/service.js";

const [root, namespaces, ...containerIds] = process.argv.slice(2) as [string, string, ...string[]];
const networks = await NetworkService.open({ root, rtnl: Rtnl.open(), resolvConf: "/nonexistent" });
await Promise.all(
  containerIds.map(async (containerId, i) => {
    const settings = await networks.connect("crash", { containerId, containerName: `c${i}`, netnsPath: join(namespaces, `c${i}`) });
    process.stdout.write(`connected c${i} ${settings.IPAddress}\n`);
  }),
);
