// The real docker CLI's `docker commit` and `docker diff` against berthd: a running container committed (paused
// meanwhile) with changes, the new image run; what diff shows; errors in the CLI's words.
// (--network none: these tests are about files and images, not networking.)
import assert from "node:assert/strict";
import { useDockerCli } from "./docker-cli.js";

describe("docker commit and docker diff against berthd (e2e)", function () {
  this.timeout(60_000);
  const { ok, docker } = useDockerCli();

  it("commits a running container with -c changes, -m and -a, and the image runs with them", () => {
    ok("run", "-d", "--network", "none", "--name", "src", "-e", "MODE=live", "busybox", "sh", "-c",
      "mkdir /app && echo made > /app/file && rm /etc/group && touch /tmp/ready && exec sleep 600");
    ok("exec", "src", "sh", "-c", "while [ ! -e /tmp/ready ]; do sleep 0.05; done");
    assert.equal(ok("diff", "src"), "A /app\nA /app/file\nC /etc\nD /etc/group\nC /tmp\nA /tmp/ready\n");
    const id = ok("commit", "-m", "from the CLI", "-a", "berth tests", "-c", "ENV PATH=$PATH:/app GREETING=hi", "-c", 'CMD ["sh", "-c", "echo $GREETING $MODE; cat /app/file; ls /etc/group 2>&1 || true"]', "-c", "EXPOSE 8080", "src", "committed:cli").trim();
    assert.match(id, /^sha256:[a-f0-9]{64}$/);
    assert.equal(ok("inspect", "-f", "{{.State.Status}}", "src").trim(), "running", "paused for the commit only");
    assert.equal(ok("image", "inspect", "-f", "{{.Id}} {{.Comment}} {{.Author}}", "committed:cli").trim(), `${id} from the CLI berth tests`);
    // The CLI sends no config: the changes see the container's variables (busybox's PATH=/bin).
    const config = JSON.parse(ok("image", "inspect", "-f", "{{json .Config}}", "committed:cli")) as { Env: string[]; ExposedPorts: object };
    assert.deepEqual(config.Env, ["PATH=/bin:/app", "MODE=live", "GREETING=hi"], "a variable set again keeps its place, as in dockerd");
    assert.deepEqual(config.ExposedPorts, { "8080/tcp": {} });
    assert.equal(ok("run", "--rm", "--network", "none", "committed:cli"), "hi live\nmade\nls: /etc/group: No such file or directory\n");
    ok("rm", "-f", "src");
    ok("rmi", "committed:cli");
  });

  it("commits a stopped container with --pause=false, untagged", () => {
    ok("run", "--network", "none", "--name", "done", "busybox", "sh", "-c", "echo kept > /kept");
    const id = ok("commit", "--pause=false", "done").trim();
    assert.equal(ok("run", "--rm", "--network", "none", id, "cat", "/kept"), "kept\n");
    ok("rm", "done");
    ok("rmi", id);
  });

  it("answers errors in dockerd's words", () => {
    const missing = docker("commit", "nope");
    assert.equal(missing.status, 1);
    assert.equal(missing.stderr.trim(), "Error response from daemon: No such container: nope");
    ok("create", "--network", "none", "--name", "idle", "busybox");
    const run = docker("commit", "-c", "RUN true", "idle");
    assert.equal(run.status, 1);
    assert.equal(run.stderr.trim(), "Error response from daemon: run is not a valid change command");
    ok("rm", "idle");
  });
});
