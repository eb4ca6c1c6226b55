import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import type { IInstallDetails } from '../chat/entries';

export interface IInstallPlanProps {
  details: IInstallDetails;
  /** The packages the cell names, as approving covers them. */
  packages: string[];
  trans: TranslationBundle;
}

/**
 * What an install really does, on its approval card: every distribution pip
 * would install or upgrade (its dry run: name, version, from where, and the
 * version it replaces), the packages already installed, and the index.
 */
export function InstallPlan({
  details,
  packages,
  trans
}: IInstallPlanProps): JSX.Element {
  const { plan, planError, installed, index } = details;
  const planned = new Set(plan?.map(item => normalized(item.name)) ?? []);
  const already = packages
    .map(requirementName)
    .filter(name => installed[name] && !planned.has(normalized(name)));
  return (
    <div className="jp-ci-InstallPlan">
      {!plan && !planError && (
        <div className="jp-ci-Hint">
          {trans.__('Asking pip what it would install…')}
        </div>
      )}
      {plan && plan.length > 0 && (
        <>
          <div>
            {trans._n(
              'pip will install %1 distribution:',
              'pip will install %1 distributions:',
              plan.length
            )}
          </div>
          <ul aria-label={trans.__('What pip will install')}>
            {plan.map(item => (
              <li key={item.name}>
                <strong>
                  {item.name} {item.version}
                </strong>{' '}
                <span className="jp-ci-Hint">
                  {planNote(item.requested, item.installed, item.source, trans)}
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
      {plan && plan.length === 0 && (
        <div>{trans.__('pip has nothing to install: all of it is there.')}</div>
      )}
      {planError && (
        <div className="jp-ci-Hint">
          {trans.__('pip could not say what it would install: %1', planError)}
        </div>
      )}
      {already.length > 0 && (
        <div>
          {trans.__(
            'Already installed: %1',
            already.map(name => `${name} ${installed[name]}`).join(', ')
          )}
        </div>
      )}
      {index && (
        <div className="jp-ci-Hint">{trans.__('Package index: %1', index)}</div>
      )}
    </div>
  );
}

/** Why it is on the list, and where it comes from. */
function planNote(
  requested: boolean,
  current: string | null,
  source: string,
  trans: TranslationBundle
): string {
  const why = requested ? trans.__('asked for') : trans.__('a dependency');
  const change = current ? trans.__(', replaces %1', current) : '';
  return trans.__('(%1%2, from %3)', why, change, source);
}

/** The distribution name of a requirement ("scikit-learn>=1.3" → "scikit-learn"). */
function requirementName(requirement: string): string {
  return /^[A-Za-z0-9_.-]+/.exec(requirement.trim())?.[0] ?? requirement;
}

/** Names as pip compares them (PEP 503). */
function normalized(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}
