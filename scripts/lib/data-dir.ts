// Which data folder a command works on, and its secrets, for the commands that only use a
// running system's data (`npm run token`, `npm run import`): never a new secrets file. Only
// `npm start` creates DATA_DIR/secrets.env; a second one would hold other keys, and a token or
// an import made with them would not fit the running system.
//   DATA_DIR set          that folder;
//   DATA_DIR unset        .data in the repository when it has secrets, else the data folder of
//                         the one system running on this machine (api/src/db/lock.ts lists them);
// and the secrets come from the environment over that folder's secrets.env.
import { join, resolve } from "node:path";
import { describeHolder, runningInstances } from "../../api/src/db/lock.ts";
import { REPO_ROOT } from "./deployment.ts";
import { readSecrets } from "./secrets.ts";

export class SetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SetupError";
  }
}

export interface CommandEnvironment {
  dataDir: string;
  /** The environment over the secrets file, DATA_DIR set. */
  env: Record<string, string | undefined>;
  /** How the folder was found, for the user. */
  how: "DATA_DIR" | "default" | "running";
}

/**
 * The data folder and environment of `command`; throws SetupError saying exactly what to set
 * when `required` variables are neither in the environment nor in a secrets file.
 */
export function commandEnvironment(
  command: string,
  required: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  defaultDir = join(REPO_ROOT, ".data"),
): CommandEnvironment {
  let dataDir: string;
  let how: CommandEnvironment["how"];
  if (env.DATA_DIR) {
    dataDir = resolve(env.DATA_DIR);
    how = "DATA_DIR";
  } else {
    dataDir = defaultDir;
    how = "default";
    if (!readSecrets(join(dataDir, "secrets.env"))) {
      const running = runningInstances();
      if (running.length === 1) {
        dataDir = running[0]!.dataDir;
        how = "running";
      } else if (running.length > 1) {
        throw new SetupError(
          `${command}: DATA_DIR is not set and ${running.length} systems run on this machine; set DATA_DIR to the data folder of one of them:\n` +
            running.map((r) => `  DATA_DIR=${r.dataDir}   (${describeHolder(r)})`).join("\n"),
        );
      }
    }
  }
  const file = join(dataDir, "secrets.env");
  const values = readSecrets(file) ?? {};
  const merged: Record<string, string | undefined> = { ...values, ...env, DATA_DIR: dataDir };
  const missing = required.filter((name) => !merged[name]);
  if (missing.length > 0) {
    throw new SetupError(
      `${command}: no secrets file at ${file}${how === "DATA_DIR" ? "" : " and no running system found"}, and ${missing.join(", ")} not set.\n` +
        "Start the system first (npm start creates the secrets), or set DATA_DIR to the data folder of the running system " +
        `(npm start prints it as "data"), or set ${missing.join(", ")} in the environment. No new secrets file is created.`,
    );
  }
  return { dataDir, env: merged, how };
}
