import { ROLE_LABELS, type ProjectRole } from "@/lib/projects/permissions"
import { Badge } from "@/components/ui/badge"

export function RoleBadge({ role }: { role: ProjectRole }) {
  return (
    <Badge
      variant={role === "owner" || role === "admin" ? "default" : "secondary"}
    >
      {ROLE_LABELS[role]}
    </Badge>
  )
}
