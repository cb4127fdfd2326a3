"""The errors every API operation can answer, declared in the OpenAPI schema.

All API errors share one shape (abusedesk.errors): {"detail", "code", "fields"?}. Views
declare what is special to them; this drf-spectacular postprocessing hook adds the rest,
so a client (and schemathesis) finds every status code the API really answers:
401 without or with a bad credential, 403 for a role or scope that may not, 429 past a
rate limit, 404 for an id that does not exist or is not the caller's (or a page past the
last), 400 for bad input (a reason per field), and for requests with a body 413 and 415.
"""

from __future__ import annotations

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "detail": {"type": "string", "description": "What is wrong, in the request's language"},
        "code": {"type": "string", "description": "A stable code, e.g. invalid, not_found"},
        "fields": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": "Per field: the reasons it was refused",
        },
    },
    "required": ["detail", "code"],
}
_DESCRIPTIONS = {
    "400": "Bad input, with a reason per field",
    "401": "No credential, or an unknown or revoked one",
    "403": "The caller's role or key scope may not do this",
    "404": "No such object, or not the caller's",
    "405": "Method not allowed",
    "406": "The Accept header asks for a type the API does not answer in",
    "413": "Larger than the size limit",
    "415": "Not a content type the operation accepts",
    "429": "Rate limit exceeded; retry after the Retry-After header",
}
_ALWAYS = ("400", "401", "403", "404", "405", "406", "429")  # 404: also a page past the last
_WITH_BODY = ("413", "415")


# Answers that are a subset of another's (a partner's view of a report, of staff's):
# closed, so that `oneOf` the two picks exactly one for any answer.
CLOSED_COMPONENTS = ("ReportPartner",)


def add_error_responses(result, generator, request, public):
    components = result.setdefault("components", {}).setdefault("schemas", {})
    for name in CLOSED_COMPONENTS:
        if name in components:
            components[name]["additionalProperties"] = False
    components.setdefault("Error", ERROR_SCHEMA)
    reference = {"$ref": "#/components/schemas/Error"}
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            codes = list(_ALWAYS)
            if "requestBody" in operation:
                codes += _WITH_BODY
            for code in codes:
                entry = responses.setdefault(code, {"description": _DESCRIPTIONS[code]})
                entry.setdefault("content", {"application/json": {"schema": reference}})
    return result
