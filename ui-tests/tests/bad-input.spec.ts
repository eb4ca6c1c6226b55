/**
 * Bad input loses nothing: a notebook too big for one websocket frame still
 * takes requests (its view is cut to a size in bytes), and a setting out of
 * range is refused by the server, shown at its field, with the form and the
 * chat's input kept.
 */
import { expect, test } from './fixtures';
import { chat, modelRequests, openPanel, promptText } from './utils';

test('a notebook of 3.9 million CJK characters still takes requests', async ({
  page,
  tmpPath,
  ci
}) => {
  // 200 cells of 19,500 characters: each within the view's limit per cell,
  // 11.7 MB of UTF-8 together, past the server's 10 MB frames.
  const source = '数据分析'.repeat(19_500 / 4);
  const notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: {
        name: 'python3',
        display_name: 'Python 3',
        language: 'python'
      }
    },
    cells: Array.from({ length: 200 }, (_, index) => ({
      id: `cjk-${index}`,
      cell_type: 'markdown',
      metadata: {},
      source
    }))
  };
  await page.contents.uploadContent(
    JSON.stringify(notebook),
    'text',
    `${tmpPath}/cjk.ipynb`
  );
  await ci.script([{ text: 'It is about data analysis.' }]);
  await page.filebrowser.open(`${tmpPath}/cjk.ipynb`);
  await openPanel(page);
  const { assistant, status } = chat(page);
  await expect(chat(page).target).toHaveText('cjk.ipynb');

  await ci.ask('What is this notebook about?');

  await expect(status).toHaveText('Done', { timeout: 90000 });
  await expect(assistant.last()).toHaveText('It is about data analysis.');
  // The model saw the first cells whole and was told the rest was left out.
  const prompt = promptText((await modelRequests(ci.request))[0]);
  expect(prompt).toContain('数据分析数据分析');
  expect(prompt).toContain('characters omitted');
});

test('a setting out of range is refused at its field; the form and the chat keep their input', async ({
  page,
  ci
}) => {
  const { panel, input } = await ci.start('settings-range.ipynb');
  await input.fill('My draft question');
  await panel.getByRole('button', { name: 'Settings' }).click();
  const attempts = panel.getByLabel('Attempts', { exact: true });
  await attempts.fill('0');

  await panel.getByRole('button', { name: 'Save', exact: true }).click();

  await expect(attempts).toHaveAttribute('aria-invalid', 'true');
  await expect(panel.locator('.jp-ci-FieldError')).toHaveText(
    'Attempts must be from 1 to 50; 0 is out of range.'
  );
  await expect(attempts).toHaveValue('0');
  await panel.getByRole('button', { name: 'Back to the chat' }).first().click();
  // Nothing was kept: the chat still takes requests, the draft is there.
  await expect(input).toHaveValue('My draft question');
  await expect(panel.locator('.jp-ci-Problem')).toHaveCount(0);
});
