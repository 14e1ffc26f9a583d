import { Brand } from "@/components/shell/brand"
import { ThemeToggle } from "@/components/shell/theme-toggle"

export default function AuthLayout({
  children,
}: Readonly<{ children: React.ReactNode }>) {
  return (
    <div className="flex min-h-svh flex-col">
      <header className="flex h-14 items-center justify-between px-4 md:px-6">
        <Brand />
        <ThemeToggle />
      </header>
      <main className="flex flex-1 flex-col items-center justify-center gap-4 p-4">
        {/* The forms talk to Supabase Auth from the browser (lib/auth/browser-auth.ts). */}
        <noscript>
          <p className="max-w-sm text-center text-sm text-muted-foreground">
            Signing in needs JavaScript: turn it on for this site, then reload
            the page.
          </p>
        </noscript>
        {children}
      </main>
    </div>
  )
}
