/**
 * The files and notebooks the user's actions open, create and upload into:
 * a file of the server opened in Lab (or its download URL), a new notebook
 * for a request, an attached file uploaded next to its notebook. Each says
 * what went wrong, in a notification or in the chat.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import { PathExt, URLExt } from '@jupyterlab/coreutils';
import type { DocumentRegistry } from '@jupyterlab/docregistry';
import type { NotebookPanel } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';

import type { Conversation } from './chat/model';
import type { Preferences } from './settings/preferences';
import { uploadFile } from './server/uploads';

export class WorkspaceFiles {
  constructor(
    app: JupyterFrontEnd,
    trans: TranslationBundle,
    preferences: Preferences
  ) {
    this._app = app;
    this._trans = trans;
    this._preferences = preferences;
  }

  /** Open a file of the server; tells the user when it cannot be opened. */
  async open(
    path: string,
    options?: DocumentRegistry.IOpenOptions
  ): Promise<void> {
    try {
      await this._app.commands.execute('docmanager:open', {
        path,
        options: { ...options }
      });
    } catch (error) {
      Notification.error(
        this._trans.__(
          '%1 could not be opened: %2',
          path,
          (error as Error).message
        ),
        { autoClose: 5000 }
      );
    }
  }

  /** Upload one attached file, shown as a chip of the conversation. */
  async upload(
    conversation: Conversation,
    directory: string,
    file: File
  ): Promise<void> {
    const id = conversation.addAttachment(file.name, file.size);
    try {
      const path = await uploadFile(
        this._app.serviceManager.contents,
        file,
        directory,
        this._preferences.values.uploadChunkSize,
        progress => conversation.updateAttachment(id, { progress })
      );
      conversation.updateAttachment(id, { path, name: PathExt.basename(path) });
    } catch (error) {
      conversation.removeAttachment(id);
      conversation.addNotice(
        this._trans.__(
          '%1 could not be uploaded: %2',
          file.name,
          (error as Error).message
        ),
        this._trans.__(
          'Your message is still in the input box; attach the file again to retry.'
        )
      );
    }
  }

  /** The URL that downloads a file of the server. */
  downloadUrl(path: string): string {
    return URLExt.join(
      this._app.serviceManager.serverSettings.baseUrl,
      'files',
      URLExt.encodeParts(path)
    );
  }

  /** A new notebook for a request, or null (the user was told why). */
  async createNotebook(): Promise<NotebookPanel | null> {
    try {
      return (await this._app.commands.execute('notebook:create-new', {
        kernelName: this._preferences.values.newNotebookKernel
      })) as NotebookPanel;
    } catch (error) {
      Notification.error(
        this._trans.__(
          'Code Interpreter: a notebook could not be created: %1',
          (error as Error).message
        )
      );
      return null;
    }
  }

  private _app: JupyterFrontEnd;
  private _trans: TranslationBundle;
  private _preferences: Preferences;
}
