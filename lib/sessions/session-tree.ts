// The branch tree of one session's messages. Siblings share a parent_id (a regenerated
// answer, an edited prompt); roots are messages with no parent, or whose parent is not among
// the messages read (a soft reference a device may not have pushed yet). Everything here is
// iterative: a 5,000-message session is a 5,000-deep chain, too deep for recursion.

/** What the tree needs of a message. */
export type TreeMessage = {
  id: string
  parent_id: string | null
  message_index: number
  created_at: string
}

/** The key of a set of siblings: their parent's id, or ROOT for the first messages. */
export const ROOT = "root"

/** Which child is shown at each fork, by sibling key; forks not listed show their default. */
export type BranchSelection = Readonly<Record<string, string>>

export type MessageTree<M extends TreeMessage> = {
  byId: ReadonlyMap<string, M>
  /** Children of each sibling key, in order (message_index, created_at, id). */
  children: ReadonlyMap<string, readonly string[]>
  /** The sibling key each message belongs to (its parent's id as the tree sees it, or ROOT). */
  keyOf: ReadonlyMap<string, string>
  /** The newest created_at in each message's subtree: the default branch follows it. */
  latest: ReadonlyMap<string, string>
}

function compareMessages(a: TreeMessage, b: TreeMessage) {
  return (
    a.message_index - b.message_index ||
    a.created_at.localeCompare(b.created_at) ||
    a.id.localeCompare(b.id)
  )
}

export function buildMessageTree<M extends TreeMessage>(
  messages: readonly M[]
): MessageTree<M> {
  const byId = new Map<string, M>()
  for (const message of messages) byId.set(message.id, message)

  const keyOf = new Map<string, string>()
  for (const message of byId.values()) {
    const parent = message.parent_id
    keyOf.set(
      message.id,
      parent && parent !== message.id && byId.has(parent) ? parent : ROOT
    )
  }

  // A cycle of parent ids (bad data from a device) is unreachable from the roots: cut it at
  // its earliest message, which becomes a root, so every message is still shown somewhere.
  const reachable = reach(byId, keyOf)
  if (reachable.size < byId.size) {
    const unreached = [...byId.values()]
      .filter((message) => !reachable.has(message.id))
      .sort(compareMessages)
    for (const message of unreached) {
      if (reachable.has(message.id)) continue
      keyOf.set(message.id, ROOT)
      for (const id of reach(byId, keyOf, message.id)) reachable.add(id)
    }
  }

  const children = new Map<string, string[]>()
  for (const message of [...byId.values()].sort(compareMessages)) {
    const key = keyOf.get(message.id) ?? ROOT
    const list = children.get(key)
    if (list) list.push(message.id)
    else children.set(key, [message.id])
  }

  // Post-order without recursion: visit in an order where every child precedes its parent.
  const latest = new Map<string, string>()
  for (const id of preorder(children).reverse()) {
    let newest = byId.get(id)?.created_at ?? ""
    for (const child of children.get(id) ?? []) {
      const value = latest.get(child) ?? ""
      if (value > newest) newest = value
    }
    latest.set(id, newest)
  }

  return { byId, children, keyOf, latest }
}

function childrenIndex(
  byId: ReadonlyMap<string, TreeMessage>,
  keyOf: ReadonlyMap<string, string>
) {
  const index = new Map<string, string[]>()
  for (const id of byId.keys()) {
    const key = keyOf.get(id) ?? ROOT
    const list = index.get(key)
    if (list) list.push(id)
    else index.set(key, [id])
  }

  return index
}

function reach(
  byId: ReadonlyMap<string, TreeMessage>,
  keyOf: ReadonlyMap<string, string>,
  from = ROOT
): Set<string> {
  const index = childrenIndex(byId, keyOf)
  const seen = new Set<string>()
  const stack = from === ROOT ? [...(index.get(ROOT) ?? [])] : [from]
  while (stack.length > 0) {
    const id = stack.pop() as string
    if (seen.has(id)) continue
    seen.add(id)
    stack.push(...(index.get(id) ?? []))
  }

  return seen
}

function preorder(children: ReadonlyMap<string, readonly string[]>): string[] {
  const order: string[] = []
  const stack = [...(children.get(ROOT) ?? [])].reverse()
  while (stack.length > 0) {
    const id = stack.pop() as string
    order.push(id)
    const next = children.get(id)
    if (next) for (let i = next.length - 1; i >= 0; i--) stack.push(next[i]!)
  }

  return order
}

/**
 * The child shown at a fork when the reader has not chosen: the one whose branch was written
 * to last, so a session opens where the conversation went on (a regenerated answer that was
 * abandoned does not hide the rest of the chat).
 */
