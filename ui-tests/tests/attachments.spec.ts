import { expect, test } from '@jupyterlab/galata';

import {
  ask,
  chat,
  modelRequests,
  openPanel,
  recordChatMessages,
  scriptModel,
  uploadsDone
} from './utils';

const CSV = 'city,sales\nOslo,12\nLima,7\n';

test('attached and dropped files land next to the notebook and go with the request', async ({
  page,
  request,
  tmpPath
}) => {
  const sent = recordChatMessages(page);
  await page.reload();
  await scriptModel(request, [{ text: 'Oslo sold the most.' }]);
  await page.notebook.createNew('attach.ipynb');
  await openPanel(page);
  const { filePicker, chips, status, user } = chat(page);

  // Through the Attach button's file picker.
  const file = {
    name: 'data.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(CSV)
  };
  await filePicker.setInputFiles(file);
  await expect(chips).toHaveText([/data\.csv/]);
  await uploadsDone(page);
  expect(await page.contents.fileExists(`${tmpPath}/data.csv`)).toBe(true);

  // The same name again is saved under a new one, never over the first.
  await filePicker.setInputFiles(file);
  await uploadsDone(page);
  await expect(chips).toHaveText([/data\.csv/, /data-1\.csv/]);
  expect(await page.contents.fileExists(`${tmpPath}/data-1.csv`)).toBe(true);
  await chips.nth(1).getByRole('button', { name: 'Remove data-1.csv' }).click();
  await expect(chips).toHaveCount(1);

  // Dropped onto the panel.
  const dataTransfer = await page.evaluateHandle(csv => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([csv], 'dropped.csv', { type: 'text/csv' }));
    return transfer;
  }, CSV);
  await page
    .locator('.jp-ci-ChatPanel')
    .dispatchEvent('drop', { dataTransfer });
  await expect(chips).toHaveText([/data\.csv/, /dropped\.csv/]);
  await uploadsDone(page);
  expect(await page.contents.fileExists(`${tmpPath}/dropped.csv`)).toBe(true);

  // Sending takes the files along.
  await ask(page, 'Which city sold the most?');
  await expect(status).toHaveText('Done', { timeout: 60000 });
  await expect(chips).toHaveCount(0);
  await expect(user.last()).toContainText('Attached: data.csv, dropped.csv');

  const message = sent.find(m => m.type === 'user_message');
  expect(message?.attachments).toEqual([
    `${tmpPath}/data.csv`,
    `${tmpPath}/dropped.csv`
  ]);
});

test('the model is told what the attached file holds', async ({
  page,
  request
}) => {
  await scriptModel(request, [{ text: 'Oslo sold the most.' }]);
  await page.notebook.createNew('preview.ipynb');
  await openPanel(page);
  await chat(page).filePicker.setInputFiles({
    name: 'shop.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(CSV)
  });
  await expect(chat(page).chips).toHaveText([/shop\.csv/]);
  await uploadsDone(page);
  await ask(page, 'Which city sold the most?');
  await expect(chat(page).status).toHaveText('Done', { timeout: 60000 });

  const [body] = await modelRequests(request);
  // The file's name and a preview of its rows, though the request names neither.
  const seen = JSON.stringify(body);
  expect(seen).toContain('shop.csv');
  expect(seen).toContain('Lima');
});

test('a file larger than one chunk arrives whole', async ({
  page,
  request,
  tmpPath
}) => {
  await page.notebook.createNew('big.ipynb');
  await openPanel(page);
  // 3.5 MB: four chunks of the Contents API, the last one numbered -1.
  const buffer = Buffer.alloc(3.5 * 1024 * 1024, 'abcdefghij\n');
  await chat(page).filePicker.setInputFiles({
    name: 'big.txt',
    mimeType: 'text/plain',
    buffer
  });
  await expect(chat(page).chips).toHaveText([/big\.txt/]);
  await uploadsDone(page);

  const saved = await request.get(
    `/api/contents/${tmpPath}/big.txt?content=1&format=base64`
  );
  expect(saved.ok()).toBe(true);
  const { content } = (await saved.json()) as { content: string };
  expect(Buffer.from(content, 'base64').equals(buffer)).toBe(true);
});
