"""Amounts of money as people read them: the program's currency, formatted by Babel in the
reader's language (symbol, grouping and placement from CLDR, not hand-written): "$48,000" in
English, "48.000 $" in German."""

from babel.numbers import format_currency, get_currency_name

from portal import i18n

# The currencies a program can choose: the ones customers most often deal in.
CODES = [
    "USD",
    "EUR",
    "GBP",
    "CHF",
    "CAD",
    "AUD",
    "NZD",
    "JPY",
    "CNY",
    "INR",
    "SGD",
    "HKD",
    "SEK",
    "NOK",
    "DKK",
    "PLN",
    "CZK",
    "BRL",
    "MXN",
    "ZAR",
    "AED",
]
CURRENCIES = [(code, f"{code} · {get_currency_name(code, locale='en')}") for code in CODES]


def money(amount: int | None, currency: str) -> str:
    """A whole amount in `currency`, without cents (deal values are whole numbers), as the
    reader's language writes it: "$48,000", "48.000 $", "€1,200", "1.200 €"."""
    if amount is None:
        return ""
    locale = i18n.locale()
    # The language's own currency pattern, its fraction digits dropped.
    pattern = locale.currency_formats["standard"].pattern.replace(".00", "")
    return format_currency(amount, currency, format=pattern, locale=locale, currency_digits=False)