export function defaultChild<M extends TreeMessage>(
  tree: MessageTree<M>,
  key: string
): string | undefined {
  const siblings = tree.children.get(key)
  if (!siblings || siblings.length === 0) return undefined
  let best = siblings[0]!
  for (const id of siblings) {
    if ((tree.latest.get(id) ?? "") >= (tree.latest.get(best) ?? "")) best = id
  }

  return best
}

/** The messages of the visible branch, root to leaf. */
export function visiblePath<M extends TreeMessage>(
  tree: MessageTree<M>,
  selection: BranchSelection = {}
): M[] {
  const path: M[] = []
  let key = ROOT
  for (;;) {
    const siblings = tree.children.get(key)
    if (!siblings || siblings.length === 0) break
    const chosen = selection[key]
    const id =
      chosen && siblings.includes(chosen) ? chosen : defaultChild(tree, key)
    const message = id ? tree.byId.get(id) : undefined
    if (!message) break
    path.push(message)
    key = message.id
  }

  return path
}

export type SiblingInfo = {
  /** 1-based, as "2 / 3" shows it. */
  position: number
  count: number
  key: string
  previous: string | null
  next: string | null
}

/** Where a message stands among its siblings, for the "n / m" switcher at a fork. */
export function siblingInfo<M extends TreeMessage>(
  tree: MessageTree<M>,
  id: string
): SiblingInfo | null {
  const key = tree.keyOf.get(id)
  if (key === undefined) return null
  const siblings = tree.children.get(key) ?? []
  const index = siblings.indexOf(id)
  if (index < 0) return null

  return {
    position: index + 1,
    count: siblings.length,
    key,
    previous: index > 0 ? siblings[index - 1]! : null,
    next: index < siblings.length - 1 ? siblings[index + 1]! : null,
  }
}

/**
 * The selection that shows `id`: every ancestor chosen at its fork, on top of the current
 * choices. For deep links to a message on a branch that is not the default one.
 */
export function selectionShowing<M extends TreeMessage>(
  tree: MessageTree<M>,
  id: string,
  selection: BranchSelection = {}
): BranchSelection {
  if (!tree.byId.has(id)) return selection
  const next: Record<string, string> = { ...selection }
  let current: string | undefined = id
  const seen = new Set<string>()
  while (current && current !== ROOT && !seen.has(current)) {
    seen.add(current)
    const key: string = tree.keyOf.get(current) ?? ROOT
    next[key] = current
    current = key
  }

  return next
}

/** One stretch of a branch between forks, for the whole-tree outline. */
export type OutlineSegment = {
  /** The first message of the stretch (the one a reader switches to). */
  firstId: string
  lastId: string
  length: number
  /** Where the stretch starts in its conversation: 1 for the first message, counted along the branch. */
  depth: number
  /** Which of the alternatives at its fork this stretch is (1-based), and how many there are. */
  branch: { position: number; count: number }
  children: OutlineSegment[]
}

/**
 * The whole tree as stretches between forks: each segment runs from a message to the next
 * fork (or leaf), and its children are the branches that start there.
 */
export function outlineTree<M extends TreeMessage>(
  tree: MessageTree<M>
): OutlineSegment[] {
  const roots: OutlineSegment[] = []
  type Pending = {
    firstId: string
    into: OutlineSegment[]
    depth: number
    branch: OutlineSegment["branch"]
  }
  const starts = (
    ids: readonly string[],
    into: OutlineSegment[],
    depth: number
  ): Pending[] =>
    ids
      .map((firstId, index) => ({
        firstId,
        into,
        depth,
        branch: { position: index + 1, count: ids.length },
      }))
      .reverse()
  const stack: Pending[] = starts(tree.children.get(ROOT) ?? [], roots, 1)
  // Children are pushed in reverse and appended on pop, so each list keeps sibling order.
  while (stack.length > 0) {
    const { firstId, into, depth, branch } = stack.pop()!
    let lastId = firstId
    let length = 1
    for (;;) {
      const next = tree.children.get(lastId)
      if (!next || next.length !== 1) break
      lastId = next[0]!
      length++
    }
    const segment: OutlineSegment = {
      firstId,
      lastId,
      length,
      depth,
      branch,
      children: [],
    }
    into.push(segment)
    stack.push(
      ...starts(
        tree.children.get(lastId) ?? [],
        segment.children,
        depth + length
      )
    )
  }

  return roots
}

/** How many forks (messages with more than one child, or several roots) the tree has. */
export function countForks<M extends TreeMessage>(tree: MessageTree<M>) {
  let forks = 0
  for (const list of tree.children.values()) if (list.length > 1) forks++

  return forks
}
