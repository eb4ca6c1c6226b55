import { downloadIcon } from '@jupyterlab/ui-components';
import React from 'react';

import type { IChangedFile } from '../protocol';
import type { IEntryActions } from './actions';
import { baseName, fileSizeLabel } from './labels';

export interface IChangedFilesProps {
  files: IChangedFile[];
  actions: IEntryActions;
}

/**
 * The files a step wrote: each opens in JupyterLab, and has a download link.
 */
export function ChangedFiles({
  files,
  actions
}: IChangedFilesProps): JSX.Element {
  return (
    <ul className="jp-ci-Files" aria-label="Files written by this step">
      {files.map(file => {
        const name = baseName(file.path);
        return (
          <li key={file.path} className="jp-ci-File">
            <button
              type="button"
              className="jp-ci-LinkButton jp-ci-FileName"
              title={`Open ${file.path}`}
              onClick={() => void actions.openFile(file.path)}
            >
              {name}
            </button>
            <span className="jp-ci-FileInfo">
              {fileSizeLabel(file.size)} · {file.change}
            </span>
            <a
              className="jp-ci-Download"
              href={actions.downloadUrl(file.path)}
              download={name}
              aria-label={`Download ${name}`}
              title={`Download ${name}`}
            >
              <downloadIcon.react tag="span" />
            </a>
          </li>
        );
      })}
    </ul>
  );
}
