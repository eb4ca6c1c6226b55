import type { TranslationBundle } from '@jupyterlab/translation';
import { downloadIcon } from '@jupyterlab/ui-components';
import React from 'react';

import type { IChangedFile } from '../server/protocol';
import type { IEntryActions } from './actions';
import { baseName, changeLabel, fileSizeLabel } from './labels';

export interface IChangedFilesProps {
  files: IChangedFile[];
  actions: IEntryActions;
  trans: TranslationBundle;
}

/**
 * The files a step wrote: each opens in JupyterLab, and has a download link.
 */
export function ChangedFiles({
  files,
  actions,
  trans
}: IChangedFilesProps): JSX.Element {
  return (
    <ul
      className="jp-ci-Files"
      aria-label={trans.__('Files written by this step')}
    >
      {files.map(file => {
        const name = baseName(file.path);
        const download = trans.__('Download %1', name);
        return (
          <li key={file.path} className="jp-ci-File">
            <button
              type="button"
              className="jp-ci-LinkButton jp-ci-FileName"
              title={trans.__('Open %1', file.path)}
              onClick={() => void actions.openFile(file.path)}
            >
              {name}
            </button>
            <span className="jp-ci-FileInfo">
              {fileSizeLabel(file.size)} · {changeLabel(file.change, trans)}
            </span>
            <a
              className="jp-ci-Download"
              href={actions.downloadUrl(file.path)}
              download={name}
              aria-label={download}
              title={download}
            >
              <downloadIcon.react tag="span" />
            </a>
          </li>
        );
      })}
    </ul>
  );
}
