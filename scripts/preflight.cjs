// Runs before `npm start`, `npm test`, `npm run bench|import|audit|token|keys|deploy|faults|backup|restore`
// (package.json's pre-scripts). Under a Node.js too old for the project, everything else fails
// with a message that does not name the cause (Node 20: ERR_UNKNOWN_FILE_EXTENSION ".ts"; Node 23
// and 22 before 22.18 silently skip `import.meta.main` entry points), so this says which Node
// is needed and how to get it, and exits 1 before any of that runs.
//
// CommonJS and old syntax on purpose (var, no `?.`/`??`, no template literals): it must parse
// on any Node that can run npm.
"use strict";

// What the code needs (see README "Requirements"):
//   - TypeScript entry points run by `node file.ts`: type stripping on by default, 22.18 / 23.6;
//   - `import.meta.main` (every scripts/*.ts entry point): 22.18 / 24.2;
//   - Hardhat 3: 22.10.
// So 22.18 or later on the 22 line, 24.2 or later from 23 on (23 lacks import.meta.main).
var MINIMUM = [
  { major: 22, minor: 18 },
  { major: 24, minor: 2 },
];

/** "v24.1.0" or "24.1.0" → [24, 1, 0]; null when it is not a version. */
function parse(text) {
  var match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(String(text));
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : null;
}

/** Whether this Node.js version can run the project. */
function supported(version) {
  var v = parse(version);
  if (!v) return false;
  if (v[0] === 22) return v[1] >= MINIMUM[0].minor;
  if (v[0] === 23) return false;
  if (v[0] === 24) return v[1] >= MINIMUM[1].minor;
  return v[0] > 24;
}

/** The message for an unsupported version (the README's Node 24 hint). */
function message(version) {
  return [
    "OneCode needs Node.js 24 (or 22.18 or newer on the 22 line); this is Node.js " + version + ".",
    "",
    "Where the machine has an older Node, the registry package `node` carries real binaries:",
    "",
    '  npm install -g --prefix "$HOME/.node24" node@24 && export PATH="$HOME/.node24/bin:$PATH"',
    "",
    "then run `npm ci` again under that Node (npm skips Hardhat's native EDR package under an old",
    "Node), and the command you ran. See README.md, \"Requirements\".",
  ].join("\n");
}

module.exports = { supported: supported, message: message };

if (require.main === module) {
  // ONECODE_PREFLIGHT_NODE_VERSION is for test/app/preflight.test.ts only: it pretends to be
  // another Node.js version, so the message can be tested without installing one.
  var version = process.env.ONECODE_PREFLIGHT_NODE_VERSION || process.version;
  if (!supported(version)) {
    process.stderr.write(message(version) + "\n");
    process.exit(1);
  }
}
