import js from "@eslint/js";
import tseslint from "typescript-eslint";
import importX from "eslint-plugin-import-x";
import boundaries from "./tools/eslint/import-boundaries.mjs";

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/**", "**/dist/**", "proto/src/gen/**", "**/src/onnx/gen/**", ".run/**",
      "infra/kafka/target/**", "reports/**", "**/*.bundle.js", "**/*.tmp.*", "**/scratch/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { "import-x": importX, rlhf: boundaries },
    rules: {
      // Async service bugs: a forgotten await loses errors and breaks ordered shutdown.
      "@typescript-eslint/no-floating-promises": [
        "error",
        { allowForKnownSafeCalls: [{ from: "package", package: "node:test", name: ["describe", "it", "test", "suite", "before", "after", "beforeEach", "afterEach"] }] },
      ],
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { arguments: false } }],
      "@typescript-eslint/await-thenable": "error",
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "import-x/no-cycle": ["error", { maxDepth: 10, ignoreExternal: true }],
      "import-x/no-relative-packages": "error",
      "rlhf/import-boundaries": "error",
    },
  },
  {
    files: ["**/*.mjs", "**/*.js"],
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly", setTimeout: "readonly" } },
    plugins: { rlhf: boundaries },
    rules: { "rlhf/import-boundaries": "error" },
  },
);
