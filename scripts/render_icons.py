"""Renders the PNG app icons and the social preview image from their SVGs in static/icons/
with Debian's chromium (run it after changing an SVG; the PNGs are committed)."""

import asyncio
from pathlib import Path

from playwright.async_api import async_playwright

ICONS = Path(__file__).resolve().parent.parent / "static" / "icons"
# (source SVG, PNG, width, height)
RENDERS = [
    ("icon.svg", "icon-192.png", 192, 192),
    ("icon.svg", "icon-512.png", 512, 512),
    ("icon.svg", "apple-touch-icon.png", 180, 180),
    ("social-preview.svg", "social-preview.png", 1200, 630),
]


async def main() -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"]
        )
        for source, target, width, height in RENDERS:
            page = await browser.new_page(viewport={"width": width, "height": height})
            svg = (ICONS / source).read_text().replace("<svg ", '<svg style="display:block" ', 1)
            svg = svg.replace('width="64" height="64"', f'width="{width}" height="{height}"')
            await page.set_content(f'<body style="margin:0">{svg}</body>')
            await page.screenshot(path=ICONS / target, omit_background=True)
            await page.close()
        await browser.close()


if __name__ == "__main__":
    asyncio.run(main())
