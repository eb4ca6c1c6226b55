/**
 * The size of what the panel sends over the chat websocket, in bytes.
 *
 * The server refuses a frame over 10 MiB by closing the connection, which
 * ends every request of the window. Limits in characters do not bound a
 * frame: a character takes up to 3 bytes of UTF-8 (CJK text), and JSON
 * writes a control character as 6. So what may be large (the notebook view,
 * a step's outputs) is measured as the JSON it becomes. The server also
 * refuses a frame nested more than 100 levels deep (MAX_NESTING in
 * ci_jupyterlab/agent/nesting.py).
 */

/** The most a frame of ours may take: below the server's 10 MiB, with room to spare. */
export const FRAME_LIMIT = 8 * 1024 * 1024;

const encoder = new TextEncoder();

/** The bytes of a text in UTF-8. */
export function utf8Bytes(text: string): number {
  return encoder.encode(text).length;
}

/** The bytes `value` takes as JSON text (UTF-8). */
export function jsonBytes(value: unknown): number {
  return utf8Bytes(JSON.stringify(value));
}

/**
 * Whether a value nests arrays and objects more than `limit` levels,
 * measured with a loop (no recursion to overflow).
 */
export function tooDeep(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (item === null || typeof item !== 'object') {
      continue;
    }
    if (depth > limit) {
      return true;
    }
    for (const child of Object.values(item)) {
      stack.push([child, depth + 1]);
    }
  }
  return false;
}
