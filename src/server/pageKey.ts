/**
 * The page's key (ci_jupyterlab/page_key.py): beside the server's token, the
 * proof that a change of the approval mode, the model server or the key
 * comes from this page, not from code running in a kernel (which can read the
 * token from Jupyter's runtime files, but cannot reach the browser).
 *
 * The server hands the key out once, to the first page that asks: this
 * extension asks as soon as the page loads, before the assistant can have
 * run any code. The key is kept in this browser's localStorage, by server,
 * so every tab of the browser has it and a reload keeps it.
 */
import { ServerConnection } from '@jupyterlab/services';

import { APIError, requestAPI } from './request';

/** The header that carries the key (page_key.HEADER). */
const HEADER = 'X-CI-Page-Key';
const STORAGE_PREFIX = 'ci-jupyterlab:page-key:';

/**
 * Claim the page's key from the server, or confirm the one kept; keep what
 * the server answers. Resolves with whether this page holds the key (false
 * when another browser claimed it first).
 */
export async function claimPageKey(
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<boolean> {
  try {
    await claim(settings);
    return true;
  } catch (error) {
    console.warn(
      'ci-jupyterlab: this page does not hold the settings key',
      error
    );
    return false;
  }
}

/** The header that proves a request comes from this page; empty without a key. */
export function pageKeyHeaders(
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Record<string, string> {
  const key = localStorage.getItem(storageName(settings));
  return key ? { [HEADER]: key } : {};
}

/**
 * Send a change that needs the page's key. If the server refuses it for the
 * key (403, reason `page_key`), the page claims the key again: a key kept
 * from before a server restart is replaced and the change sent once more; if
 * another browser holds the key, the server's answer to the claim says so. A
 * refusal for anything else (a model the administrator does not allow) is
 * the answer as it is.
 */
export async function withPageKey<T>(
  send: (headers: Record<string, string>) => Promise<T>,
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const held = pageKeyHeaders(settings)[HEADER];
  try {
    return await send(pageKeyHeaders(settings));
  } catch (error) {
    if (!(error instanceof APIError && error.reason === 'page_key')) {
      throw error;
    }
    await claim(settings);
    if (pageKeyHeaders(settings)[HEADER] === held) {
      throw error; // the key was right: the refusal is about something else
    }
    return send(pageKeyHeaders(settings));
  }
}

/** Ask the server for the page's key (sending the one kept, if any) and keep it. */
async function claim(settings: ServerConnection.ISettings): Promise<void> {
  const { key } = await requestAPI<{ key: string }>(
    'settings/page-key',
    { method: 'POST', headers: pageKeyHeaders(settings) },
    settings
  );
  localStorage.setItem(storageName(settings), key);
}

function storageName(settings: ServerConnection.ISettings): string {
  return STORAGE_PREFIX + settings.baseUrl;
}
