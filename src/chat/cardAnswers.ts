/**
 * The user's answers to the cards a request waits on (an approval, a
 * question): sent to the server, then shown on the card and followed; an
 * answer that could not be sent says so in the chat.
 */
import type { TranslationBundle } from '@jupyterlab/translation';

import type { IApprovalEntry, IQuestionEntry } from './entries';
import type { ChatModel, Conversation } from './model';
import type { ChatClient } from '../server/chatClient';

export class CardAnswers {
  constructor(model: ChatModel, client: ChatClient, trans: TranslationBundle) {
    this._model = model;
    this._client = client;
    this._trans = trans;
  }

  /**
   * Answer an approval request of the assistant: run the cell (true), not
   * (false), or run this edited code instead (a string); `always`: approve,
   * and let that MCP tool run without asking from now on (a setting of the
   * user's, kept on the server).
   */
  approval(
    entry: IApprovalEntry,
    answer: boolean | string,
    always = false
  ): void {
    const conversation = this._model.conversationOf(entry.session);
    const sent = this._client.send({
      type: 'approval',
      session: entry.session,
      request_id: entry.requestId,
      approved: answer !== false,
      ...(typeof answer === 'string' ? { code: answer } : {}),
      ...(always && answer === true ? { always: true } : {})
    });
    if (sent) {
      conversation?.decideApproval(entry.requestId, answer);
      conversation?.follow();
    } else {
      this._notSent(conversation);
    }
  }

  /**
   * Answer the assistant's question: the option at this index, or the
   * user's own words (a string). The request goes on with it.
   */
  question(entry: IQuestionEntry, answer: number | string): void {
    const conversation = this._model.conversationOf(entry.session);
    const chosen =
      typeof answer === 'number'
        ? { option: answer, text: '' }
        : { option: null, text: answer };
    const sent = this._client.send({
      type: 'answer',
      session: entry.session,
      request_id: entry.requestId,
      ...(typeof answer === 'number' ? { option: answer } : { text: answer })
    });
    if (sent) {
      conversation?.answerQuestion(entry.requestId, chosen);
      conversation?.follow();
    } else {
      this._notSent(conversation);
    }
  }

  /** An answer to a card did not go out: say so where it was given. */
  private _notSent(conversation: Conversation | null | undefined): void {
    conversation?.addNotice(
      this._trans.__(
        'The answer could not be sent: not connected to the server.'
      ),
      this._trans.__('It reconnects by itself; answer again then.')
    );
  }

  private _model: ChatModel;
  private _client: ChatClient;
  private _trans: TranslationBundle;
}
