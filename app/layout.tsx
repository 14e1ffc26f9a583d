import type { Metadata, Viewport } from "next"
import { headers } from "next/headers"

import { NONCE_HEADER } from "@/lib/security/content-security-policy"
import { Providers } from "@/components/providers"

import "./globals.css"

export const metadata: Metadata = {
  title: { default: "LMX Console", template: "%s · LMX Console" },
  description:
    "Pair your machines, browse the chat sessions they sync, run and watch ops workflows, and see what your models cost.",
  // Static files in public/ (one set for every route; generated from public/icon.svg).
  icons: {
    icon: [
      { url: "/favicon.ico", sizes: "48x48" },
      { url: "/icon.svg", type: "image/svg+xml" },
    ],
    apple: { url: "/apple-touch-icon.png", sizes: "180x180" },
  },
  manifest: "/manifest.webmanifest",
  // A private console: no search engine should index it (public/robots.txt says the same).
  robots: { index: false, follow: false },
}

export const viewport: Viewport = {
  themeColor: [
    { media: "(prefers-color-scheme: light)", color: "#ffffff" },
    { media: "(prefers-color-scheme: dark)", color: "#0a0a0a" },
  ],
}

export default async function RootLayout({
  children,
}: Readonly<{ children: React.ReactNode }>) {
  // proxy.ts's per-request nonce, for next-themes' inline script (docs/security.md). Reading
  // headers also renders every page per request, which a nonce needs.
  const nonce = (await headers()).get(NONCE_HEADER) ?? undefined

  return (
    // next-themes sets the theme class on <html> before React hydrates.
    <html lang="en" suppressHydrationWarning>
      <body className="min-h-svh">
        <Providers nonce={nonce}>{children}</Providers>
      </body>
    </html>
  )
}
