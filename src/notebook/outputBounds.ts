/**
 * A step's outputs cut to a size the chat websocket carries: a cell that
 * prints megabytes or shows a huge image must not close the connection (the
 * server refuses frames over 10 MB). The notebook keeps every output whole;
 * the server bounds what it keeps and shows the same way
 * (ci_jupyterlab/agent/bounds.py), with the same limits in characters (both
 * read them from the contract, ci_jupyterlab/agent/contract.json); the
 * limit in bytes is the websocket's, so only the panel needs it.
 */
import * as nbformat from '@jupyterlab/nbformat';

import { OUTPUT_BOUNDS } from '../server/contract';
import { jsonBytes, tooDeep } from './frames';

/** Characters of one text value (a stream, `text/plain`, `text/html`...). */
const TEXT_LIMIT = OUTPUT_BOUNDS.text_chars;
/** Characters of one base64 image (about 750 kB of PNG). */
const IMAGE_LIMIT = OUTPUT_BOUNDS.image_chars;
/** Characters of one step's outputs together. */
const TOTAL_LIMIT = OUTPUT_BOUNDS.step_chars;
/**
 * Bytes of one step's outputs together, as JSON: two million characters of
 * CJK text take six megabytes (see frames.ts); a result carries the outputs
 * of the cell before an edit too.
 */
const BYTE_LIMIT = 3 * 1024 * 1024;
/** Levels of arrays and objects of one output's value (`application/json`). */
const OUTPUT_NESTING = OUTPUT_BOUNDS.output_nesting;
/** Markup that cannot be cut without breaking it: dropped when too long. */
const STRUCTURED =
  /^(text\/html|image\/svg\+xml|application\/|text\/latex|text\/markdown)/;

function notKept(what: string): string {
  return `[${what} not kept in the chat; see the notebook]`;
}

function joined(value: nbformat.MultilineString | unknown): string {
  if (Array.isArray(value)) {
    return value.join('');
  }
  return typeof value === 'string' ? value : JSON.stringify(value ?? '');
}

/** The head and tail of a long text, with a marker for what was cut. */
function cutMiddle(text: string, limit: number = TEXT_LIMIT): string {
  if (text.length <= limit) {
    return text;
  }
  const half = Math.floor(limit / 2);
  const cut = text.length - 2 * half;
  return `${text.slice(0, half)}\n[... ${cut.toLocaleString()} characters cut ...]\n${text.slice(-half)}`;
}

function boundedData(data: nbformat.IMimeBundle): nbformat.IMimeBundle {
  const kept: nbformat.IMimeBundle = {};
  const dropped: string[] = [];
  for (const [mime, value] of Object.entries(data)) {
    if (tooDeep(value, OUTPUT_NESTING)) {
      // The server refuses frames nested this deep.
      dropped.push(
        `${mime} output nested more than ${OUTPUT_NESTING} levels deep`
      );
      continue;
    }
    const text = joined(value);
    if (mime.startsWith('image/') && mime !== 'image/svg+xml') {
      if (text.length > IMAGE_LIMIT) {
        const bytes = Math.floor((text.length * 3) / 4);
        dropped.push(`${mime} image of ${bytes.toLocaleString()} bytes`);
      } else {
        kept[mime] = value;
      }
    } else if (text.length <= TEXT_LIMIT) {
      kept[mime] = value;
    } else if (STRUCTURED.test(mime)) {
      dropped.push(
        `${mime} output of ${text.length.toLocaleString()} characters`
      );
    } else {
      kept[mime] = cutMiddle(text);
    }
  }
  if (dropped.length > 0) {
    const notes = dropped.map(notKept).join('\n');
    const plain = kept['text/plain'];
    kept['text/plain'] =
      plain === undefined ? notes : `${joined(plain)}\n${notes}`;
  }
  return kept;
}

function bounded(output: nbformat.IOutput): nbformat.IOutput {
  if (nbformat.isStream(output)) {
    return { ...output, text: cutMiddle(joined(output.text)) };
  }
  if (nbformat.isDisplayData(output) || nbformat.isExecuteResult(output)) {
    return { ...output, data: boundedData(output.data) };
  }
  if (nbformat.isError(output)) {
    const traceback = output.traceback.join('\n');
    if (traceback.length > TEXT_LIMIT) {
      return { ...output, traceback: cutMiddle(traceback).split('\n') };
    }
  }
  return output;
}

function sizeOf(output: nbformat.IOutput): number {
  if (nbformat.isStream(output)) {
    return joined(output.text).length;
  }
  if (nbformat.isError(output)) {
    return output.traceback.join('').length + output.evalue.length;
  }
  const data = (output as nbformat.IDisplayData).data ?? {};
  return Object.values(data).reduce<number>(
    (sum, value) => sum + joined(value).length,
    0
  );
}

/** A copy of `outputs` within the limits above; the originals are not changed. */
export function boundedOutputs(
  outputs: nbformat.IOutput[]
): nbformat.IOutput[] {
  const kept: nbformat.IOutput[] = [];
  let used = 0;
  let bytes = 0;
  for (const [index, output] of outputs.entries()) {
    const cut = bounded(output);
    used += sizeOf(cut);
    bytes += jsonBytes(cut);
    if (used > TOTAL_LIMIT || bytes > BYTE_LIMIT) {
      const rest = outputs.length - index;
      const what = `${rest.toLocaleString()} more output${rest > 1 ? 's' : ''}`;
      kept.push({
        output_type: 'stream',
        name: 'stdout',
        text: `${notKept(what)}\n`
      });
      break;
    }
    kept.push(cut);
  }
  return kept;
}
