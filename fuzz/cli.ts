/**
 * `deno task fuzz [--cases N] [--seed S] [--json FILE]`: runs the seeded fuzz suite and prints its
 * figures (cases tried and handled, worst time, peak memory). Exit 1 when a case was not handled.
 * @module
 */
import { parseArgs } from "node:util";
import { runSuite } from "./suite.ts";

const USAGE = `usage: npx -y deno@2.9.6 task fuzz [options]

Feeds seeded hostile inputs (mutated PNG, JPEG, npy and zip files, score-CLI option sets) to the
harness, then a hostile HTTP probe set to a leaderboard app, and reports how many were handled:
a result or a clear error, within the time limit.

Options:
  --cases N      generated file and CLI cases (default 300; HTTP probes come on top)
  --seed S       seed (default 0); the same seed gives the same cases
  --json FILE    also write the figures as JSON
  -h, --help     this text

Exit codes: 0 every case handled, 1 some case was not (listed), 2 usage.
`;

async function main(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        cases: { type: "string", default: "300" },
        seed: { type: "string", default: "0" },
        json: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (e) {
    console.error(`error: ${(e as Error).message}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const cases = Number(values.cases);
  const seed = Number(values.seed);
  if (!Number.isInteger(cases) || cases < 5 || cases > 1_000_000) {
    console.error(
      `error: --cases: expected a whole number from 5 to 1000000, got '${values.cases}'`,
    );
    return 2;
  }
  if (!Number.isInteger(seed) || seed < 0) {
    console.error(`error: --seed: expected a non-negative whole number, got '${values.seed}'`);
    return 2;
  }
  const r = await runSuite({ cases, seed });
  for (const [fam, f] of Object.entries(r.families)) {
    console.log(
      `${fam.padEnd(5)} ${String(f.handled).padStart(6)}/${String(f.tried).padEnd(6)} handled ` +
        `(${f.accepted} accepted)  worst ${f.worstMs.toFixed(0)} ms  peak RSS ${
          f.peakRssMb.toFixed(0)
        } MiB`,
    );
  }
  console.log(
    `all   ${r.handled}/${r.tried} handled; worst ${r.worstMs.toFixed(0)} ms (${r.worstCase}); ` +
      `peak RSS ${r.peakRssMb.toFixed(0)} MiB`,
  );
  for (const f of r.failures) console.log(`NOT HANDLED ${f.name}: ${f.error}`);
  if (values.json) await Deno.writeTextFile(values.json, JSON.stringify(r, null, 2) + "\n");
  return r.failures.length === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
