import { createRequire } from "node:module";
import { defineConfig } from "hardhat/config";
import hardhatEthers from "@nomicfoundation/hardhat-ethers";

// No compiler downloads on these machines: use the solc-js builds shipped in npm packages.
const require = createRequire(import.meta.url);
const solc0830 = require.resolve("solc/soljson.js");
const solc0829 = require.resolve("solc0829/soljson.js");

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
      {
        // Only for the peer benchmark (EAS contracts pin 0.8.29).
        version: "0.8.29",
        path: solc0829,
        settings: { optimizer: { enabled: true, runs: 1_000_000 }, evmVersion: EVM_VERSION },
      },
    ],
    npmFilesToBuild: [
      "@ethereum-attestation-service/eas-contracts/contracts/EAS.sol",
      "@ethereum-attestation-service/eas-contracts/contracts/SchemaRegistry.sol",
    ],
  },
  networks: {
    default: { type: "edr-simulated", chainType: "l1", hardfork: EVM_VERSION },
  },
});
