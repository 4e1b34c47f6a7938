"""OpenAPI import and export: AWS's ImportRestApi, PutRestApi (overwrite or merge) and GetExport.

An OpenAPI 3.0.x or Swagger 2.0 document, with the x-amazon-apigateway-* extensions, becomes
the resource model (resources, methods, integrations, models, request validators, gateway
responses, authorizers, the resource policy and the API's settings) and back. Every problem in
a document is reported at once, each with the JSON pointer of the value at fault; an import
that fails changes nothing.

Security schemes become authorizers (`x-amazon-apigateway-authorizer`: Lambda token or request,
Cognito user pools; `x-amazon-apigateway-authtype` kept as the authorizer's authType), AWS_IAM
(authtype awsSigv4) or API key requirements, and a method's `security` points it at one
(`reader` reads the schemes, `paths` the requirements, `build` gives authorizers their ids);
`export` writes them back so that an export imports to the same API.
"""

from gateway.control.openapi.build import import_openapi
from gateway.control.openapi.export import export_openapi
from gateway.control.openapi.text import pointer

__all__ = ["export_openapi", "import_openapi", "pointer"]
