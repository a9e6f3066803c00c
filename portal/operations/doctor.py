"""`portal doctor`: the readiness checks, run from a shell with the process's own settings, and
printed for a person (what was found, and what to do about a failure)."""

import textwrap
from dataclasses import dataclass

from portal.config import Settings
from portal.db import create_engine, create_sessionmaker
from portal.files.backends import storage_of
from portal.operations import health

WIDTH = 92
MARKS = {health.Status.OK: "✓", health.Status.FAILED: "✗", health.Status.SKIPPED: "-"}


@dataclass(frozen=True)
class Diagnosis:
    report: health.Report

    @property
    def ready(self) -> bool:
        return self.report.ready

    def lines(self) -> list[str]:
        width = max(len(check.name) for check in self.report.checks)
        lines = []
        for check in self.report.checks:
            lines.append(f"{MARKS[check.status]} {check.name:<{width}}  {check.detail}")
            if check.failed and check.advice:
                indent = " " * (width + 4)
                lines.extend(
                    textwrap.wrap(
                        f"→ {check.advice}", WIDTH, initial_indent=indent, subsequent_indent=indent
                    )
                )
        if self.ready:
            lines.append("Ready: this host can serve.")
        else:
            lines.append(f"Not ready: {', '.join(self.report.failed)} failed.")
        return lines


async def diagnose(settings: Settings) -> Diagnosis:
    engine = create_engine(settings.database_url)
    try:
        report = await health.run_checks(
            settings, create_sessionmaker(engine), storage_of(settings)
        )
    finally:
        await engine.dispose()
    return Diagnosis(report)
