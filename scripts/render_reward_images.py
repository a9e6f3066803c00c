"""Renders the demo rewards' pictures (portal/rewards/demo_images/*.jpg) with Debian's chromium:
each a gradient card with a large icon from the vendored set. Run it after changing one; the
PNGs are committed and the demo uploads them through the real file storage."""

import asyncio
from pathlib import Path

from playwright.async_api import async_playwright

from portal.icons import ICONS

OUT = Path(__file__).resolve().parent.parent / "portal" / "rewards" / "demo_images"
WIDTH, HEIGHT = 800, 480
# (file, icon, gradient from, gradient to)
PICTURES = [
    ("sticker-pack.jpg", "sticker", "#6366f1", "#a855f7"),
    ("hoodie.jpg", "shirt", "#1e293b", "#475569"),
    ("gift-card.jpg", "credit-card", "#0ea5e9", "#2563eb"),
    ("plant-a-tree.jpg", "sprout", "#16a34a", "#65a30d"),
    ("conference-pass.jpg", "ticket", "#f59e0b", "#ea580c"),
    ("pro-plan.jpg", "rocket", "#14b8a6", "#0f766e"),
]


def picture(icon: str, start: str, end: str) -> str:
    return f"""<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}"
  viewBox="0 0 {WIDTH} {HEIGHT}" style="display:block">
  <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">
    <stop offset="0" stop-color="{start}"/><stop offset="1" stop-color="{end}"/>
  </linearGradient></defs>
  <rect width="{WIDTH}" height="{HEIGHT}" fill="url(#g)"/>
  <circle cx="660" cy="80" r="160" fill="#fff" fill-opacity="0.08"/>
  <circle cx="90" cy="440" r="120" fill="#fff" fill-opacity="0.06"/>
  <circle cx="400" cy="240" r="150" fill="#fff" fill-opacity="0.14"/>
  <g transform="translate(280 120) scale(10)" fill="none" stroke="#fff" stroke-width="1.4"
    stroke-linecap="round" stroke-linejoin="round">{ICONS[icon]}</g>
  <text x="{WIDTH - 32}" y="{HEIGHT - 28}" text-anchor="end" fill="#fff" fill-opacity="0.85"
    font-family="DejaVu Sans, sans-serif" font-size="26" font-weight="700">acme</text>
</svg>"""


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"]
        )
        page = await browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        for name, icon, start, end in PICTURES:
            await page.set_content(f'<body style="margin:0">{picture(icon, start, end)}</body>')
            await page.screenshot(path=OUT / name, type="jpeg", quality=85)
        await browser.close()


if __name__ == "__main__":
    asyncio.run(main())
