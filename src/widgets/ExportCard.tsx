import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import type { IExportEntry } from '../chat/entries';
import type { IEntryActions } from './actions';
import { baseName, cellCheckLabel, verificationLabel } from './labels';
import { withElements } from './translated';

export interface IExportCardProps {
  entry: IExportEntry;
  actions: IEntryActions;
  trans: TranslationBundle;
}

/**
 * An export of the notebook: running, then where it was written and how its
 * verification in a fresh kernel went (the cells that did not reproduce,
 * with their likely cause), or why it failed.
 */
export const ExportCard = React.memo(function ExportCard({
  entry,
  actions,
  trans
}: IExportCardProps): JSX.Element {
  if (entry.error !== null) {
    return (
      <div className="jp-ci-Export jp-ci-Error" role="alert">
        <div className="jp-ci-NoticeMessage">
          {trans.__('The export failed: %1', entry.error)}
        </div>
        <div className="jp-ci-Hint">
          {trans.__('The notebook itself was saved and is unchanged.')}
        </div>
      </div>
    );
  }
  if (entry.result === null) {
    return (
      <div className="jp-ci-Export jp-ci-Notice" role="status">
        <span className="jp-ci-Spinner" />{' '}
        {trans.__('Exporting and verifying…')}
      </div>
    );
  }
  const { path, verification } = entry.result;
  const trouble =
    verification?.cells.filter(
      check => check.status !== 'reproduced' && check.status !== 'ran'
    ) ?? [];
  return (
    <div className="jp-ci-Export jp-ci-Notice" role="status">
      <div>
        {withElements(
          trans.__('Exported to %1', '%1'),
          <button
            type="button"
            className="jp-ci-LinkButton"
            title={trans.__('Open %1', path)}
            onClick={() => void actions.openFile(path)}
          >
            {baseName(path)}
          </button>
        )}
      </div>
      <div className="jp-ci-Verification">
        {verificationLabel(verification, trans)}
      </div>
      {trouble.length > 0 && (
        <ul className="jp-ci-CellChecks">
          {trouble.map(check => (
            <li key={check.index}>{cellCheckLabel(check, trans)}</li>
          ))}
        </ul>
      )}
      {verification?.problem && (
        <div className="jp-ci-Hint">
          {trans.__('The run stopped early: %1', verification.problem)}
        </div>
      )}
    </div>
  );
});
