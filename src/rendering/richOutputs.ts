/**
 * HTML outputs in the chat as the notebook shows them, safely.
 *
 * The chat renders outputs untrusted, so Lab's HTML renderer sanitizes them:
 * a folium map, a plotly page or any HTML that needs its scripts would show
 * nothing, and a video's `<source src>` is dropped. This renderer takes the
 * HTML outputs first and picks:
 *
 * - HTML with scripts (or folium's `<iframe srcdoc>`): a sandboxed iframe
 *   (scripts run, but with no same origin: no access to Lab, its cookies or
 *   the server's API; no top navigation; no popups). A content security
 *   policy keeps it off the network; a page that loads scripts or styles
 *   from other sites names them and loads only after the user clicks.
 * - `<video>`/`<audio>` (IPython's `Video`, `Audio`): a player of our own,
 *   for data: URLs and files next to the notebook (through the resolver);
 *   one from another site waits for a click, as remote images do.
 * - anything else: Lab's own HTML renderer, sanitized as before.
 */
import { RenderedHTML } from '@jupyterlab/rendermime';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import type { TranslationBundle } from '@jupyterlab/translation';
import { PanelLayout, Widget } from '@lumino/widgets';

const HTML_MIME = 'text/html';
/**
 * The first height of a frame: folium's map fills its frame, which it makes
 * 60% as high as wide; other pages then say their own height.
 */
const MAP_HEIGHT = 400;
const PAGE_HEIGHT = 150;
/** The heights a page may ask for. */
const MIN_HEIGHT = 40;
const MAX_HEIGHT = 1200;
/** The key of the message a page sends with its height. */
const HEIGHT_MESSAGE = 'ciFrameHeight';
/** Run in the page: tells the chat how tall its content is, whenever that changes. */
const REPORT_HEIGHT = `(function () {
  function send() {
    parent.postMessage({ ${HEIGHT_MESSAGE}: document.documentElement.scrollHeight }, '*');
  }
  addEventListener('load', send);
  new ResizeObserver(send).observe(document.body);
})();`;
/** What the sandboxed page may do: run its scripts, nothing else. */
export const FRAME_SANDBOX = 'allow-scripts';
/** Local-only sources: inline code and embedded data. */
const LOCAL = "'unsafe-inline' 'unsafe-eval' data: blob:";

/** The page an HTML output runs, and the sites it loads code or styles from. */
export interface IInteractivePage {
  document: Document;
  /** Origins of its remote scripts and stylesheets (`https://host`), in order. */
  remote: string[];
  height: number;
}

/**
 * The page of an output that needs scripts, or null: a document with
 * `<script>`, or the `srcdoc` of an `<iframe>` (folium wraps its map in one).
 * Parsed in an inert document: nothing in it runs or loads.
 */
export function interactivePage(html: string): IInteractivePage | null {
  const outer = new DOMParser().parseFromString(html, 'text/html');
  let document: Document = outer;
  let height = PAGE_HEIGHT;
  if (!outer.querySelector('script')) {
    const frame = outer.querySelector('iframe[srcdoc]');
    if (!frame) {
      return null;
    }
    document = new DOMParser().parseFromString(
      frame.getAttribute('srcdoc') ?? '',
      'text/html'
    );
    height = pixels(frame.getAttribute('height')) ?? MAP_HEIGHT;
  }
  const urls = [
    ...Array.from(document.querySelectorAll('script[src]'), s =>
      s.getAttribute('src')
    ),
    ...Array.from(document.querySelectorAll('link[href]'), l =>
      l.getAttribute('href')
    )
  ];
  const remote: string[] = [];
  for (const url of urls) {
    const origin = remoteOrigin(url ?? '');
    if (origin && !remote.includes(origin)) {
      remote.push(origin);
    }
  }
  return { document, remote, height };
}

/** The origin of an absolute or protocol-relative http(s) URL; null for anything local. */
function remoteOrigin(url: string): string | null {
  const trimmed = url.trim();
  if (!/^(https?:)?\/\//i.test(trimmed)) {
    return null;
  }
  try {
    return new URL(trimmed, 'https://placeholder.invalid').origin;
  } catch {
    return null;
  }
}

function pixels(value: string | null): number | null {
  const match = /^\s*(\d+)(px)?\s*$/.exec(value ?? '');
  return match ? Math.min(Number(match[1]), 2000) : null;
}

/**
 * The page as the iframe's `srcdoc`, with a content security policy first in
 * its head: nothing from the network, or, once the user allowed it, the
 * named script sites and any https resource (map tiles, fonts).
 */
export function frameDocument(
  page: IInteractivePage,
  allowRemote: boolean
): string {
  const policy = allowRemote
    ? `default-src 'none'; script-src ${LOCAL} ${page.remote.join(' ')}; ` +
      "style-src 'unsafe-inline' data: https:; img-src data: blob: https:; " +
      'font-src data: https:; connect-src https:; media-src data: blob: https:'
    : `default-src 'none'; script-src ${LOCAL}; style-src 'unsafe-inline' data:; ` +
      'img-src data: blob:; font-src data:; media-src data: blob:';
  const doc = page.document;
  const meta = doc.createElement('meta');
  meta.setAttribute('http-equiv', 'Content-Security-Policy');
  meta.setAttribute('content', policy);
  doc.head.prepend(meta);
  const report = doc.createElement('script');
  report.textContent = REPORT_HEIGHT;
  doc.body.append(report);
  const html = `<!DOCTYPE html>\n${doc.documentElement.outerHTML}`;
  meta.remove();
  report.remove();
  return html;
}

