/**
 * The user's preferences for the panel, from the plugin's settings
 * (schema/plugin.json), applied as soon as they change: no reload needed.
 * Only front-end choices live here; limits the server must agree on (the
 * output bounds, the timeouts) are the server's configuration.
 */
import type { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ISignal, Signal } from '@lumino/signaling';

export interface IPreferences {
  /** Pixels above which a step's outputs are collapsed behind "Show more". */
  collapsedOutputHeight: number;
  /** The kernelspec of a notebook created for a request. */
  newNotebookKernel: string;
  /** Bytes of an attached file sent in one request. */
  uploadChunkSize: number;
}

/** The schema's defaults, for a Lab without a settings registry. */
export const DEFAULT_PREFERENCES: Readonly<IPreferences> = {
  collapsedOutputHeight: 240,
  newNotebookKernel: 'python3',
  uploadChunkSize: 1024 * 1024
};

export class Preferences {
  /** The preferences now. */
  get values(): Readonly<IPreferences> {
    return this._values;
  }

  /** Emitted when any preference changed. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Take the plugin's settings now, and whenever the user changes them. */
  follow(settings: ISettingRegistry.ISettings): void {
    const read = () => {
      this._values = { ...DEFAULT_PREFERENCES, ...known(settings.composite) };
      this._changed.emit();
    };
    settings.changed.connect(read);
    read();
  }

  private _values: Readonly<IPreferences> = DEFAULT_PREFERENCES;
  private _changed = new Signal<this, void>(this);
}

/** The settings that have the type of a preference (the registry validated them). */
function known(composite: Record<string, unknown>): Partial<IPreferences> {
  const values: Partial<Record<keyof IPreferences, unknown>> = {};
  for (const key of Object.keys(
    DEFAULT_PREFERENCES
  ) as (keyof IPreferences)[]) {
    if (typeof composite[key] === typeof DEFAULT_PREFERENCES[key]) {
      values[key] = composite[key];
    }
  }
  return values as Partial<IPreferences>;
}
