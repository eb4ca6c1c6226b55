/**
 * The renderers of step outputs in the chat: Lab's, with SVG shown as images
 * (svgImage.ts), HTML that needs scripts in a sandbox and media played
 * (richOutputs.ts), and relative URLs resolved next to the notebook.
 */
import { PageConfig, PathExt, URLExt } from '@jupyterlab/coreutils';
import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import type { TranslationBundle } from '@jupyterlab/translation';

import { ChatHtmlRenderer } from './richOutputs';
import { SVG_MIME, SvgImageRenderer } from './svgImage';

const HTML_MIME = 'text/html';

/** Lab's renderers for the chat, with the chat's own for SVG and HTML (both safe untrusted). */
export function chatRendermime(
  rendermime: IRenderMimeRegistry,
  trans: TranslationBundle
): IRenderMimeRegistry {
  const chat = rendermime.clone();
  chat.addFactory(
    {
      safe: true,
      mimeTypes: [SVG_MIME],
      createRenderer: () => new SvgImageRenderer()
    },
    rendermime.getRank(SVG_MIME) ?? 80
  );
  chat.addFactory(
    {
      safe: true,
      mimeTypes: [HTML_MIME],
      createRenderer: options => new ChatHtmlRenderer(options, trans)
    },
    rendermime.getRank(HTML_MIME) ?? 50
  );
  return chat;
}

/**
 * The chat's renderers for one notebook's conversation: a file a step's
 * output names by a relative path (IPython's `Video("clip.mp4")`, a
 * `FileLink`) is the one next to that notebook, served by Jupyter.
 */
export function notebookRendermime(
  rendermime: IRenderMimeRegistry,
  notebookPath: string | null
): IRenderMimeRegistry {
  return notebookPath === null
    ? rendermime
    : rendermime.clone({ resolver: new NotebookFileResolver(notebookPath) });
}

class NotebookFileResolver implements IRenderMime.IResolver {
  constructor(notebookPath: string) {
    this._folder = PathExt.dirname(notebookPath);
  }

  async resolveUrl(url: string): Promise<string> {
    return this.isLocal(url)
      ? PathExt.join(this._folder, decodeURIComponent(url))
      : url;
  }

  async getDownloadUrl(path: string): Promise<string> {
    if (!this.isLocal(path)) {
      return path;
    }
    return URLExt.join(
      PageConfig.getBaseUrl(),
      'files',
      URLExt.encodeParts(path)
    );
  }

  isLocal(url: string): boolean {
    return URLExt.isLocal(url) && !/^(data|blob):/i.test(url);
  }

  private _folder: string;
}
