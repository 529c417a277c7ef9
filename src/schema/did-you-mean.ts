/** The closest candidate to a mistyped word, when it is close enough to be a likely typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  // Up to a third of the word may be wrong (at least one edit): `evrey` → `every`, not `x` → `every`.
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

/** A likely typo (`valeu` → `value`), or else a name the word begins (`restarts` → `restart_count`). */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  const typo = closest(word, candidates);
  if (typo) return typo;
  const stem = word.toLowerCase().replace(/s$/, '');
  return stem.length >= 4 ? candidates.find((c) => c.toLowerCase().startsWith(stem)) : undefined;
}

/** `did you mean \`every\`?`, or undefined when nothing is close. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  const match = nearest(word, candidates);
  return match ? `did you mean \`${match}\`?` : undefined;
}

/** Edit distance where swapping two neighbouring letters is one edit (`wbe` → `web`). */
export function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => rows[i]?.[j] as number;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, at(i - 2, j - 2) + 1);
      (rows[i] as number[])[j] = d;
    }
  }
  return at(a.length, b.length);
}
