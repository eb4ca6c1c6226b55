/**
 * A pending approval is hard to miss (issue 17, item 3): the status says the
 * assistant waits for the user, the card comes into view (also after a
 * reload), and while the panel is out of sight its tab has a badge and a
 * notification offers to show it.
 */
import { expect, test } from './fixtures';
import {
  openPanel,
  reloadLab,
  runCell,
  savedNotebook,
  ScriptItem
} from './utils';

test.use({ viewport: { width: 1440, height: 900 } });

/** A cell that runs a shell command, which waits for the user's approval. */
const SHELL = '!echo listing\nprint("listed")';

const LONG_ANSWER = Array.from(
  { length: 40 },
  (_, i) => `Point ${i} of a long answer.`
).join('\n\n');

/** The chat panel's tab in the right sidebar. */
const TAB = '.jp-SideBar .lm-TabBar-tab[data-id="ci-jupyterlab-chat"]';

test('with the sidebar closed, the tab shows a badge and a notification shows the card; the status says it waits for you', async ({
  page,
  ci
}) => {
  const { panel, status } = await ci.start('pending-badge.ipynb', [
    { text: LONG_ANSWER }
  ]);
  await ci.askUntilDone('Tell me a lot.');

  // The card comes a little later; meanwhile the user closes the sidebar.
  const delayed: ScriptItem = {
    tool_calls: [{ name: 'run_cell', arguments: { code: SHELL } }],
    delay: 2
  };
  await ci.script([delayed, { text: 'Listed.' }]);
  await ci.ask('List the files.');
  await page.sidebar.close('right');
  const tab = page.locator(TAB);
  await expect(tab).toHaveClass(/jp-ci-mod-waiting/, { timeout: 30000 });
  await expect(tab).toHaveAttribute(
    'title',
    'Code Interpreter: waiting for your approval'
  );
  const toast = page.locator('.Toastify__toast', {
    hasText: 'Code Interpreter is waiting for your approval.'
  });
  await expect(toast).toBeVisible();

  // Show opens the panel on the card; the badge and the notification go.
  await toast.getByRole('button', { name: 'Show' }).click();
  const card = panel.getByRole('group', { name: 'Approval request' });
  await expect(card).toBeInViewport();
  await expect(status).toHaveText('Waiting for your approval');
  await expect(tab).not.toHaveClass(/jp-ci-mod-waiting/);
  await expect(tab).toHaveAttribute('title', 'Code Interpreter');
  await expect(toast).toHaveCount(0);

  // Answered, the status moves on.
  await card.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(status).not.toHaveText('Waiting for your approval');
  await expect(status).toHaveText('Done', { timeout: 60000 });
  await expect(panel.getByText('Listed.')).toBeInViewport();
});

test('after a reload, the waiting card is in view and the status says it waits for you', async ({
  page,
  ci
}) => {
  await ci.script([
    { text: LONG_ANSWER },
    runCell(SHELL),
    { text: 'Listed after the reload.' }
  ]);
  await savedNotebook(page, 'pending-reload.ipynb');
  await openPanel(page);
  await ci.askUntilDone('Tell me a lot.');
  await ci.ask('List the files.');
  const card = () =>
    ci.chat.panel.getByRole('group', { name: 'Approval request' });
  await expect(card()).toBeVisible({ timeout: 60000 });

  await reloadLab(page, 'pending-reload.ipynb');
  await expect(card()).toBeInViewport();
  await expect(ci.chat.status).toHaveText('Waiting for your approval');
  await card().getByRole('button', { name: 'Run', exact: true }).click();
  await expect(ci.chat.status).toHaveText('Done', { timeout: 60000 });
  await expect(
    ci.chat.panel.getByText('Listed after the reload.')
  ).toBeInViewport();
});

test("a question waits the same way: the tab's badge while out of sight, then the answer followed to the end", async ({
  page,
  ci
}) => {
  const question: ScriptItem = {
    tool_calls: [
      {
        name: 'ask_user',
        arguments: {
          question: 'Which months?',
          options: ['All of them', 'The last quarter']
        }
      }
    ],
    delay: 2
  };
  const { panel, status } = await ci.start('pending-question.ipynb', [
    { text: LONG_ANSWER },
    question,
    { text: `${LONG_ANSWER}\n\nThe last quarter it is.` }
  ]);
  await ci.askUntilDone('Tell me a lot.');
  await ci.ask('Plot by month.');
  await page.sidebar.close('right');
  const tab = page.locator(TAB);
  await expect(tab).toHaveAttribute(
    'title',
    'Code Interpreter: waiting for your answer',
    { timeout: 30000 }
  );
  await expect(tab).toHaveClass(/jp-ci-mod-waiting/);

  await page.sidebar.open('right');
  const card = panel.getByRole('group', {
    name: 'Question from the assistant'
  });
  await expect(card).toBeInViewport();
  await expect(status).toHaveText('Waiting for your answer');
  await expect(tab).not.toHaveClass(/jp-ci-mod-waiting/);
  await card.getByRole('button', { name: 'The last quarter' }).click();
  await expect(status).toHaveText('Done', { timeout: 60000 });
  await expect(panel.getByText('The last quarter it is.')).toBeInViewport();
});
