function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1))
      previous = current
    }
  }
  return row[b.length]!
}

/** The closest name with at least `minScore` similarity, for "Perhaps you meant…" hints. */
export function closest(
  name: string,
  candidates: Iterable<string>,
  minScore = 0.75
): string | undefined {
  let best: string | undefined
  let bestScore = minScore
  for (const candidate of candidates) {
    const longest = Math.max(name.length, candidate.length) || 1
    const score = 1 - distance(name.toLowerCase(), candidate.toLowerCase()) / longest
    if (score >= bestScore && candidate !== name) {
      best = candidate
      bestScore = score
    }
  }
  return best
}
