"""The OpenAPI document of /api/v1/ tells the truth: one schema name per enum, and the 4xx answers.

- Names. Pydantic names a class's schema by its last name only (``Kind``), and django-ninja merges
  the schemas of every operation into one ``components.schemas`` by that name, so ``OrgUnit.Kind``
  and ``Provider.Kind`` became one enum and the document listed the wrong values. A class nested in
  another (every Django model's choices) is named here by its qualified name instead
  (``OrgUnitKind``, ``PlannedOutageStatus``, ``CallbackStatus``); core/tests/test_openapi_document
  checks every enum of the document against the choices it stands for.
- Errors. Every operation documents the error answers it can give, with the one error body
  (``ErrorOut``): 400 where a body that is not JSON can be sent, 401 and 403 where a sign-in is
  needed, 404 where the path names an object or the
  body refers to one, 409 on writes (a workflow step that is not allowed now), 422 where there is
  input to refuse.
"""

import re
from typing import Any

import ninja.openapi.schema as ninja_openapi
from ninja import Schema
from ninja.schema import NinjaGenerateJsonSchema
from pydantic import Field
from pydantic.json_schema import CoreModeRef, DefsRef

ERROR_SCHEMA = "ErrorOut"


class ErrorDetail(Schema):
    code: str = Field(description="What went wrong, for programs: `validation_error`, `unauthorized`, "
                                  "`forbidden`, `action_not_allowed`, `not_found`, `invalid_transition`, …")
    message: str = Field(description="What went wrong, in the language of the request.")
    fields: dict[str, str] = Field(description="Each bad input's dotted path (`attributes.dn`, "
                                               "`Idempotency-Key`) and its problem; empty when no input "
                                               "is to blame.")


class ErrorOut(Schema):
    """Every 4xx answer of the API."""

    error: ErrorDetail


class QualifiedNameJsonSchema(NinjaGenerateJsonSchema):
    """Schema names from the qualified class name: ``OrgUnit.Kind`` → ``OrgUnitKind``."""

    def get_defs_ref(self, core_mode_ref: CoreModeRef) -> DefsRef:
        key = super().get_defs_ref(core_mode_ref)
        core_ref, mode = core_mode_ref
        if re.search(r"[\[\],]", core_ref):  # a generic (Page[RequestOut]): pydantic's name is fine
            return key
        dotted = core_ref.rsplit(":", 1)[0].split(".")
        qualified = [dotted[-1]]
        for part in reversed(dotted[:-1]):  # the enclosing classes, up to the module
            if not part[:1].isupper():
                break
            qualified.insert(0, part)
        if len(qualified) > 1:
            choices = self._prioritized_defsref_choices[key]
            name = self.normalize_name("".join(qualified))
            choices[0] = DefsRef(name)
            choices[1] = DefsRef(f"{name}-{'Input' if mode == 'validation' else 'Output'}")
        return key


# django-ninja builds every operation's schemas with the generator its openapi module names.
setattr(ninja_openapi, "NinjaGenerateJsonSchema", QualifiedNameJsonSchema)  # noqa: B010 — a module's global

_ERROR_ANSWERS = {
    400: "The body is not JSON.",
    401: "Not signed in: no token, a token that is unknown, revoked or expired, or no session.",
    403: "The role may not use this endpoint or take this step.",
    404: "No such object, or it lies outside what the user may see.",
    409: "The object's workflow does not allow this step now.",
    422: "Bad input: `fields` names each bad input and its problem; nothing was saved.",
}
_WRITES = {"post", "put", "patch", "delete"}


def _refers_to_objects(operation: dict[str, Any], schemas: dict[str, Any]) -> bool:
    """Whether the body holds ids or codes that may name nothing (``service_point_id``, ``provider``)."""
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    ref = body.get("$ref", "")
    properties = schemas.get(ref.rsplit("/", 1)[-1], {}).get("properties", {})
    return any(name.endswith(("_id", "_ids")) or name in {"provider", "responsible_unit", "device", "devices",
                                                          "request_type", "outage", "into"}
               for name in properties)


def document_errors(document: dict[str, Any]) -> None:
    """Add the error answers to every operation of ``document`` (an OpenAPI dict), with ErrorOut."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    error_schema = ErrorOut.model_json_schema(ref_template=ninja_openapi.REF_TEMPLATE,
                                              schema_generator=QualifiedNameJsonSchema)
    schemas.update(error_schema.pop("$defs", {}))
    schemas[ERROR_SCHEMA] = error_schema
    reference = {"$ref": ninja_openapi.REF_TEMPLATE.format(model=ERROR_SCHEMA)}
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            codes = [400] if "requestBody" in operation else []
            if operation.get("security"):
                codes += [401, 403]
            if "{" in path or (method in _WRITES and _refers_to_objects(operation, schemas)):
                codes.append(404)
            if method in _WRITES:
                codes.append(409)
            if operation.get("parameters") or operation.get("requestBody") or method in _WRITES:
                codes.append(422)
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(code, {"description": _ERROR_ANSWERS[code],
                                            "content": {"application/json": {"schema": reference}}})


def enum_schemas(document: dict[str, Any]) -> dict[str, list[Any]]:
    """Each enum of the document's components and its values."""
    return {name: schema["enum"] for name, schema in document.get("components", {}).get("schemas", {}).items()
            if "enum" in schema}
