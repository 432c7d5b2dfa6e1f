def register(router):
    """Registers this app's endpoints on the v1 router."""
