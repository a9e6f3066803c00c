"""Log output for `portal run` and `portal worker`: readable lines in a terminal (the default),
or one JSON object a line for a log collector (`LOG_FORMAT=json`). Either way each line written
while a request is answered carries that request's id, the one its error page shows and its
`X-Request-ID` header sends, so a person's report leads to the lines that explain it."""

import json
import logging
from datetime import UTC, datetime
from typing import Any, Literal

from portal.middleware import current_request_id

ACCESS_FIELDS = ("client", "method", "path", "http_version", "status")


class WithRequestId(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get() or "-"
        return True


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,  # which worker process: several serve one host
        }
        request_id = getattr(record, "request_id", "-")
        if request_id != "-":
            entry["request_id"] = request_id
        # uvicorn's access line: its five arguments become fields a collector can filter on.
        args = record.args
        if record.name == "uvicorn.access" and isinstance(args, tuple) and len(args) == 5:
            entry.update(zip(ACCESS_FIELDS, args, strict=True))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def log_config(log_format: Literal["text", "json"]) -> dict[str, Any]:
    """A `logging.config.dictConfig` for the portal's, uvicorn's and arq's loggers."""
    formatter: dict[str, Any] = (
        {"()": JsonLines}
        if log_format == "json"
        else {"format": "%(asctime)s %(levelname)-7s %(name)s [%(request_id)s] %(message)s"}
    )
    quiet = {"handlers": ["console"], "level": "INFO", "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": WithRequestId}},
        "formatters": {"portal": formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "portal",
                "filters": ["request_id"],
            }
        },
        "loggers": dict.fromkeys(("portal", "uvicorn", "uvicorn.access", "arq"), quiet),
        "root": {"handlers": ["console"], "level": "WARNING"},
    }
