"""The local stack: Heard on loopback with moto, built from template.yaml (``make run``).

``template`` reads the template, ``provision`` creates its resources in moto, ``runtime`` loads
handlers in-process, ``http_api`` / ``sqs_source`` / ``schedules`` emulate API Gateway, the SQS
event source mapping and EventBridge, ``stack`` ties them together, ``defaults`` holds the local
secrets and names everything else imports.
"""
