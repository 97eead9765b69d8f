"""Real servers for the integration tests, each started on 127.0.0.1 in a directory of its own.

Azurite (Azure Blob), an OpenStack Swift all-in-one (tempauth and s3api), RabbitMQ with AMQP 1.0 and
PostgreSQL clusters. Each module starts one kind; `servers.fixtures` wraps them in session fixtures
that stop them when the session ends, whatever happened. Recipes: shared/reference/local-real-components.md.
"""
