// `npm run backup -- [--out FOLDER]`: a backup of the embedded system in DATA_DIR (default .data):
// its database, chain state, deployment, code keys and secrets, into a new folder
// FOLDER/onecode-backup-<time>/ (default ~/onecode-backups, outside the repository: it holds the
// secrets). The system must be stopped (it is refused, naming the running instance, otherwise);
// see scripts/lib/backup.ts. With a PostgreSQL server (DATABASE_URL) the database is the
// server's to back up: README "Backup and restore".
// Exit 0 done, 1 refused (nothing written), 2 usage.
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { backup, BackupRefused, describeState } from "./lib/backup.ts";
import { REPO_ROOT } from "./lib/deployment.ts";
import { readSecrets } from "./lib/secrets.ts";

const USAGE = "usage: npm run backup -- [--out FOLDER]   (the data folder: DATA_DIR, default .data)";

export async function main(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args, options: { out: { type: "string" }, help: { type: "boolean" } }, strict: true }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const dataDir = resolve(env.DATA_DIR ?? join(REPO_ROOT, ".data"));
  const settings = { ...(readSecrets(join(dataDir, "secrets.env")) ?? {}), ...env };
  if (settings.DATABASE_URL) {
    console.error(
      "npm run backup: DATABASE_URL is set: the database is a PostgreSQL server's, backed up with its own tools " +
        '(pg_dump --format=custom, or a base backup), together with the secrets and keys: README "Backup and restore".',
    );
    return 2;
  }
  const outDir = resolve(values.out ?? join(homedir(), "onecode-backups"));
  try {
    const { folder, manifest } = await backup(dataDir, outDir, settings);
    console.log(`backed up ${dataDir} into ${folder}`);
    console.log(`  ${describeState(manifest.state)}`);
    console.log(`  ${manifest.files.length} files, ${(manifest.files.reduce((n, f) => n + f.size, 0) / 1e6).toFixed(1)} MB (SHA-256 of each in manifest.json)`);
    if (manifest.chainBehindDatabase) {
      console.log(
        `  WARNING: the chain state (block ${manifest.state.chainBlock}) is older than the database's chain writes (block ${manifest.state.databaseBlock}): ` +
          "the chain node was killed rather than stopped, so its last blocks were never written. The backup holds what the folder holds; the audit will name what is missing.",
      );
    }
    for (const item of manifest.notIncluded) console.log(`  not included (outside DATA_DIR): ${item}`);
    console.log("  It holds the secrets and keys: keep it as safe as they are. Restore with: npm run restore -- " + folder);
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
