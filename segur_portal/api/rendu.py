"""The API's JSON, written by orjson: an import's answer lists each of its lines (10 000 for the
largest files), which the standard library's encoder writes about ten times slower. Dates, decimals
and the rest are written exactly as django-ninja's own renderer writes them (its encoder's
`default`): only the speed changes."""

from typing import Any

import orjson
from django.http import HttpRequest
from ninja.renderers import BaseRenderer
from ninja.responses import NinjaJSONEncoder

_ENCODEUR = NinjaJSONEncoder()
# Dates go through `default` too (orjson would write them its own way: microseconds, « +00:00 »).
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS


class RenduJSON(BaseRenderer):
    media_type = "application/json"

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> bytes:
        return orjson.dumps(data, default=_ENCODEUR.default, option=_OPTIONS)
