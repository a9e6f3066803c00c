"""axe-core (vendored from npm by scripts/vendor-axe.sh) run inside a page by Playwright.

The portal's Content-Security-Policy allows only its own scripts, so the pages axe checks are
opened in a browser context with `bypass_csp=True`: the policy keeps applying to everything
else the tests do, and axe never ships with the portal."""

from pathlib import Path
from typing import Any

from playwright.async_api import Page

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
# The impacts a page must never have; "moderate" and "minor" are advice, not failures.
BLOCKING = ("serious", "critical")


async def violations(page: Page) -> list[str]:
    """One line per serious or critical violation on the page as it is now: the rule, what it
    means, and the elements (CSS selectors) that break it."""
    if not await page.evaluate("() => typeof window.axe === 'object'"):
        await page.add_script_tag(content=AXE_SOURCE)
    results: dict[str, Any] = await page.evaluate(
        """() => axe.run(document, {
            runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                             "wcag22aa", "best-practice"]},
            resultTypes: ["violations"],
        })"""
    )
    return [
        f"{rule['id']} ({rule['impact']}): {rule['help']}: "
        + ", ".join(" ".join(node["target"]) for node in rule["nodes"][:5])
        for rule in results["violations"]
        if rule["impact"] in BLOCKING
    ]
