import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import type { INoticeEntry } from '../chat/entries';
import type { IEntryActions } from './actions';

export interface INoticeCardProps {
  entry: INoticeEntry;
  actions: IEntryActions;
  trans: TranslationBundle;
}

/** How a notice looks, by its level. */
const NOTICE_CLASSES: Record<INoticeEntry['level'], string> = {
  error: 'jp-ci-Error',
  warning: 'jp-ci-Notice jp-ci-Warning',
  info: 'jp-ci-Notice'
};

/**
 * An error, a warning about the notebook a request leaves, or how a request ended; for a request that failed where sending
 * it again may work, a Retry button that sends its text again.
 */
export const NoticeCard = React.memo(function NoticeCard({
  entry,
  actions,
  trans
}: INoticeCardProps): JSX.Element {
  return (
    <div
      className={NOTICE_CLASSES[entry.level]}
      role={entry.level === 'info' ? undefined : 'alert'}
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
