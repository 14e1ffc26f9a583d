/** A session's title as the list shows it; devices may sync an empty one. */
export function sessionTitle(title: string): string {
  return title.trim() || "Untitled session"
}
