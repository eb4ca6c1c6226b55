/**
 * Finding the open notebook of a conversation, and describing it for a
 * request. Nothing here changes a notebook.
 */
import type { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';

import type { ChatModel } from '../chat/model';
import { describeCells } from './notebookView';
import type { INotebookInfo } from '../server/protocol';
import { Timer } from '../timer';

/** The open notebook at a path, if any. */
export function notebookAt(
  tracker: INotebookTracker,
  path: string
): NotebookPanel | null {
  return tracker.find(panel => panel.context.path === path) ?? null;
}

/** The open notebook of a session's conversation, if any. */
export function notebookOfSession(
  tracker: INotebookTracker,
  model: ChatModel,
  session: string
): NotebookPanel | null {
  const path = model.conversationOf(session)?.path;
  return path === undefined ? null : notebookAt(tracker, path);
}

/** How long to wait for a kernel's language before sending without it. */
const KERNEL_INFO_WAIT_MS = 10000;

/**
 * The notebook part of a `user_message`: its path, its kernel and the view
 * of its cells (see describeCells), taken once the kernel is known. Waits
 * for the notebook's kernel session, and a little for the kernel's info,
 * which holds its language.
 */
export async function describeNotebook(
  panel: NotebookPanel
): Promise<INotebookInfo> {
  await panel.sessionContext.ready;
  const kernel = panel.sessionContext.session?.kernel ?? null;
  let language: string | null = null;
  if (kernel) {
    const wait = new Timer(KERNEL_INFO_WAIT_MS);
    const info = await Promise.race([
      kernel.info,
      wait.elapsed.then(() => null)
    ]).catch(() => null);
    wait.clear();
    language = info?.language_info.name ?? null;
  }
  return {
    path: panel.context.path,
    kernel_name: kernel?.name ?? null,
    kernel_language: language,
    ...describeCells(panel.content)
  };
}
