/**
 * Test helper: runs a long command through runCommand, so the test can interrupt this process
 * and check that the command's process group dies with it. Argument: a scratch folder.
 * @module
 */
import { join } from "node:path";
import { runCommand } from "../process.ts";

const dir = Deno.args[0];
await runCommand({
  argv: ["/bin/sh", "-c", "sleep 300 & echo $! > gc.pid; echo $$ > leader.pid; wait"],
  cwd: dir,
  logFile: join(dir, "log.txt"),
  label: "long",
});
