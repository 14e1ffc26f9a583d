"use client"

import Link from "next/link"
import { usePathname } from "next/navigation"

import { cn } from "@/lib/utils"

const TABS = [
  { segment: "", label: "Overview" },
  { segment: "members", label: "Members" },
  { segment: "invitations", label: "Invitations" },
  { segment: "workflows", label: "Workflows" },
  { segment: "activity", label: "Activity" },
  { segment: "settings", label: "Settings" },
] as const

/** The project's tabs as links, so each tab has its own URL (shareable, back button works). */
export function ProjectTabs({ slug }: { slug: string }) {
  const pathname = usePathname()
  const base = `/projects/${slug}`

  return (
    <nav aria-label="Project sections" className="-mx-1 overflow-x-auto">
      <ul className="flex min-w-max gap-1 border-b px-1">
        {TABS.map((tab) => {
          const href = tab.segment ? `${base}/${tab.segment}` : base
          const current = tab.segment
            ? pathname === href || pathname.startsWith(`${href}/`)
            : pathname === base

          return (
            <li key={tab.label}>
              <Link
                href={href}
                aria-current={current ? "page" : undefined}
                className={cn(
                  "-mb-px inline-flex h-10 items-center border-b-2 border-transparent px-3 text-sm text-muted-foreground hover:text-foreground focus-visible:ring-2 focus-visible:ring-ring focus-visible:outline-none",
                  current && "border-primary font-medium text-foreground"
                )}
              >
                {tab.label}
              </Link>
            </li>
          )
        })}
      </ul>
    </nav>
  )
}
