import { Suspense } from "react"

import { getCurrentUser } from "@/lib/auth/current-user"
import { AppSidebar } from "@/components/shell/app-sidebar"
import { BudgetBanner } from "@/components/shell/budget-banner"
import { SiteHeader } from "@/components/shell/site-header"

export default async function ConsoleLayout({
  children,
}: Readonly<{ children: React.ReactNode }>) {
  const user = await getCurrentUser()

  return (
    <div className="flex min-h-svh">
      <a
        href="#main"
        className="sr-only z-50 rounded-md bg-background px-3 py-2 text-sm font-medium shadow focus:not-sr-only focus:fixed focus:top-2 focus:left-2 focus:ring-[3px] focus:ring-ring/50"
      >
        Skip to content
      </a>
      <AppSidebar />
      <div className="flex min-w-0 flex-1 flex-col">
        <SiteHeader
          user={{ email: user.email, displayName: user.displayName }}
        />
        <main
          id="main"
          className="mx-auto w-full max-w-6xl flex-1 space-y-6 p-4 md:p-8"
        >
          {/* Streams in beside the page: a budget check never holds the page back. */}
          <Suspense fallback={null}>
            <BudgetBanner />
          </Suspense>
          {children}
        </main>
      </div>
    </div>
  )
}
