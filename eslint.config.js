// Lint: typescript-eslint's recommended rules plus the layer boundaries of docs/decisions/020-layers.md.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** Import patterns a layer must not use (both "~/" aliases and relative paths). */
const layer = (...folders) =>
  folders.flatMap((f) => [`~/${f}`, `~/${f}/*`, `**/${f}`, `**/${f}/*`, `**/${f}/**`]);

const boundaries = (message, patterns) => ({
  "no-restricted-imports": ["error", { patterns: [{ group: patterns, message }] }],
});

export default tseslint.config(
  { ignores: ["build/**", "public/build/**", ".cache/**", "node_modules/**", "bench/results/**", "tests/e2e/screenshots/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: "module" },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      "@typescript-eslint/no-explicit-any": "off",
      "no-empty": ["error", { allowEmptyCatch: true }],
      // Control characters in patterns are deliberate: the code strips or refuses them in user input.
      "no-control-regex": "off",
    },
  },
  {
    files: ["app/domain/**/*.{ts,tsx}"],
    rules: boundaries(
      "app/domain is pure: no database, request, session or model code (docs/decisions/020-layers.md).",
      [...layer("models", "db", "http", "routes", "auth", "import", "components"), "~/db.server", "**/db.server", "kysely", "better-sqlite3", "@remix-run/*", "*.server", "**/*.server"],
    ),
  },
  {
    files: ["app/models/**/*.{ts,tsx}"],
    rules: boundaries(
      "Models hold queries and writes; they import db/ and app/domain/ only (docs/decisions/020-layers.md).",
      [...layer("routes", "http", "components"), "@remix-run/react"],
    ),
  },
  {
    files: ["app/components/**/*.{ts,tsx}"],
    ignores: ["app/components/chart-memo.server.ts"],
    rules: boundaries(
      "Components never import server modules (docs/decisions/020-layers.md).",
      [...layer("models", "db", "http", "routes"), "*.server", "**/*.server", "~/db.server"],
    ),
  },
  {
    // No SQL outside app/models, app/import's handlers and db/ (docs/decisions/020-layers.md).
    files: ["app/routes/**/*.{ts,tsx}", "app/components/**/*.{ts,tsx}", "app/domain/**/*.ts", "cli/**/*.ts"],
    rules: {
      "no-restricted-syntax": [
        "error",
        { selector: "CallExpression[callee.property.name=/^(selectFrom|insertInto|updateTable|deleteFrom|replaceInto)$/]", message: "Queries belong in app/models (docs/decisions/020-layers.md)." },
        { selector: "TaggedTemplateExpression[tag.name='sql']", message: "SQL belongs in app/models or db/ (docs/decisions/020-layers.md)." },
      ],
    },
  },
  {
    files: ["migrations/**/*.ts"],
    rules: boundaries("Migrations are frozen in time and import nothing of the app.", [...layer("app", "models", "domain", "db")]),
  },
  {
    files: ["db/**/*.ts"],
    rules: boundaries("db/ sits below the models; it may use app/domain's types only (docs/decisions/020-layers.md).", [...layer("models", "routes", "http", "components", "auth", "import")]),
  },
);
