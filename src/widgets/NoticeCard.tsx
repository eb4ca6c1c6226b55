import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import type { INoticeEntry } from '../entries';
import type { IEntryActions } from './actions';

export interface INoticeCardProps {
  entry: INoticeEntry;
  actions: IEntryActions;
  trans: TranslationBundle;
}

/**
 * An error, or how a request ended; for a request that failed where sending
 * it again may work, a Retry button that sends its text again.
 */
export const NoticeCard = React.memo(function NoticeCard({
  entry,
  actions,
  trans
}: INoticeCardProps): JSX.Element {
  const error = entry.level === 'error';
  return (
    <div
      className={error ? 'jp-ci-Error' : 'jp-ci-Notice'}
      role={error ? 'alert' : undefined}
    >
      <div className="jp-ci-NoticeMessage">{entry.message}</div>
      {entry.hint && <div className="jp-ci-Hint">{entry.hint}</div>}
      {entry.retry && (
        <div className="jp-ci-Buttons">
          <button
            type="button"
            className="jp-ci-Button"
            aria-label={trans.__('Retry the request')}
            title={trans.__('Send "%1" again', entry.retry)}
            onClick={() => void actions.retryRequest(entry)}
          >
            {trans.__('Retry')}
          </button>
        </div>
      )}
    </div>
  );
});
