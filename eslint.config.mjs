import pluginQuery from "@tanstack/eslint-plugin-query"
import nextVitals from "eslint-config-next/core-web-vitals"
import nextTs from "eslint-config-next/typescript"
import { defineConfig, globalIgnores } from "eslint/config"

export default defineConfig([
  ...nextVitals,
  ...nextTs,
  ...pluginQuery.configs["flat/recommended"],
  {
    rules: {
      "@typescript-eslint/consistent-type-imports": [
        "error",
        { prefer: "type-imports", fixStyle: "inline-type-imports" },
      ],
      "@typescript-eslint/no-unused-vars": [
        "error",
        {
          argsIgnorePattern: "^_",
          varsIgnorePattern: "^_",
          destructuredArrayIgnorePattern: "^_",
        },
      ],
    },
  },
  {
    // Ids read from the database are any Postgres uuid; z.uuid() rejects many (lib/db-id.ts).
    files: ["app/**", "components/**", "lib/**"],
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          selector:
            "CallExpression[callee.object.name='z'][callee.property.name='uuid']",
          message:
            "Read ids with dbId from lib/db-id.ts: z.uuid() rejects valid Postgres uuids.",
        },
      ],
    },
  },
  {
    // The app talks to Supabase (hosted or the local stack) over HTTP only; the stack's code is
    // for scripts and the test harness, so the app never imports it, by name or by path.
    files: [
      "app/**",
      "components/**",
      "lib/**",
      "proxy.ts",
      "instrumentation.ts",
    ],
    ignores: ["**/*.int.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex:
                "^@lmx/supabase-local(/|$)|(^|/)packages/supabase-local(/|$)|^@/packages(/|$)",
              message:
                "The app must not import the local stack (packages/supabase-local); reach Supabase through lib/supabase/.",
            },
          ],
        },
      ],
    },
  },
  globalIgnores([
    ".next/**",
    "out/**",
    "build/**",
    ".local/**",
    "next-env.d.ts",
    "playwright-report/**",
    "test-results/**",
    "lib/database.types.ts",
  ]),
])
