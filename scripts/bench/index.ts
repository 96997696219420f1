// `npm run bench -- NAME [--json] [options]`: runs scripts/bench/NAME.ts.
// Each benchmark prints a table and, with --json, one JSON object on its last line.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const [name, ...rest] = process.argv.slice(2);
const dir = import.meta.dirname;
const available = readdirSync(dir)
  .filter((f) => f.endsWith(".ts") && f !== "index.ts" && !f.startsWith("_"))
  .map((f) => f.slice(0, -3));
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- NAME [--json]\navailable: ${available.join(", ")}`);
  process.exit(2);
}
const file = join(dir, `${name}.ts`);
if (!existsSync(file)) process.exit(2);
// Ctrl-C ends the run through process.exit, so exit handlers stop the child nodes it started.
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(130));
const bench = (await import(file)) as { main(args: string[]): Promise<void> };
await bench.main(rest);
