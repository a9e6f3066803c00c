"""Amounts of money as people read them: the program's currency, formatted by Babel (symbol,
grouping and placement from CLDR, not hand-written)."""

from babel.numbers import format_currency, get_currency_name

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
    """A whole amount in `currency`, without cents (deal values are whole numbers): "$48,000"."""
    if amount is None:
        return ""
    return format_currency(amount, currency, format="¤#,##0", locale="en", currency_digits=False)
