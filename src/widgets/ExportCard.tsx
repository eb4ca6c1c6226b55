import React from 'react';

import type { IExportEntry } from '../entries';
import type { IEntryActions } from './actions';
import { baseName, cellCheckLabel, verificationLabel } from './labels';

export interface IExportCardProps {
  entry: IExportEntry;
  actions: IEntryActions;
}

/**
 * An export of the notebook: running, then where it was written and how its
 * verification in a fresh kernel went (the cells that did not reproduce,
 * with their likely cause), or why it failed.
 */
export const ExportCard = React.memo(function ExportCard({
  entry,
  actions
}: IExportCardProps): JSX.Element {
  if (entry.error !== null) {
    return (
      <div className="jp-ci-Export jp-ci-Error" role="alert">
        <div className="jp-ci-NoticeMessage">
          The export failed: {entry.error}
        </div>
        <div className="jp-ci-Hint">
          The notebook itself was saved and is unchanged.
        </div>
      </div>
    );
  }
  if (entry.result === null) {
    return (
      <div className="jp-ci-Export jp-ci-Notice" role="status">
        <span className="jp-ci-Spinner" /> Exporting and verifying…
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
        Exported to{' '}
        <button
          type="button"
          className="jp-ci-LinkButton"
          title={`Open ${path}`}
          onClick={() => void actions.openFile(path)}
        >
          {baseName(path)}
        </button>
      </div>
      <div className="jp-ci-Verification">
        {verificationLabel(verification)}
      </div>
      {trouble.length > 0 && (
        <ul className="jp-ci-CellChecks">
          {trouble.map(check => (
            <li key={check.index}>{cellCheckLabel(check)}</li>
          ))}
        </ul>
      )}
      {verification?.problem && (
        <div className="jp-ci-Hint">
          The run stopped early: {verification.problem}
        </div>
      )}
    </div>
  );
});
