"""Who may call: SigV4 signing and verification, IAM policy evaluation, Cognito user pools, and
the method authorization of REST APIs (resource policies, AWS_IAM, Lambda and Cognito authorizers).

May import: `model`, `integrations`.
"""
