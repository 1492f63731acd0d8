// Every command the documentation shows runs as written on a Node-only machine: each
// `npx -y deno@2.9.6 task …` / `run …` in README.md, docs/**/*.md and the folders' README files is
// run with `--help` appended (so its options are parsed as written) and must exit 0 with a usage
// text; a bare `deno task` / `deno run` (no `npx -y deno@2.9.6`) fails the test. The files are
// found by walking the repository, so documents added later are covered too.
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const PREFIX = "npx -y deno@2.9.6 ";
const SKIP_DIRS = new Set(["node_modules", "out", ".git", ".cache", "testdata"]);

/** Markdown files under the repository, skipping build output and dependencies. */
export async function markdownFiles(root = ROOT): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(dir)) {
      if (e.isDirectory && !SKIP_DIRS.has(e.name) && !e.name.startsWith(".")) {
        await walk(join(dir, e.name));
      } else if (e.isFile && e.name.endsWith(".md")) out.push(join(dir, e.name));
    }
  };
  await walk(root);
  return out.sort();
}

/** A command found in a document. */
export interface DocCommand {
  /** Document and line, for messages. */
  readonly where: string;
  /** The command as written, without the `npx -y deno@2.9.6 ` prefix. */
  readonly command: string;
}

/** Cuts a shell line at a comment, a pipe, a redirect or a command separator. */
function cutShell(line: string): string {
  let out = "";
  let quote = "";
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = "";
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "#" && (i === 0 || /\s/.test(line[i - 1]))) break;
    else if (c === "|" && /\s/.test(line[i - 1] ?? " ") && /\s/.test(line[i + 1] ?? " ")) break;
    else if (c === ">" || c === ";" || (c === "&" && line[i + 1] === "&")) break;
    out += c;
  }
  return out.trim();
}

/**
 * The commands of one Markdown text: lines of fenced code blocks and inline code spans that hold
 * `npx -y deno@2.9.6 …`, plus the bare `deno task|run …` ones (returned in `bare`).
 */
export function extractCommands(
  text: string,
  file: string,
): { commands: DocCommand[]; bare: DocCommand[] } {
  const commands: DocCommand[] = [];
  const bare: DocCommand[] = [];
  const take = (snippet: string, where: string) => {
    const s = snippet.replace(/^\$\s+/, "").trim();
    const at = s.indexOf(PREFIX);
    if (at >= 0) {
      commands.push({ where, command: cutShell(s.slice(at + PREFIX.length)) });
    } else if (/^deno (task|run)\b/.test(s)) bare.push({ where, command: cutShell(s) });
  };
  let fence: string | undefined;
  // Prose is scanned a paragraph at a time: an inline code span may wrap onto the next line.
  let para: { start: number; lines: string[] } | undefined;
  const flush = () => {
    if (!para) return;
    const joined = para.lines.join(" ");
    const starts: number[] = [];
    para.lines.reduce((at, l) => (starts.push(at), at + l.length + 1), 0);
    for (const m of joined.matchAll(/`([^`]+)`/g)) {
      const line = para.start + starts.filter((st) => st <= m.index!).length;
      take(m[1].replace(/\s+/g, " "), `${file}:${line}`);
    }
    para = undefined;
  };
  text.split("\n").forEach((line, i) => {
    const where = `${file}:${i + 1}`;
    const f = line.match(/^\s*(```+|~~~+)\s*(\S*)/);
    if (f) {
      flush();
      fence = fence === undefined ? (f[2] || "sh") : undefined;
      return;
    }
    if (fence !== undefined) {
      // Code blocks in other languages (ts, json, text trees) are not shell.
      if (["sh", "bash", "shell", "console", "text"].includes(fence)) take(line, where);
      return;
    }
    if (line.trim() === "") return flush();
    if (!para) para = { start: i, lines: [] };
    para.lines.push(line);
  });
  flush();
  return { commands, bare };
}

/** Splits a command into arguments (simple shell quoting), dropping `[optional]` placeholders. */
export function commandArgs(command: string): string[] {
  const s = command.replace(/\[[^\]]*\]/g, " ").replace(/\s…\s?/g, " ");
  const out: string[] = [];
  for (const m of s.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)) {
    const a = m[1] ?? m[2] ?? m[3];
    if (a === "…" || a === "...") continue;
    out.push(a);
  }
  return out;
}

