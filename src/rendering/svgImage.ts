/**
 * SVG outputs in the chat, shown as images.
 *
 * The chat renders outputs untrusted, and Lab's SVG renderer shows nothing
 * for an untrusted SVG (the card would fall back to
 * `<IPython.core.display.SVG object>`). An SVG loaded as an `<img>` is safe
 * whoever wrote it: the browser runs none of its scripts and loads nothing
 * it references, so the chat can show every SVG this way.
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';

export const SVG_MIME = 'image/svg+xml';

/** Draws an SVG output as an image. */
export class SvgImageRenderer extends Widget implements IRenderMime.IRenderer {
  constructor() {
    super();
    this.addClass('jp-ci-SvgImage');
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const source = model.data[SVG_MIME];
    const image = document.createElement('img');
    image.src = `data:${SVG_MIME};base64,${toBase64(String(source ?? ''))}`;
    image.alt = 'SVG';
    this.node.replaceChildren(image);
  }
}

/** UTF-8, then base64: btoa alone takes Latin-1 only. */
function toBase64(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) {
    binary += String.fromCharCode(byte);
  }
  return window.btoa(binary);
}
