import assert from "node:assert/strict";
import { join } from "node:path";
import { CommandError, logTail, resolveProgram, runCommand } from "./process.ts";

/** True once a pid no longer runs (gone, or a zombie nobody reaps in a container). */
async function gone(pid: number, waitMs = 3000): Promise<boolean> {
  const t0 = performance.now();
  while (performance.now() - t0 < waitMs) {
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`).catch(() => undefined);
    if (stat === undefined || stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "isp-plugin-proc-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function failure(p: Promise<unknown>): Promise<CommandError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof CommandError, `expected a CommandError, got ${e}`);
    return e;
  }
  assert.fail("the command should have failed");
}

Deno.test("runCommand: stdout and stderr go to the log, cwd and env are the given ones", async () => {
  await withDir(async (dir) => {
    const log = join(dir, "log.txt");
    const r = await runCommand({
      argv: ["/bin/sh", "-c", 'echo "out $PWD $X"; echo err >&2'],
      cwd: dir,
      env: { X: "forty two" },
      logFile: log,
      label: "demo",
    });
    const text = await Deno.readTextFile(log);
    assert.match(text, new RegExp(`^out ${await Deno.realPath(dir)} forty two$`, "m"));
    assert.match(text, /^err$/m);
    assert.match(text, /\[demo: done in/);
    assert.ok(r.wallMs > 0);
  });
});

Deno.test("runCommand: a non-zero exit fails with the code and the log's tail", async () => {
  await withDir(async (dir) => {
    const log = join(dir, "log.txt");
    const e = await failure(runCommand({
      argv: ["/bin/sh", "-c", "for i in $(seq 1 30); do echo line$i; done; echo boom >&2; exit 3"],
      cwd: dir,
      logFile: log,
      label: "m train",
      tailLines: 5,
    }));
    assert.equal(e.kind, "exit");
    assert.match(e.message, /^m train exited with code 3 after [\d.]+ s; log: .*log\.txt/);
    assert.match(e.tail, /boom/);
    assert.ok(!e.tail.includes("line25"), "only the last lines are quoted");
    assert.equal(e.tail.split("\n").length, 5);
  });
});

Deno.test("runCommand: a missing program fails before anything runs", async () => {
  await withDir(async (dir) => {
    const log = join(dir, "log.txt");
    const e1 = await failure(runCommand({
      argv: ["no-such-program-isp-bench", "x"],
      cwd: dir,
      logFile: log,
      label: "render val",
    }));
    assert.equal(e1.kind, "not-found");
    assert.match(e1.message, /program 'no-such-program-isp-bench' not found on PATH/);
    const e2 = await failure(runCommand({
      argv: ["./missing.py"],
      cwd: dir,
      logFile: log,
      label: "train",
    }));
    assert.match(e2.message, /program '\.\/missing\.py' not found \(relative to /);
  });
});

Deno.test("resolveProgram: PATH lookup, relative paths, executables only", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "tool"), "#!/bin/sh\n");
    await Deno.writeTextFile(join(dir, "data"), "");
    await Deno.chmod(join(dir, "tool"), 0o755);
    await Deno.chmod(join(dir, "data"), 0o644);
    assert.equal(await resolveProgram("tool", "/", dir), join(dir, "tool"));
    assert.equal(await resolveProgram("./tool", dir, ""), join(dir, "tool"));
    assert.equal(await resolveProgram("data", "/", dir), undefined);
    assert.equal(await resolveProgram("sh", "/", "/nonexistent:/bin"), "/bin/sh");
  });
});

Deno.test("runCommand: on a timeout the whole process group dies, grandchildren included", async () => {
  await withDir(async (dir) => {
    const t0 = performance.now();
    const e = await failure(runCommand({
      // The grandchild ignores SIGTERM: only the group SIGKILL after the grace period ends it.
      argv: [
        "/bin/sh",
        "-c",
        "(trap '' TERM; exec sleep 300) & echo $! > gc.pid; sleep 300",
      ],
      cwd: dir,
      logFile: join(dir, "log.txt"),
      label: "train",
      timeLimitS: 0.5,
      graceS: 0.3,
    }));
    assert.equal(e.kind, "timeout");
    assert.match(
      e.message,
      /ran past the time limit of 0\.5 s \(timeLimitS\); process group killed/,
    );
    const gc = Number(await Deno.readTextFile(join(dir, "gc.pid")));
    assert.ok(gc > 0);
    assert.ok(await gone(gc), `grandchild ${gc} still running`);
    assert.ok(performance.now() - t0 < 10000);
  });
});

Deno.test("runCommand: children left behind by a successful program are killed", async () => {
  await withDir(async (dir) => {
    await runCommand({
      argv: ["/bin/sh", "-c", "sleep 300 & echo $! > gc.pid"],
      cwd: dir,
      logFile: join(dir, "log.txt"),
      label: "render val",
    });
    const gc = Number(await Deno.readTextFile(join(dir, "gc.pid")));
    assert.ok(await gone(gc), `grandchild ${gc} outlived its program`);
  });
});

Deno.test("runCommand: abort kills the group", async () => {
  await withDir(async (dir) => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const e = await failure(runCommand({
      argv: ["/bin/sh", "-c", "sleep 300 & echo $! > gc.pid; wait"],
      cwd: dir,
      logFile: join(dir, "log.txt"),
      label: "train",
      signal: ac.signal,
      graceS: 0.2,
    }));
    assert.equal(e.kind, "aborted");
    assert.ok(await gone(Number(await Deno.readTextFile(join(dir, "gc.pid")))));
  });
});

Deno.test({
  name: "runCommand: a group over its memory limit is killed (Linux /proc)",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    await withDir(async (dir) => {
      const e = await failure(runCommand({
        // 300 MiB actually written (not just reserved), then wait.
        argv: ["/usr/bin/python3", "-c", "import time; x = b'x' * (300 << 20); time.sleep(60)"],
        cwd: dir,
        logFile: join(dir, "log.txt"),
        label: "train",
        memoryLimitMb: 100,
        timeLimitS: 30,
      }));
      assert.equal(e.kind, "memory");
      assert.match(e.message, /used \d+ MiB, over the memory limit of 100 MiB \(memoryLimitMb\)/);
    });
  },
});

Deno.test("logTail: last lines of a long log, empty for a missing file", async () => {
  await withDir(async (dir) => {
    const f = join(dir, "l.txt");
    await Deno.writeTextFile(f, Array.from({ length: 10000 }, (_, i) => `row ${i}`).join("\n"));
    assert.equal(await logTail(f, 3), "row 9997\nrow 9998\nrow 9999");
    assert.equal(await logTail(join(dir, "none.txt")), "");
  });
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.test(`runCommand: ${signal} to the harness kills the running command's group`, async () => {
    await withDir(async (dir) => {
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          new URL("./testdata/interrupt_child.ts", import.meta.url).pathname,
          dir,
        ],
        stdout: "null",
        stderr: "null",
      }).spawn();
      const pidOf = (f: string) => Deno.readTextFile(join(dir, f)).then(Number, () => 0);
      const t0 = performance.now();
      while (!(await pidOf("gc.pid")) || !(await pidOf("leader.pid"))) {
        assert.ok(performance.now() - t0 < 30000, "the command never started");
        await new Promise((r) => setTimeout(r, 50));
      }
      child.kill(signal);
      const status = await child.status;
      assert.equal(status.code, signal === "SIGINT" ? 130 : 143);
      // Up to 10 s: under a parallel test run the kill and the reaping can lag; without the
      // harness's handler the group would live for the whole `sleep 300`.
      assert.ok(await gone(await pidOf("leader.pid"), 10_000), "the command outlived the harness");
      assert.ok(await gone(await pidOf("gc.pid"), 10_000), "its child outlived the harness");
    });
  });
}