Deno.test("docs: the command extractor finds fenced and inline commands and flags bare deno", () => {
  const md = [
    "Run `npx -y deno@2.9.6 task bench --seeds 2` or `deno task",
    "bench`.",
    "```sh",
    "npx -y deno@2.9.6 task score --pred p.zip --gt g   # scores",
    "deno run -A leaderboard/admin.ts token create --team x",
    "npx -y deno@2.9.6 task fixtures --out d | tail -1",
    "```",
    "```ts",
    'const s = "npx -y deno@2.9.6 task ignored";',
    "```",
  ].join("\n");
  const { commands, bare } = extractCommands(md, "x.md");
  assert.deepEqual(commands.map((c) => c.command), [
    "task bench --seeds 2",
    "task score --pred p.zip --gt g",
    "task fixtures --out d",
  ]);
  assert.deepEqual(bare.map((c) => c.where), ["x.md:1", "x.md:5"]);
  assert.deepEqual(commandArgs("task serve [--port N] --data 'a b' …"), [
    "task",
    "serve",
    "--data",
    "a b",
  ]);
});

Deno.test("docs: every deno.json task has a description", async () => {
  const cfg = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
  const missing = Object.entries(cfg.tasks as Record<string, unknown>)
    .filter(([, t]) =>
      typeof t !== "object" || t === null ||
      typeof (t as { description?: unknown }).description !== "string" ||
      ((t as { description: string }).description.trim() === "")
    ).map(([k]) => k);
  assert.deepEqual(missing, [], "tasks without a description");
});

Deno.test({
  name: "docs: every documented command runs as written with --help (exit 0, usage text)",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const cfg = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
    const tasks = cfg.tasks as Record<string, { command: string } | string>;
    const all: DocCommand[] = [];
    const bare: DocCommand[] = [];
    for (const file of await markdownFiles()) {
      const r = extractCommands(await Deno.readTextFile(file), relative(ROOT, file));
      all.push(...r.commands);
      bare.push(...r.bare);
    }
    assert.deepEqual(
      bare.map((b) => `${b.where}: ${b.command}`),
      [],
      `bare deno commands fail on a Node-only machine; write ${PREFIX}…`,
    );
    assert.ok(all.length >= 10, `only ${all.length} commands found in the docs`);
    const unique = new Map<string, DocCommand>();
    for (const c of all) {
      const args = commandArgs(c.command);
      if (args[0] !== "task" && args[0] !== "run") continue; // deno's own tools (fmt, test …)
      if (args[0] === "task" && args.length === 1) {
        // `npx -y deno@2.9.6 task` alone lists the tasks.
        const r = await new Deno.Command(Deno.execPath(), {
          args: ["task"],
          cwd: ROOT,
          env: { NO_COLOR: "1" },
          stdout: "piped",
          stderr: "piped",
        }).output();
        const text = new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr);
        assert.equal(r.code, 0, `${c.where}: task listing failed\n${text}`);
        assert.match(text, /Available tasks/);
        continue;
      }
      if (args[0] === "task") {
        const t = tasks[args[1]];
        assert.ok(t !== undefined, `${c.where}: no task '${args[1]}' in deno.json`);
        const cmd = typeof t === "string" ? t : t.command;
        // Tasks that are deno's own tools (test, fmt/lint/check) have no usage text of ours.
        if (!cmd.startsWith("deno run")) continue;
      }
      const key = args.join("\u0000");
      if (!unique.has(key)) unique.set(key, c);
    }
    const failures: string[] = [];
    const queue = [...unique.values()];
    const worker = async () => {
      for (let c = queue.shift(); c; c = queue.shift()) {
        const args = [...commandArgs(c.command), "--help"];
        if (args[0] === "task") args.splice(1, 0, "-q");
        const r = await new Deno.Command(Deno.execPath(), {
          args,
          cwd: ROOT,
          env: { NO_COLOR: "1" },
          stdout: "piped",
          stderr: "piped",
          signal: AbortSignal.timeout(120_000),
        }).output();
        const text = new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr);
        if (r.code !== 0 || !/usage/i.test(text) || /\n\s+at .*:\d+:\d+/.test(text)) {
          failures.push(
            `${c.where}: ${PREFIX}${c.command} --help → exit ${r.code}\n${text.slice(0, 600)}`,
          );
        }
      }
    };
    await Promise.all([worker(), worker(), worker()]);
    assert.deepEqual(failures, [], `${failures.length} of ${unique.size} commands failed`);
  },
});
