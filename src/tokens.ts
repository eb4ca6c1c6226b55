import { Token } from '@lumino/coreutils';

import type { ChatModel } from './chat/model';

/**
 * The code interpreter: its chat state, and the actions of the chat panel,
 * for other extensions to drive it.
 */
export interface ICodeInterpreter {
  /** Conversations, configuration and connection state. */
  readonly model: ChatModel;

  /**
   * Send a request from the active notebook (a new notebook is created
   * when none is open). Does nothing while a request runs.
   */
  send(text: string): Promise<void>;

  /** Stop the running request, interrupting its cell if one runs. */
  stop(): void;
}

export const ICodeInterpreter = new Token<ICodeInterpreter>(
  'ci-jupyterlab:ICodeInterpreter',
  'The code interpreter chat: its model, send and stop.'
);
