/**
 * Marks numbers in rendered text: each occurrence of one of the given
 * strings, outside code, is wrapped in a span with a tooltip. For answers
 * that state numbers no output shows (the server's answer check).
 */

/** The class of a marked number. */
export const MARK_CLASS = 'jp-ci-Unsupported';

/**
 * Wrap every occurrence of `marks` in the text of `root` (not inside code,
 * not already marked) in `<span class="jp-ci-Unsupported" title=...>`.
 */
export function markNumbers(
  root: HTMLElement,
  marks: ReadonlyArray<string>,
  title: string
): void {
  const wanted = marks.filter(mark => mark.length > 0);
  if (wanted.length === 0) {
    return;
  }
  const pattern = new RegExp(
    wanted
      .map(mark => mark.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .sort((a, b) => b.length - a.length)
      .join('|'),
    'g'
  );
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
    acceptNode: node =>
      node.parentElement?.closest(`code, pre, .${MARK_CLASS}`)
        ? NodeFilter.FILTER_REJECT
        : NodeFilter.FILTER_ACCEPT
  });
  const nodes: Text[] = [];
  while (walker.nextNode()) {
    nodes.push(walker.currentNode as Text);
  }
  for (const node of nodes) {
    const text = node.data;
    pattern.lastIndex = 0;
    if (!pattern.test(text)) {
      continue;
    }
    pattern.lastIndex = 0;
    const pieces = document.createDocumentFragment();
    let at = 0;
    for (const match of text.matchAll(pattern)) {
      const start = match.index ?? 0;
      pieces.append(text.slice(at, start));
      const span = document.createElement('span');
      span.className = MARK_CLASS;
      span.title = title;
      span.textContent = match[0];
      pieces.append(span);
      at = start + match[0].length;
    }
    pieces.append(text.slice(at));
    node.replaceWith(pieces);
  }
}
