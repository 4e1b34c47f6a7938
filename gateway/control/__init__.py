"""The control plane: the operations the console and the AWS CLI perform on the model, OpenAPI
import and export, and client SDK generation.

May import: `model`, `integrations`, `traffic`.
"""
