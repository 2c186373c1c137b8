from .routes import SERVICE

__all__ = ["SERVICE"]
