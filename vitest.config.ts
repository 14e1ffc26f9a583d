import path from "node:path"

import {
  defineConfig,
  type TestProjectInlineConfiguration,
} from "vitest/config"

// Two kinds of test files:
//   *.test.ts      unit: no database, no network
//   *.int.test.ts  integration: a real database through the local stack; run once on
//                  in-memory PGlite and, when DATABASE_URL is set, once more on that Postgres.
const alias = { "@": path.resolve(import.meta.dirname) }
const exclude = ["node_modules/**", ".next/**", ".local/**", "e2e/**"]

function integration(
  engine: "pglite" | "postgres"
): TestProjectInlineConfiguration {
  return {
    resolve: { alias },
    test: {
      name: `integration-${engine}`,
      include: ["**/*.int.test.ts"],
      exclude,
      env: { LMX_TEST_ENGINE: engine },
      testTimeout: 60_000,
      hookTimeout: 120_000,
    },
  }
}

export default defineConfig({
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: "unit",
          include: ["**/*.test.ts", "**/*.test.tsx"],
          exclude: [...exclude, "**/*.int.test.ts"],
        },
      },
      integration("pglite"),
      ...(process.env.DATABASE_URL ? [integration("postgres")] : []),
    ],
  },
})
