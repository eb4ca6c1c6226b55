/**
 * The check made when the panel opens: does the configured model server
 * answer, and does it list the model? It asks only for the model list, so it
 * spends no tokens; what it finds shows as a warning above the input (with
 * the way to the settings), not as a block: the next request may work.
 */
import type { TranslationBundle } from '@jupyterlab/translation';

import type { ChatModel } from '../chat/model';
import { testConnection } from '../settings/settingsClient';

export async function checkConnection(
  model: ChatModel,
  trans: TranslationBundle
): Promise<void> {
  try {
    const result = await testConnection({ quick: true });
    // With no model configured, requests use the server's first: name it.
    model.listedModel = result.model ?? null;
    model.connectionWarning = result.ok
      ? null
      : {
          message:
            result.error?.message ??
            trans.__('The model server at %1 did not answer.', result.endpoint),
          hint: result.error?.hint ?? null
        };
  } catch (error) {
    // Not the model server: the server extension itself, which the panel's
    // configuration problem already reports.
    console.warn('ci-jupyterlab: the connection check failed', error);
  }
}
