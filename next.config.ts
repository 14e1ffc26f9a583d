import type { NextConfig } from "next"

const securityHeaders = [
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  {
    key: "Permissions-Policy",
    value: "camera=(), microphone=(), geolocation=()",
  },
  {
    key: "Strict-Transport-Security",
    value: "max-age=63072000; includeSubDomains",
  },
]

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // `npm test` type-checks the whole repository with tsc first; the build need not repeat it.
  typescript: { ignoreBuildErrors: true },
  // The local stack and its PGlite engine run beside the app, never inside its bundles.
  serverExternalPackages: ["@electric-sql/pglite", "pg"],
  async headers() {
    return [{ source: "/:path*", headers: securityHeaders }]
  },
  // Addresses people type for signing in and up. Without these a signed-out visitor of /login
  // was sent to sign in with next=/login and, once signed in, landed on "page not found".
  // Not permanent: a browser would keep a 308 even if one of these became a page of its own.
  async redirects() {
    return [
      ...["/login", "/log-in", "/signin"].map((source) => ({
        source,
        destination: "/sign-in",
        permanent: false,
      })),
      ...["/signup", "/register"].map((source) => ({
        source,
        destination: "/sign-up",
        permanent: false,
      })),
    ]
  },
}

export default nextConfig
