/**
 * Exporting a notebook as a clean, reproducible notebook, verified by the
 * server in a fresh kernel (see `POST ci-jupyterlab/export` in
 * docs/protocol.md).
 */
import type { NotebookPanel } from '@jupyterlab/notebook';

import type { Conversation } from '../chat/model';
import { requestExport } from './request';

/**
 * Save the notebook (the server exports the file on disk), ask the server to
 * export and verify it, then open the exported notebook, written next to the
 * original under a new name.
 *
 * The conversation shows the export running, then its verification summary
 * or why it failed. The original notebook is only saved, never changed.
 */
export async function exportReproducible(
  panel: NotebookPanel,
  conversation: Conversation,
  open: (path: string) => Promise<void>
): Promise<void> {
  const id = conversation.startExport();
  let exported: string;
  try {
    await panel.context.save();
    const result = await requestExport(
      panel.context.path,
      conversation.session
    );
    conversation.finishExport(id, { result, error: null });
    exported = result.path;
  } catch (error) {
    conversation.finishExport(id, {
      result: null,
      error: (error as Error).message
    });
    return;
  }
  await open(exported);
}
