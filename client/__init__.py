"""The audit service's HTTP client, shared by the CLI and audit.integrations."""

from client._service import DEFAULT_API, ServiceClient, ServiceError, service_token

__all__ = ["DEFAULT_API", "ServiceClient", "ServiceError", "service_token"]
