import tseslint from "typescript-eslint";

// The layout's boundaries (README, "Layout"): protocol/ is pure and browser-safe and
// imports none of the others; api/, kiosk/ and scripts/ import protocol/ and never each
// other, except that scripts/ start and measure the API. The front ends reach the API
// over HTTP only.
const importsOf = (...groups) => ["error", { patterns: groups.map((g) => ({ group: g.group, message: g.message })) }];
const noApi = { group: ["**/api/**", "**/api/src/**"], message: "front ends reach the API over HTTP only; shared code belongs in protocol/" };
const noKiosk = { group: ["**/kiosk/**"], message: "the front ends are not a library; shared code belongs in protocol/" };
const noScripts = { group: ["**/scripts/**"], message: "scripts are entry points, not a library" };
const noNode = { group: ["node:*"], message: "protocol/ is browser-safe: no Node modules" };

export default tseslint.config(
  { ignores: ["node_modules/", "artifacts/", "cache/", "types/", "dist/", "deployments/", ".data/", ".test-output/", "kiosk/dist/"] },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-explicit-any": "warn",
      "no-console": "off",
    },
  },
  {
    files: ["protocol/**/*.ts"],
    rules: {
      "no-restricted-imports": importsOf(noNode, noApi, noKiosk, noScripts),
      "no-restricted-globals": ["error", "Buffer", "process", "require", "__dirname", "window", "document"],
    },
  },
  { files: ["api/**/*.ts"], rules: { "no-restricted-imports": importsOf(noKiosk, noScripts) } },
  {
    files: ["kiosk/**/*.ts"],
    rules: {
      "no-restricted-imports": importsOf(noApi, noScripts),
      // Components escape by default: text goes in as text nodes (kiosk/lib/dom.ts), never as HTML.
      "no-restricted-properties": [
        "error",
        { property: "innerHTML", message: "build DOM nodes with h() from kiosk/lib/dom.ts" },
        { property: "outerHTML", message: "build DOM nodes with h() from kiosk/lib/dom.ts" },
        { property: "insertAdjacentHTML", message: "build DOM nodes with h() from kiosk/lib/dom.ts" },
      ],
    },
  },
  { files: ["scripts/**/*.ts"], rules: { "no-restricted-imports": importsOf(noKiosk) } },
);
