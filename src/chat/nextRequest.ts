/**
 * What goes with a conversation's next request besides its text: the cell
 * it is about (a chip in the input) and the attached files.
 */
import { nextId } from './entries';

/** A file attached to the next request: uploading, or saved at `path`. */
export interface IAttachment {
  id: string;
  /** The file's name; once saved, the name it was saved under. */
  name: string;
  size: number;
  /** Where it was saved, relative to the server root; null while uploading. */
  path: string | null;
  /** The share uploaded so far, from 0 to 1. */
  progress: number;
}

/** An attachment whose upload finished. */
export type ISavedAttachment = IAttachment & { path: string };

/** The cell the next request is about, shown as a chip in the input. */
export interface ICellReference {
  /** The nbformat id of the cell. */
  cellId: string;
  /** How the chip names it, e.g. "Cell [3]". */
  label: string;
}

export class NextRequest {
  /** `changed` is called after each change. */
  constructor(changed: () => void) {
    this._changed = changed;
  }

  /** The cell the next request is about, if the user chose one. */
  get cellReference(): ICellReference | null {
    return this._cellReference;
  }

  /** Choose the cell the next request is about (null: none). */
  set cellReference(reference: ICellReference | null) {
    this._cellReference = reference;
    this._changed();
  }

  /** The cell of a request that is being sent; the choice is cleared. */
  takeCellReference(): ICellReference | null {
    const reference = this._cellReference;
    if (reference) {
      this.cellReference = null;
    }
    return reference;
  }

  /** The files that go with the next request. */
  get attachments(): ReadonlyArray<IAttachment> {
    return this._attachments;
  }

  /** Whether an attached file is still uploading. */
  get uploading(): boolean {
    return this._attachments.some(attachment => attachment.path === null);
  }

  /** Show a file that starts uploading; returns its attachment id. */
  addAttachment(name: string, size: number): string {
    const id = nextId();
    this._attachments = [
      ...this._attachments,
      { id, name, size, path: null, progress: 0 }
    ];
    this._changed();
    return id;
  }

  /** Change an attachment: its progress, or where it was saved. */
  updateAttachment(
    id: string,
    update: Partial<Pick<IAttachment, 'name' | 'path' | 'progress'>>
  ): void {
    this._attachments = this._attachments.map(attachment =>
      attachment.id === id ? { ...attachment, ...update } : attachment
    );
    this._changed();
  }

  /** Drop an attachment from the next request (the saved file stays). */
  removeAttachment(id: string): void {
    this._attachments = this._attachments.filter(a => a.id !== id);
    this._changed();
  }

  /** The saved attachments, for a request that is being sent; they are cleared. */
  takeAttachments(): ISavedAttachment[] {
    const saved = this._attachments.filter(
      (a): a is ISavedAttachment => a.path !== null
    );
    this._attachments = this._attachments.filter(a => a.path === null);
    this._changed();
    return saved;
  }

  private _changed: () => void;
  private _cellReference: ICellReference | null = null;
  private _attachments: IAttachment[] = [];
}
