/**
 * Keeps the chat model in step with the server and with the active
 * notebook:
 * - every server message is applied to the model (its conversation);
 * - the panel shows the active notebook's conversation, restored from the
 *   server's saved session once per page load (see restoreConversation),
 *   and this window attaches to that session;
 * - after a reconnection, this window attaches again to every session it
 *   shows (a request waiting for an approval outlives the connection); a
 *   dropped connection ends the requests that were running.
 * Nothing here changes a notebook.
 */
import type { INotebookTracker } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { IDisposable } from '@lumino/disposable';

import type { ChatClient, ConnectionState } from '../server/chatClient';
import { conversationKey } from '../server/conversationKeys';
import { restoreConversation } from './history';
import type { ChatModel, Conversation } from './model';
import type { ServerMessage } from '../server/protocol';
import { fetchConfig } from '../server/request';

export class ConversationSync implements IDisposable {
  constructor(options: ConversationSync.IOptions) {
    this._client = options.client;
    this._model = options.model;
    this._tracker = options.tracker;
    this._trans = options.trans;

    this._client.messageReceived.connect(this._onMessage, this);
    this._client.stateChanged.connect(this._onConnection, this);
    this._model.connection = this._client.state;
    this._tracker.currentChanged.connect(this._onCurrentChanged, this);
    this._onCurrentChanged();
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Read the server configuration into the model: at start, and after the
   * settings change (the header and the "nothing configured" problem follow).
   */
  async loadConfig(): Promise<void> {
    try {
      this._model.config = await fetchConfig();
      this._model.configError = null;
      // What the check on opening found was about the configuration replaced.
      this._model.connectionWarning = null;
    } catch (error) {
      this._model.configError = (error as Error).message;
    }
  }

  /**
   * Restore a conversation's saved session, once per page load, and attach
   * this window to it; resolves when that is done (at once after the first
   * time). Any failure leaves the conversation a fresh session.
   */
  restored(conversation: Conversation): Promise<void> {
    let restored = this._restored.get(conversation);
    if (!restored) {
      restored = restoreConversation(conversation, this._trans).then(
        session => {
          if (session !== null) {
            this._attach(session);
          }
        }
      );
      this._restored.set(conversation, restored);
    }
    return restored;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._client.messageReceived.disconnect(this._onMessage, this);
    this._client.stateChanged.disconnect(this._onConnection, this);
    this._tracker.currentChanged.disconnect(this._onCurrentChanged, this);
  }

  /** Show every message in its conversation (CellService runs the cells). */
  private _onMessage(_: ChatClient, message: ServerMessage): void {
    this._model.handle(message);
  }

  private _onConnection(_: ChatClient, state: ConnectionState): void {
    this._model.connection = state;
    if (state === 'closed') {
      this._model.abortRunningRequests();
    } else if (state === 'open') {
      for (const conversation of this._model.conversations) {
        if (conversation.entries.length > 0) {
          this._attach(conversation.session);
        }
      }
    }
  }

  /** Show this window a session's messages (it drives it, or watches it). */
  private _attach(session: string): void {
    this._client.send({
      type: 'attach',
      session,
      key: conversationKey(session)
    });
  }

  /**
   * Keep the chat on the notebook at `path` while `opening` opens another
   * one beside it (an export) and gives `path` the focus back: Lab makes a
   * notebook opened while the focus is in the sidebar the current one, and
   * the chat would show its (empty) conversation meanwhile, and come back
   * scrolled to the top. The current notebook's conversation is followed
   * again once `path` is current (or after a second, whatever happened).
   */
  async keepShowing(path: string, opening: () => Promise<void>): Promise<void> {
    this._holding += 1;
    try {
      await opening();
      await this._current(path, 1000);
    } finally {
      this._holding -= 1;
      this._onCurrentChanged();
    }
  }

  /** Resolves once the notebook at `path` is the current one, or after `ms`. */
  private _current(path: string, ms: number): Promise<void> {
    return new Promise(resolve => {
      const timer = window.setTimeout(done, ms);
      const tracker = this._tracker;
      function check(): void {
        if (tracker.currentWidget?.context.path === path) {
          done();
        }
      }
      function done(): void {
        window.clearTimeout(timer);
        tracker.currentChanged.disconnect(check);
        resolve();
      }
      tracker.currentChanged.connect(check);
      check();
    });
  }

  /** Show the active notebook's conversation, restored once per page load. */
  private _onCurrentChanged(): void {
    if (this._holding > 0) {
      return;
    }
    const path = this._tracker.currentWidget?.context.path ?? null;
    this._model.activePath = path;
    if (path !== null) {
      void this.restored(this._model.conversationFor(path));
    }
  }

  private _client: ChatClient;
  private _model: ChatModel;
  private _tracker: INotebookTracker;
  private _trans: TranslationBundle;
  private _isDisposed = false;
  private _holding = 0;
  /** The restoration of each conversation's saved session. */
  private _restored = new WeakMap<Conversation, Promise<void>>();
}

export namespace ConversationSync {
  export interface IOptions {
    client: ChatClient;
    model: ChatModel;
    tracker: INotebookTracker;
    /** The extension's strings (the notices of a restored history). */
    trans: TranslationBundle;
  }
}
