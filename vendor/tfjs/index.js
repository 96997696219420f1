'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS package: face-api's node build require()s it */
// Stand-in for the umbrella @tensorflow/tfjs package, which @vladmandic/face-api's node-wasm
// build requires by name. The umbrella is 142 MB of browser bundles and brings tfjs-layers,
// tfjs-data and the WebGL backend (another ~57 MB) that the server never uses: the face engine
// (api/src/face/engine.ts) runs Human and face-api on tfjs-core, tfjs-converter and the WASM
// backend. What face-api needs of the umbrella is tfjs-core's and tfjs-converter's exports plus
// the chained tensor methods (tensor.as3D(), tensor.sub(b), …), which only the umbrella registers;
// chained-ops.js (generated from tfjs-core's own sources) registers them here.
// This folder has no dependencies of its own (package.json): it must resolve the one tfjs-core
// the rest of the process uses, or tensors would come from two engines.
const core = require('@tensorflow/tfjs-core');
const converter = require('@tensorflow/tfjs-converter');
const { registerChainedOps, TFJS_CORE_VERSION } = require('./chained-ops.js');

if (core.version_core !== TFJS_CORE_VERSION) {
  throw new Error(`vendor/tfjs: chained-ops.js was generated for @tensorflow/tfjs-core ${TFJS_CORE_VERSION} but ${core.version_core} is installed; run node vendor/tfjs/generate.cjs`);
}
registerChainedOps(core);

module.exports = { ...core, ...converter, version: { tfjs: core.version_core, 'tfjs-core': core.version_core, 'tfjs-converter': converter.version_converter } };
