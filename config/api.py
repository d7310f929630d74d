"""REST framework defaults that keep a request bounded: page sizes, and JSON bodies that parse or are a 400."""
from rest_framework.exceptions import ParseError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.parsers import JSONParser


class BoundedPagination(LimitOffsetPagination):
    default_limit = 100
    max_limit = 1000  # ?limit=10**21 is served as 1000 rows, not handed to the database


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:  # a body nested thousands deep
            raise ParseError("JSON parse error: the body is nested too deeply") from None
