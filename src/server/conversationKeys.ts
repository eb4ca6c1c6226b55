/**
 * Each conversation's key: only a window that holds it may attach to the
 * conversation or send in it (ChatSession.admits on the server), so a window
 * of another browser, or code with the server's token, cannot watch, stop or
 * answer it. The key is made by the window that starts the conversation and
 * kept in this browser's localStorage, by server and session: a reload and
 * the browser's other tabs present it again.
 */
import { ServerConnection } from '@jupyterlab/services';
import { UUID } from '@lumino/coreutils';

const PREFIX = 'ci-jupyterlab:conversation-key:';

/** The key of a conversation in this browser, made the first time it is asked for. */
export function conversationKey(
  session: string,
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): string {
  const name = `${PREFIX}${settings.baseUrl}:${session}`;
  let key = localStorage.getItem(name);
  if (!key) {
    key = UUID.uuid4();
    localStorage.setItem(name, key);
  }
  return key;
}