/** The media an output plays (IPython's Video and Audio), or null if it is not only that. */
export function mediaSources(
  html: string
): { tag: 'video' | 'audio'; src: string; attributes: string[] }[] | null {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  const players = Array.from(doc.body.querySelectorAll('video, audio'));
  if (!players.length || doc.querySelector('script, iframe')) {
    return null;
  }
  return players.map(player => ({
    tag: player.tagName.toLowerCase() as 'video' | 'audio',
    src:
      player.getAttribute('src') ??
      player.querySelector('source[src]')?.getAttribute('src') ??
      '',
    attributes: ['loop', 'muted', 'width', 'height'].filter(name =>
      player.hasAttribute(name)
    )
  }));
}

/** Renders an HTML output of a step: see the module's comment. */
export class ChatHtmlRenderer extends Widget implements IRenderMime.IRenderer {
  constructor(options: IRenderMime.IRendererOptions, trans: TranslationBundle) {
    super();
    this._options = options;
    this._trans = trans;
    this.layout = new PanelLayout();
    this.addClass('jp-ci-HtmlOutput');
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const html = String(model.data[HTML_MIME] ?? '');
    const layout = this.layout as PanelLayout;
    layout.widgets.forEach(widget => widget.dispose());
    this.node.replaceChildren();
    const page = interactivePage(html);
    if (page) {
      this._showPage(page);
      return;
    }
    const media = mediaSources(html);
    if (media) {
      for (const item of media) {
        this.node.appendChild(await this._player(item));
      }
      return;
    }
    const inner = new RenderedHTML(this._options);
    layout.addWidget(inner);
    await inner.renderModel(model);
  }

  /** The page in its sandbox; first a button naming the sites it loads from, if any. */
  private _showPage(page: IInteractivePage): void {
    if (!page.remote.length) {
      this.node.appendChild(this._frame(page, false));
      return;
    }
    const hosts = page.remote.map(origin => new URL(origin).host);
    const gate = document.createElement('div');
    gate.className = 'jp-ci-RemoteScripts';
    const note = document.createElement('div');
    note.textContent = this._trans.__(
      'This output runs scripts from other sites: %1. They load only if you allow it.',
      hosts.join(', ')
    );
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'jp-ci-Button';
    button.textContent = this._trans._n(
      'Load scripts from %1 site',
      'Load scripts from %1 sites',
      hosts.length
    );
    button.addEventListener('click', () =>
      gate.replaceWith(this._frame(page, true))
    );
    gate.append(note, button);
    this.node.appendChild(gate);
  }

  private _frame(page: IInteractivePage, allowRemote: boolean): HTMLElement {
    const frame = document.createElement('iframe');
    frame.className = 'jp-ci-HtmlFrame';
    frame.setAttribute('sandbox', FRAME_SANDBOX);
    frame.setAttribute('referrerpolicy', 'no-referrer');
    frame.title = this._trans.__('Interactive output');
    frame.style.height = `${page.height}px`;
    frame.srcdoc = frameDocument(page, allowRemote);
    this._listenForHeight(frame);
    return frame;
  }

  /** The page's own height, as it reports it (it cannot be read across the sandbox). */
  private _listenForHeight(frame: HTMLIFrameElement): void {
    this._stopListening();
    const listener = (event: MessageEvent): void => {
      const height = event.data?.[HEIGHT_MESSAGE];
      if (event.source === frame.contentWindow && typeof height === 'number') {
        const clamped = Math.min(MAX_HEIGHT, Math.max(MIN_HEIGHT, height));
        frame.style.height = `${Math.ceil(clamped)}px`;
      }
    };
    window.addEventListener('message', listener);
    this._stopListening = () => window.removeEventListener('message', listener);
  }

  dispose(): void {
    this._stopListening();
    super.dispose();
  }

  /** A player for a data: URL or a file next to the notebook; one from elsewhere waits for a click. */
  private async _player(item: {
    tag: 'video' | 'audio';
    src: string;
    attributes: string[];
  }): Promise<HTMLElement> {
    const player = document.createElement(item.tag);
    player.controls = true;
    for (const name of item.attributes) {
      player.setAttribute(name, '');
    }
    const origin = remoteOrigin(item.src);
    if (origin === null) {
      player.src = await this._local(item.src);
      return player;
    }
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'jp-ci-Button';
    button.textContent =
      item.tag === 'video'
        ? this._trans.__('Load video from %1', new URL(origin).host)
        : this._trans.__('Load audio from %1', new URL(origin).host);
    button.addEventListener('click', () => {
      player.src = item.src;
      button.replaceWith(player);
    });
    return button;
  }

  /** A data: URL as it is; a relative path as the URL of that file next to the notebook. */
  private async _local(src: string): Promise<string> {
    const resolver = this._options.resolver;
    if (/^(data|blob):/i.test(src) || !resolver) {
      return src;
    }
    return resolver.getDownloadUrl(await resolver.resolveUrl(src));
  }

  private _options: IRenderMime.IRendererOptions;
  private _trans: TranslationBundle;
  private _stopListening: () => void = () => undefined;
}
