// Issue 14 in the page: tags, labels and names from a hostile image show bidi and control characters visibly
// (<U+202E>) instead of letting them reorder or hide text.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startApp, type App } from './harness';
import { tempDir } from '../fixtures/tools';
import { dir, file, layer, layoutFiles } from '../unit/layers/fixtures';

let app: App;

beforeAll(async () => {
  app = await startApp();
});

afterAll(async () => {
  await app?.close();
});

describe('hostile names in the page', () => {
  it('shows a tag, a label and a file name with RLO and ESC as <U+…>', async () => {
    const l = await layer([dir('etc/'), file('etc/evil\u202etxt.exe', 'x')]);
    const built = await layoutFiles({
      layers: [l],
      tag: 'innocent\u202egpj.exe',
      config: (c) => void ((c.config as { Labels: Record<string, string> }).Labels = { note: 'a\x1b[2Jb' }),
    });
    const path = join(tempDir('e2e-sec'), 'evil.tar');
    writeFileSync(path, new Uint8Array(await built.blob.arrayBuffer()));
    const page = app.page;
    await page.goto(app.url);
    await page.getByLabel('Open image', { exact: true }).setInputFiles(path);
    const image = page.getByRole('region', { name: 'Image' });
    await image.getByText('innocent<U+202E>gpj.exe').waitFor();
    await page.getByRole('region', { name: 'Config' }).getByText('a<U+001B>[2Jb').waitFor();
    const files = page.getByRole('region', { name: 'Files' });
    await files.getByLabel('Layer', { exact: true }).selectOption({ label: 'Merged (all layers)' });
    const table = files.getByRole('table', { name: 'Files of the merged filesystem' });
    await table.waitFor();
    await files.getByLabel('Filter files').fill('evil');
    await expect.poll(() => table.getByRole('row').count()).toBe(2);
    expect(await table.innerText()).toContain('etc/evil<U+202E>txt.exe');
    const text = await page.locator('body').innerText();
    expect(text).not.toMatch(/[\u202e\x1b]/);
  });
});
