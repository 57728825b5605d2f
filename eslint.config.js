// ESLint (flat config) for the browser modules, their node tests and this file: `make lint`.
import js from "@eslint/js";
import globals from "globals";

export default [
  {
    ignores: ["static_site/vendor/**", "build/**", "node_modules/**", "vendor/**", ".venv/**",
      "tests/browser/artifacts/**", ".kmzb/**", "cdk.out/**"],
  },
  js.configs.recommended,
  {
    files: ["static_site/**/*.js"],
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: "module",
      // Leaflet's UMD bundle sets L (a classic <script> before the modules).
      globals: { ...globals.browser, L: "readonly" },
    },
  },
  { files: ["static_site/lang.js"], languageOptions: { sourceType: "script" } },
  { files: ["static_site/cluster-worker.js"], languageOptions: { globals: { ...globals.worker } } },
  {
    files: ["**/*.mjs", "eslint.config.js", "infra/**/*.js", "bench/**/*.js"],
    languageOptions: { ecmaVersion: 2024, sourceType: "module", globals: { ...globals.node } },
  },
  {
    rules: {
      "no-unused-vars": ["error", { argsIgnorePattern: "^_", caughtErrors: "none" }],
      eqeqeq: ["error", "always", { null: "ignore" }],
      "no-var": "error",
      "prefer-const": "error",
    },
  },
];
