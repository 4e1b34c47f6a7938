"""OpenAPI import and export: AWS's ImportRestApi, PutRestApi (overwrite or merge) and GetExport.

An OpenAPI 3.0.x or Swagger 2.0 document, with the x-amazon-apigateway-* extensions, becomes
the resource model (resources, methods, integrations, models, request validators, gateway
responses) and back. Every problem in a document is reported at once, each with the JSON
pointer of the value at fault; an import that fails changes nothing.

Authorizers are not in the model yet. Security schemes that name one
(`x-amazon-apigateway-authorizer`, or `x-amazon-apigateway-authtype` custom or
cognito_user_pools) go through `_read_authorizer_scheme` on import (`reader`) and
`_authorizer_security` on export (`export`): the two hooks the authorizer part fills in.
"""

from gateway.control.openapi.build import import_openapi
from gateway.control.openapi.export import export_openapi
from gateway.control.openapi.text import pointer

__all__ = ["export_openapi", "import_openapi", "pointer"]
