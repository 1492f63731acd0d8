import assert from "node:assert/strict";
import { OptionError } from "./errors.ts";
import type { Method } from "./method.ts";
import {
  getMethod,
  listMethods,
  parseOptFlags,
  parseOptionValue,
  resolveOptions,
} from "./registry.ts";

const demo: Method = {
  name: "demo",
  description: "",
  params: 0,
  options: {
    n: { type: "number", default: 1, description: "" },
    flag: { type: "boolean", default: false, description: "" },
    mode: { type: "string", default: "a", description: "", choices: ["a", "b"] },
    free: { type: "string", default: "", description: "" },
  },
  train: () => Promise.reject(new Error("unused")),
};
const entries = listMethods([{ default: demo, FAST_PROFILE: { n: 2 } }]);

Deno.test("registry lists the built-in methods with unique names", () => {
  const names = listMethods().map((e) => e.method.name);
  assert.ok(names.includes("classical") && names.includes("color-transfer"), names.join());
  assert.equal(new Set(names).size, names.length);
  assert.deepEqual(getMethod("color-transfer").fastProfile, { stride: 4 });
  assert.throws(() => listMethods([{ default: demo }, { other: demo }]), /twice/);
  assert.throws(() => listMethods([{ nothing: 1 }]), /exports no Method/);
});

Deno.test("getMethod: unknown names list the known ones", () => {
  assert.equal(getMethod("demo", entries).method, demo);
  assert.throws(
    () => getMethod("nope", entries),
    (e) => e instanceof OptionError && /unknown method 'nope' \(known: demo\)/.test(e.message),
  );
});

Deno.test("option values are typed by their spec", () => {
  const o = demo.options;
  assert.equal(parseOptionValue(o.n, "2.5", "x"), 2.5);
  assert.equal(parseOptionValue(o.flag, "yes", "x"), true);
  assert.equal(parseOptionValue(o.flag, "0", "x"), false);
  assert.equal(parseOptionValue(o.mode, "b", "x"), "b");
  assert.equal(parseOptionValue(o.free, "a=b.c", "x"), "a=b.c");
  assert.throws(() => parseOptionValue(o.n, "abc", "--opt demo.n"), /--opt demo.n: expected a num/);
  assert.throws(() => parseOptionValue(o.n, "", "x"), /expected a number/);
  assert.throws(() => parseOptionValue(o.flag, "maybe", "x"), /true or false/);
  assert.throws(() => parseOptionValue(o.mode, "c", "x"), /'c' is not one of a, b/);
});

Deno.test("parseOptFlags and resolveOptions: defaults < profile < --opt", () => {
  const flags = parseOptFlags(["demo.n=3", "demo.free=x=y", "demo.flag=true"], entries);
  assert.deepEqual(flags.get("demo"), { n: 3, free: "x=y", flag: true });
  assert.deepEqual(resolveOptions(demo, entries[0].fastProfile, {}), {
    n: 2,
    flag: false,
    mode: "a",
    free: "",
  });
  assert.deepEqual(resolveOptions(demo, { n: 2 }, flags.get("demo")), {
    n: 3,
    flag: true,
    mode: "a",
    free: "x=y",
  });
  assert.throws(() => parseOptFlags(["demo"], entries), /not method.key=value/);
  assert.throws(() => parseOptFlags(["x.n=1"], entries), /unknown method 'x'/);
  assert.throws(() => parseOptFlags(["demo.zz=1"], entries), /unknown option \(known: n, flag/);
  assert.throws(() => resolveOptions(demo, { zz: 1 }), /profile demo.zz: the method has no/);
  assert.throws(() => resolveOptions(demo, { n: "1" }), /expected a number/);
});
