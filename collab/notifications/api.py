def register(router):
    """Registers the inbox endpoints on the v1 router."""
