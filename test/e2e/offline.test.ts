// "On a plane": after one visit, the service worker serves the app shell, the engine worker and the sample
// image with the server gone and the browser offline.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startApp, type App } from './harness';

let app: App;
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app?.close();
});

it('works offline after the first visit', async () => {
  const { page } = app;
  await page.goto(app.url);
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  // The first load is not controlled yet; autoUpdate's clientsClaim takes it over, a reload makes it certain.
  await page.reload();
  await page.waitForFunction(() => !!navigator.serviceWorker.controller);

  await app.stopServer();
  await app.context.setOffline(true);
  await page.reload();
  await page.getByRole('button', { name: 'Try the sample image' }).click();
  await page.getByRole('heading', { name: 'sample-image.tar' }).waitFor();
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  await page.getByText(/Verified: 5 blobs OK/).waitFor();

  expect(app.foreign).toEqual([]);
  expect(app.problems.filter((p) => !/ERR_INTERNET_DISCONNECTED|Failed to load resource/.test(p))).toEqual([]);
});
