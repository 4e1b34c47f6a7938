"""The API Gateway resource model and the shapes every part of the engine shares.

Owns: the resources with AWS's field names and defaults (`resources`), the engine's errors,
gateway responses, the execution log and trace a call records, the runtime store, and the
request types of a REST call (`call`: Request, Response, Call). May import: nothing of the
engine outside this package (it is the bottom layer).
"""
