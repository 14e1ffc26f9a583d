import { cn } from "@/lib/utils"

/** Initials of a display name (or of the email's local part): "Priya Natarajan" → "PN". */
export function initialsOf(name: string, email = ""): string {
  const source = name.trim() || email.split("@")[0] || "?"
  const words = source.split(/[\s._-]+/).filter(Boolean)
  const letters =
    words.length >= 2
      ? `${words[0]![0]}${words.at(-1)![0]}`
      : source.slice(0, 2)

  return letters.toUpperCase()
}

export function MemberAvatar({
  name,
  email,
  avatarUrl,
  className,
}: {
  name: string
  email?: string
  avatarUrl?: string | null
  className?: string
}) {
  return avatarUrl ? (
    // Avatars come from any https host a user set; next/image would need each one listed.
    // eslint-disable-next-line @next/next/no-img-element
    <img
      src={avatarUrl}
      alt=""
      className={cn("size-8 shrink-0 rounded-full object-cover", className)}
    />
  ) : (
    <span
      aria-hidden="true"
      className={cn(
        "flex size-8 shrink-0 items-center justify-center rounded-full bg-muted text-xs font-medium",
        className
      )}
    >
      {initialsOf(name, email)}
    </span>
  )
}
