// `npm run restore -- BACKUP_FOLDER [--force]`: puts a backup made by `npm run backup` back into
// DATA_DIR (default .data). Every file is checked against the backup's manifest first, the copy
// is opened and compared with the state the backup recorded before it replaces anything, and a
// running system is never written over. A folder that holds data is only replaced with --force,
// and then moved aside (DATA_DIR.before-restore-<time>), never deleted. See scripts/lib/backup.ts.
// Exit 0 done, 1 refused (nothing changed), 2 usage.
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { BackupRefused, describeState, restore } from "./lib/backup.ts";
import { REPO_ROOT } from "./lib/deployment.ts";

const USAGE = "usage: npm run restore -- BACKUP_FOLDER [--force]   (into DATA_DIR, default .data)";

export async function main(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { force: { type: "boolean", default: false }, help: { type: "boolean" } }, allowPositionals: true, strict: true });
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (parsed.values.help) {
    console.log(USAGE);
    return 0;
  }
  if (parsed.positionals.length !== 1) {
    console.error(USAGE);
    return 2;
  }
  if (env.DATABASE_URL) {
    console.error('npm run restore: DATABASE_URL is set: restore the PostgreSQL server with pg_restore (README "Backup and restore"), not over it.');
    return 2;
  }
  const dataDir = resolve(env.DATA_DIR ?? join(REPO_ROOT, ".data"));
  try {
    const { manifest, movedAside, state } = await restore(resolve(parsed.positionals[0]!), dataDir, { force: parsed.values.force });
    console.log(`restored the backup of ${manifest.createdAt} into ${dataDir}`);
    console.log(`  ${describeState(state)} (as backed up)`);
    if (movedAside) console.log(`  the folder that was there is now ${movedAside}`);
    if (manifest.chainBehindDatabase) console.log("  WARNING: this backup's chain state was older than its database (see npm run backup's warning)");
    for (const item of manifest.notIncluded) console.log(`  not in the backup (restore it yourself): ${item}`);
    console.log(`  Start it with DATA_DIR=${dataDir} npm start, then check it with npm run audit.`);
    return 0;
  } catch (error) {
    if (error instanceof BackupRefused) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
