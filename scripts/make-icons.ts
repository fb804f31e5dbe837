/**
 * `npx tsx scripts/make-icons.ts`: draws the app's PNG icons (manifest, home screen) from
 * frontend/public/icon.svg in Chromium. Run after changing the logo; the PNGs are committed.
 * The maskable icon puts the mark inside the middle 80 % that every launcher's mask keeps.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const PUBLIC = path.resolve('frontend/public');
const svg = fs.readFileSync(path.join(PUBLIC, 'icon.svg'), 'utf8');
const ICONS = [
  { file: 'icon-192.png', size: 192, maskable: false },
  { file: 'icon-512.png', size: 512, maskable: false },
  { file: 'icon-maskable-512.png', size: 512, maskable: true },
  { file: 'apple-touch-icon.png', size: 180, maskable: true },
];

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--headless'] });
const page = await browser.newPage();
for (const icon of ICONS) {
  await page.setViewportSize({ width: icon.size, height: icon.size });
  const mark = icon.maskable ? svg.replace('rx="8"', 'rx="0"').replace('<path', '<path transform="translate(3.2 3.2) scale(0.8)"') : svg;
  await page.setContent(`<style>html,body{margin:0;background:transparent}svg{display:block;width:100vw;height:100vh}</style>${mark}`);
  await page.screenshot({ path: path.join(PUBLIC, icon.file), omitBackground: true });
  console.log(`frontend/public/${icon.file}`);
}
await browser.close();
