import {
  ChartColumn,
  FolderKanban,
  MessageSquareText,
  MessagesSquare,
  Monitor,
  Settings,
  Workflow,
  type LucideIcon,
} from "lucide-react"

export type NavItem = {
  href: string
  label: string
  icon: LucideIcon
  /**
   * Opened with a full page load: /chat's Content-Security-Policy names the user's device
   * tunnels (proxy.ts), and a client-side navigation would keep the previous page's policy.
   */
  fullPageLoad?: boolean
}

export const NAV_ITEMS: readonly NavItem[] = [
  { href: "/devices", label: "Devices", icon: Monitor },
  { href: "/chat", label: "Chat", icon: MessageSquareText, fullPageLoad: true },
  { href: "/sessions", label: "Sessions", icon: MessagesSquare },
  { href: "/runs", label: "Runs", icon: Workflow },
  { href: "/projects", label: "Projects", icon: FolderKanban },
  { href: "/usage", label: "Usage", icon: ChartColumn },
  { href: "/settings", label: "Settings", icon: Settings },
]

/** A section stays highlighted on its nested pages (a device's detail page). */
export function isNavItemActive(href: string, pathname: string) {
  return pathname === href || pathname.startsWith(`${href}/`)
}
