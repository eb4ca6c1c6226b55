/**
 * What each request of a conversation changed in the notebook, in request
 * order, with what the user did about it (see IChangeSet): reviews, undo,
 * dismissal (kept in Dismissals, so a reload keeps a dismissed card away).
 */
import type { Dismissals } from './dismissals';
import { IChangeSet, IUndoOutcome, mergeChanges, nextId } from './entries';
import type { INotebookChange, ReviewAction } from '../server/protocol';

export class ChangeSetLog {
  /** `changed` is called after each change that is said. */
  constructor(dismissals: Dismissals, changed: () => void) {
    this._dismissals = dismissals;
    this._changed = changed;
  }

  /** Every request's change set, dismissed ones marked so. */
  get all(): ReadonlyArray<IChangeSet> {
    return this._sets.map(set =>
      !set.dismissed && this._dismissals.has(set.session, set.request)
        ? { ...set, dismissed: true }
        : set
    );
  }

  /** The change set of a request, if it changed the notebook. */
  of(request: number): IChangeSet | null {
    return this.all.find(set => set.request === request) ?? null;
  }

  /** Take every change set out (to replay a history before them); nothing is said. */
  takeAll(): IChangeSet[] {
    const sets = this._sets;
    this._sets = [];
    return sets;
  }

  /** Put change sets back after the replayed ones; nothing is said. */
  append(sets: ReadonlyArray<IChangeSet>): void {
    this._sets = [...this._sets, ...sets];
  }

  /**
   * Every change a request made so far, under the user entry it belongs to
   * (`userEntryId`: the last request shown when its card first comes).
   */
  update(
    session: string,
    userEntryId: string | null,
    request: number,
    changes: ReadonlyArray<INotebookChange>,
    stateChanged: boolean
  ): void {
    const merged = mergeChanges(changes);
    if (this._sets.some(set => set.request === request)) {
      this._update(request, set => ({
        ...set,
        changes: merged,
        stateChanged
      }));
      return;
    }
    this._sets.push({
      id: nextId(),
      session,
      request,
      userEntryId,
      changes: merged,
      reviews: {},
      undo: null,
      dismissed: false,
      stateChanged
    });
    this._changed();
  }

  /** The user accepted or reverted one change of a request. */
  recordReview(request: number, cellId: string, action: ReviewAction): void {
    this._update(request, set => ({
      ...set,
      reviews: { ...set.reviews, [cellId]: action }
    }));
  }

  /** The user undid a request's changes. */
  recordUndo(request: number, outcome: IUndoOutcome): void {
    const { restored, removed, kept } = outcome;
    this._update(request, set => ({
      ...set,
      undo: { restored, removed, kept }
    }));
  }

  /** The user dismissed a request's card: it goes, and so do its cell markers. */
  dismiss(request: number): void {
    this._update(request, set => {
      this._dismissals.add(set.session, request);
      return { ...set, dismissed: true };
    });
  }

  private _update(
    request: number,
    change: (set: IChangeSet) => IChangeSet
  ): void {
    const index = this._sets.findIndex(set => set.request === request);
    if (index >= 0) {
      this._sets[index] = change(this._sets[index]);
      this._changed();
    }
  }

  private _dismissals: Dismissals;
  private _changed: () => void;
  private _sets: IChangeSet[] = [];
}
