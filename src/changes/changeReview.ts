/**
 * The user's answers to what a request changed in the notebook: accept or
 * revert one change, undo the whole request, run the restored cells again,
 * dismiss the card. The notebook is changed through its shared model (see
 * changeActions.ts), the conversation shows the outcome at once, and the
 * server is told (`review`, `undo`), which tells every window and keeps it
 * in the session record for a reload. The notebook is saved afterwards, as
 * after the assistant's own steps, so the file and the record agree.
 *
 * A cell the user changed since the assistant left it is never reverted
 * silently: the user is asked to keep their version or revert anyway.
 */
import {
  Dialog,
  ISessionContextDialogs,
  Notification,
  showDialog
} from '@jupyterlab/apputils';
import type { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import type { ITranslator, TranslationBundle } from '@jupyterlab/translation';

import { changeState, rerunCells, revertChanges } from './changeActions';
import type { ChatClient } from '../server/chatClient';
import type { IChangeSet } from '../chat/entries';
import type { ChatModel } from '../chat/model';
import { notebookOfSession } from '../notebook/notebooks';
import type { ClientMessage, INotebookChange } from '../server/protocol';

/** What the user chose for cells they changed since. */
type Conflict = 'keep' | 'revert' | 'cancel';

export class ChangeReviewer {
  constructor(options: ChangeReviewer.IOptions) {
    this._client = options.client;
    this._model = options.model;
    this._tracker = options.tracker;
    this._trans = options.trans;
    this._sessionDialogs = options.sessionDialogs;
    this._translator = options.translator;
    this._save = options.save;
  }

  /** Keep one change: the notebook stays as it is; the server is told. */
  accept(set: IChangeSet, change: INotebookChange): void {
    this._model
      .conversationOf(set.session)
      ?.recordReview(set.request, change.cell_id, 'accepted');
    this._tell(set, {
      type: 'review',
      session: set.session,
      request: set.request,
      cell_id: change.cell_id,
      action: 'accepted'
    });
  }

  /**
   * Take one change back: an edited cell gets its source back, an inserted
   * one is deleted. Asks first when the user changed the cell since.
   */
  async revert(set: IChangeSet, change: INotebookChange): Promise<void> {
    const panel = this._notebook(set);
    if (!panel) {
      return;
    }
    if (
      changeState(panel, change) === 'edited_since' &&
      (await this._askAboutConflicts(1)) !== 'revert'
    ) {
      return;
    }
    revertChanges(panel, [change]);
    this._model
      .conversationOf(set.session)
      ?.recordReview(set.request, change.cell_id, 'reverted');
    this._tell(set, {
      type: 'review',
      session: set.session,
      request: set.request,
      cell_id: change.cell_id,
      action: 'reverted'
    });
    await this._save(set.session);
  }

  /**
   * Take back every change of the request not reverted yet. Cells the user
   * changed since are asked about once, for all of them: kept as they are
   * (reported `kept`), or reverted anyway; cancelling changes nothing.
   * Resolves with whether the undo happened (not cancelled).
   */
  async undo(set: IChangeSet): Promise<boolean> {
    const panel = this._notebook(set);
    if (!panel) {
      return false;
    }
    // A cell only run again gets its outputs from before back (its source is unchanged).
    const open = set.changes.filter(
      change => set.reviews[change.cell_id] !== 'reverted'
    );
    const conflicts = open.filter(
      change => changeState(panel, change) === 'edited_since'
    );
    let kept: string[] = [];
    if (conflicts.length > 0) {
      const choice = await this._askAboutConflicts(conflicts.length);
      if (choice === 'cancel') {
        return false;
      }
      if (choice === 'keep') {
        kept = conflicts.map(change => change.cell_id);
      }
    }
    const { restored, removed } = revertChanges(
      panel,
      open.filter(change => !kept.includes(change.cell_id))
    );
    const outcome = { restored, removed, kept };
    this._model.conversationOf(set.session)?.recordUndo(set.request, outcome);
    if (restored.length + removed.length + kept.length > 0) {
      // The server refuses an undo that names no cell of the request.
      this._tell(set, {
        type: 'undo',
        session: set.session,
        request: set.request,
        ...outcome
      });
    }
    await this._save(set.session);
    return true;
  }

  /** Run the cells the request's undo restored again, in notebook order. */
  async rerunRestored(set: IChangeSet): Promise<void> {
    const panel = this._notebook(set);
    if (panel && set.undo) {
      await rerunCells(
        panel,
        set.undo.restored,
        this._sessionDialogs,
        this._translator
      );
    }
  }

  /** Hide the request's card and the markers of its cells. */
  dismiss(set: IChangeSet): void {
    this._model.conversationOf(set.session)?.dismissChanges(set.request);
  }

  /** The open notebook of a set; tells the user when it is not open. */
  private _notebook(set: IChangeSet): NotebookPanel | null {
    const panel = notebookOfSession(this._tracker, this._model, set.session);
    if (!panel) {
      Notification.warning(
        this._trans.__('Open the notebook to review or undo its changes.'),
        { autoClose: 5000 }
      );
    }
    return panel;
  }

  /** Ask what to do with cells the user changed since the assistant left them. */
  private async _askAboutConflicts(count: number): Promise<Conflict> {
    const trans = this._trans;
    const revert = trans.__('Revert anyway');
    const keep = trans.__('Keep mine');
    const result = await showDialog({
      title: trans._n(
        'You changed this cell since',
        'You changed %1 of these cells since',
        count
      ),
      body: trans._n(
        'The cell no longer holds what the assistant left. Keep your version, or revert it anyway (your changes to it are lost)?',
        '%1 cells no longer hold what the assistant left. Keep your versions, or revert them anyway (your changes to them are lost)?',
        count
      ),
      buttons: [
        Dialog.cancelButton({ label: trans.__('Cancel') }),
        Dialog.okButton({ label: keep }),
        Dialog.warnButton({ label: revert })
      ],
      // Enter keeps the user's work: losing it takes a deliberate click.
      defaultButton: 1
    });
    if (!result.button.accept) {
      return 'cancel';
    }
    return result.button.label === revert ? 'revert' : 'keep';
  }

  /** Tell the server; a closed connection is said in the conversation. */
  private _tell(set: IChangeSet, message: ClientMessage): void {
    if (!this._client.send(message)) {
      this._model
        .conversationOf(set.session)
        ?.addNotice(
          this._trans.__(
            'The notebook was changed, but the server could not be told: not connected.'
          ),
          this._trans.__(
            'After a reload the card may not show what you did; the notebook is as you left it.'
          )
        );
    }
  }

  private _client: ChatClient;
  private _model: ChatModel;
  private _tracker: INotebookTracker;
  private _trans: TranslationBundle;
  private _sessionDialogs?: ISessionContextDialogs;
  private _translator?: ITranslator;
  private _save: (session: string) => Promise<void>;
}

export namespace ChangeReviewer {
  export interface IOptions {
    client: ChatClient;
    model: ChatModel;
    tracker: INotebookTracker;
    trans: TranslationBundle;
    /** Lets a re-run ask for a kernel when the notebook has none. */
    sessionDialogs?: ISessionContextDialogs;
    translator?: ITranslator;
    /** Save a session's notebook, after the saves of the assistant's steps. */
    save: (session: string) => Promise<void>;
  }
}
