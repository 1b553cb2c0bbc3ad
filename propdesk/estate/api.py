"""API viewsets (filled in by the API work)."""


def register(router) -> None:
    """Add this app's viewsets to the /api/v1/ router."""
