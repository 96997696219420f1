import { createRequire } from "node:module";
import { defineConfig } from "hardhat/config";
import hardhatEthers from "@nomicfoundation/hardhat-ethers";

// No compiler downloads on these machines: use the solc-js builds shipped in npm packages.
const require = createRequire(import.meta.url);
const solc0830 = require.resolve("solc/soljson.js");

/** A module's path, or null when it is not installed. */
function installed(id: string): string | null {
  try {
    return require.resolve(id);
  } catch {
    return null;
  }
}

// The EAS peer of the gas benchmark (scripts/bench/gas.ts) and its compiler are devDependencies:
// a production install (`npm ci --omit=dev`, then `npm start` compiles on first start) has
// neither and builds only our contracts.
const solc0829 = installed("solc0829/soljson.js");
const easInstalled = solc0829 !== null && installed("@ethereum-attestation-service/eas-contracts/package.json") !== null;

/** EVM version current Hyperledger Besu runs (Prague is active on Besu 25.x). */
const EVM_VERSION = "prague";

export default defineConfig({
  plugins: [hardhatEthers],
  solidity: {
    compilers: [
      {
        version: "0.8.30",
        path: solc0830,
        settings: { optimizer: { enabled: true, runs: 10_000 }, evmVersion: EVM_VERSION },
      },
      // Only for the peer benchmark (EAS contracts pin 0.8.29).
      ...(easInstalled ? [{ version: "0.8.29", path: solc0829!, settings: { optimizer: { enabled: true, runs: 1_000_000 }, evmVersion: EVM_VERSION } }] : []),
    ],
    npmFilesToBuild: easInstalled
      ? ["@ethereum-attestation-service/eas-contracts/contracts/EAS.sol", "@ethereum-attestation-service/eas-contracts/contracts/SchemaRegistry.sol"]
      : [],
  },
  networks: {
    default: { type: "edr-simulated", chainType: "l1", hardfork: EVM_VERSION },
  },
});
