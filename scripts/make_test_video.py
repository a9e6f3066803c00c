"""Makes portal/content/fixtures/training.webm: a two-second, 64x48 WebM (VP8) of a moving bar,
recorded from a canvas by Chromium's MediaRecorder through Playwright. The browser test plays
it and the demo library ships it as a training video. Run it only to remake the file:

    .venv/bin/python scripts/make_test_video.py
"""

import asyncio
import base64
from pathlib import Path

from playwright.async_api import async_playwright

OUT = Path(__file__).resolve().parent.parent / "portal" / "content" / "fixtures" / "training.webm"
RECORD = """
async () => {
  const canvas = document.createElement("canvas");
  canvas.width = 64; canvas.height = 48;
  document.body.appendChild(canvas);
  const g = canvas.getContext("2d");
  const stream = canvas.captureStream(15);
  const recorder = new MediaRecorder(stream, {mimeType: "video/webm;codecs=vp8",
                                              videoBitsPerSecond: 40000});
  const chunks = [];
  recorder.ondataavailable = (e) => chunks.push(e.data);
  const done = new Promise((resolve) => recorder.onstop = resolve);
  recorder.start();
  const started = performance.now();
  await new Promise((resolve) => {
    function frame() {
      const t = (performance.now() - started) / 2000;
      g.fillStyle = "#1e3a8a"; g.fillRect(0, 0, 64, 48);
      g.fillStyle = "#f59e0b"; g.fillRect(Math.floor(t * 56), 16, 8, 16);
      if (t < 1) { requestAnimationFrame(frame); } else { resolve(); }
    }
    frame();
  });
  recorder.stop();
  await done;
  const buffer = await new Blob(chunks, {type: "video/webm"}).arrayBuffer();
  let binary = "";
  for (const byte of new Uint8Array(buffer)) { binary += String.fromCharCode(byte); }
  return btoa(binary);
}
"""


async def main() -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"]
        )
        page = await browser.new_page()
        await page.goto("about:blank")
        data = base64.b64decode(await page.evaluate(RECORD))
        await browser.close()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(data)
    print(f"wrote {OUT} ({len(data)} bytes)")


if __name__ == "__main__":
    asyncio.run(main())
