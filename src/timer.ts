/** A timeout whose expiry is a promise, and that can be cleared. */
export class Timer {
  constructor(ms: number) {
    this.elapsed = new Promise(resolve => {
      this._id = window.setTimeout(resolve, ms);
    });
  }

  /** Resolves when the time is up (never, once cleared). */
  readonly elapsed: Promise<void>;

  clear(): void {
    window.clearTimeout(this._id);
  }

  private _id = 0;
}
