"""Charts as plain SVG geometry, drawn by `templates/components/charts.html`: no script, no
font, nothing the page's CSP would refuse, and a data table under each for screen readers."""

from dataclasses import dataclass

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 12, 40
TICKS = 4


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int
    label: str  # what a pointer's tooltip says: "Challenges, this period: 1,200"


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class Category:
    x: float
    label: str


@dataclass(frozen=True)
class BarChart:
    title: str
    series: list[str]
    bars: list[Bar]
    ticks: list[Tick]
    categories: list[Category]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom: float = HEIGHT - BOTTOM


def _nice_top(highest: float) -> float:
    """The smallest 1, 2, 2.5 or 5 times 10^n at or above the highest value (an even axis)."""
    if highest <= 0:
        return float(TICKS)
    magnitude = 1.0
    while magnitude * 10 <= highest:
        magnitude *= 10
    return next(step * magnitude for step in (1, 2, 2.5, 5, 10) if step * magnitude >= highest)


def bar_chart(title: str, categories: list[str], series: list[tuple[str, list[float]]]) -> BarChart:
    """Grouped bars: one group per category, one bar per series."""
    top = _nice_top(max((v for _, values in series for v in values), default=0))
    plot_height = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(len(categories), 1)
    bar_width = slot * 0.8 / max(len(series), 1)
    bars = []
    for s, (name, values) in enumerate(series):
        for c, value in enumerate(values):
            height = plot_height * value / top
            bars.append(
                Bar(
                    x=LEFT + c * slot + slot * 0.1 + s * bar_width,
                    y=TOP + plot_height - height,
                    width=bar_width,
                    height=height,
                    series=s,
                    label=f"{categories[c]}, {name}: {value:,.0f}",
                )
            )
    ticks = [
        Tick(TOP + plot_height * (1 - n / TICKS), f"{top * n / TICKS:,.0f}")
        for n in range(TICKS + 1)
    ]
    labels = [Category(LEFT + c * slot + slot / 2, label) for c, label in enumerate(categories)]
    return BarChart(title, [name for name, _ in series], bars, ticks, labels)


@dataclass(frozen=True)
class Line:
    series: int
    points: str  # the SVG polyline's "x,y x,y ..."
    label: str  # the series' name and its total, for a pointer's tooltip


@dataclass(frozen=True)
class LineChart:
    title: str
    series: list[str]
    lines: list[Line]
    ticks: list[Tick]
    categories: list[Category]  # only every few days are labelled, so labels never overlap
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom: float = HEIGHT - BOTTOM


LABELS = 6  # at most this many category labels under a line chart


def line_chart(
    title: str, categories: list[str], series: list[tuple[str, list[float]]]
) -> LineChart:
    """One line per series across the categories (days)."""
    top = _nice_top(max((v for _, values in series for v in values), default=0))
    plot_height = HEIGHT - TOP - BOTTOM
    step = (WIDTH - LEFT - RIGHT) / max(len(categories) - 1, 1)

    def x(c: int) -> float:
        return LEFT + c * step

    lines = [
        Line(
            s,
            " ".join(
                f"{x(c):.1f},{TOP + plot_height * (1 - value / top):.1f}"
                for c, value in enumerate(values)
            ),
            f"{name}: {sum(values):,.0f} in all",
        )
        for s, (name, values) in enumerate(series)
    ]
    ticks = [
        Tick(TOP + plot_height * (1 - n / TICKS), f"{top * n / TICKS:,.0f}")
        for n in range(TICKS + 1)
    ]
    every = -(-len(categories) // LABELS)  # ceiling division
    labels = [Category(x(c), label) for c, label in enumerate(categories) if c % max(every, 1) == 0]
    return LineChart(title, [name for name, _ in series], lines, ticks, labels)
