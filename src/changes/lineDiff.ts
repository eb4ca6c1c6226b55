/**
 * A line diff of two sources, for the review of a request's changes and for
 * approvals of edits: the longest common subsequence of their lines, found
 * by dynamic programming after the common head and tail are set aside.
 */

/** One line of a diff: in both texts, only in the new one, or only in the old one. */
export interface IDiffLine {
  kind: 'same' | 'added' | 'removed';
  text: string;
}

/**
 * Cells of the LCS table at most. Past it (two sources of some thousands of
 * differing lines each) the middle is shown as all removed, then all added.
 */
const MAX_TABLE = 4_000_000;

/** The lines of a source; an empty source has none. */
export function splitLines(text: string): string[] {
  return text === '' ? [] : text.replace(/\r\n?/g, '\n').split('\n');
}

/** How `after` differs from `before`, line by line, in order. */
export function lineDiff(before: string, after: string): IDiffLine[] {
  const a = splitLines(before);
  const b = splitLines(after);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) {
    head++;
  }
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  ) {
    tail++;
  }
  const same = (text: string): IDiffLine => ({ kind: 'same', text });
  return [
    ...a.slice(0, head).map(same),
    ...middleDiff(
      a.slice(head, a.length - tail),
      b.slice(head, b.length - tail)
    ),
    ...a.slice(a.length - tail).map(same)
  ];
}

/** The diff of two line lists that differ at both ends. */
function middleDiff(a: string[], b: string[]): IDiffLine[] {
  const removed = (text: string): IDiffLine => ({ kind: 'removed', text });
  const added = (text: string): IDiffLine => ({ kind: 'added', text });
  if (a.length === 0 || b.length === 0 || a.length * b.length > MAX_TABLE) {
    return [...a.map(removed), ...b.map(added)];
  }
  // lengths[i][j]: the LCS length of a[i:] and b[j:], in one flat array.
  const width = b.length + 1;
  const lengths = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lengths[i * width + j] =
        a[i] === b[j]
          ? lengths[(i + 1) * width + j + 1] + 1
          : Math.max(lengths[(i + 1) * width + j], lengths[i * width + j + 1]);
    }
  }
  const lines: IDiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      lines.push({ kind: 'same', text: a[i] });
      i++;
      j++;
    } else if (lengths[(i + 1) * width + j] >= lengths[i * width + j + 1]) {
      lines.push(removed(a[i++]));
    } else {
      lines.push(added(b[j++]));
    }
  }
  return [...lines, ...a.slice(i).map(removed), ...b.slice(j).map(added)];
}

/** How many lines a diff adds and removes. */
export function diffStats(lines: ReadonlyArray<IDiffLine>): {
  added: number;
  removed: number;
} {
  let added = 0;
  let removed = 0;
  for (const line of lines) {
    if (line.kind === 'added') {
      added++;
    } else if (line.kind === 'removed') {
      removed++;
    }
  }
  return { added, removed };
}
