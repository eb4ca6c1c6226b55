import { expect, test } from './fixtures';
import { modelRequests, recordChatMessages, uploadsDone } from './utils';

const CSV = 'city,sales\nOslo,12\nLima,7\n';

test('attached and dropped files land next to the notebook and go with the request', async ({
  page,
  tmpPath,
  ci
}) => {
  const sent = recordChatMessages(page);
  await page.reload();
  const { filePicker, chips, user } = await ci.start('attach.ipynb', [
    { text: 'Oslo sold the most.' }
  ]);

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
  await ci.askUntilDone('Which city sold the most?');
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
  request,
  ci
}) => {
  const { filePicker, chips } = await ci.start('preview.ipynb', [
    { text: 'Oslo sold the most.' }
  ]);
  await filePicker.setInputFiles({
    name: 'shop.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(CSV)
  });
  await expect(chips).toHaveText([/shop\.csv/]);
  await uploadsDone(page);
  await ci.askUntilDone('Which city sold the most?');

  const [body] = await modelRequests(request);
  // The file's name and a preview of its rows, though the request names neither.
  const seen = JSON.stringify(body);
  expect(seen).toContain('shop.csv');
  expect(seen).toContain('Lima');
});

test('a file larger than one chunk arrives whole', async ({
  page,
  request,
  tmpPath,
  ci
}) => {
  const { filePicker, chips } = await ci.start('big.ipynb');
  // 3.5 MB: four chunks of the Contents API, the last one numbered -1.
  const buffer = Buffer.alloc(3.5 * 1024 * 1024, 'abcdefghij\n');
  await filePicker.setInputFiles({
    name: 'big.txt',
    mimeType: 'text/plain',
    buffer
  });
  await expect(chips).toHaveText([/big\.txt/]);
  await uploadsDone(page);

  const saved = await request.get(
    `/api/contents/${tmpPath}/big.txt?content=1&format=base64`
  );
  expect(saved.ok()).toBe(true);
  const { content } = (await saved.json()) as { content: string };
  expect(Buffer.from(content, 'base64').equals(buffer)).toBe(true);
});
