"""viosaudit: are our VIOS exposed, and what does fixing them cost the business?"""

__version__ = "0.1.0"


def tool_version() -> str:
    """The installed package's version (``viosaudit --version``, the About section); ``__version__``
    when running from a source tree that was never installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("viosaudit")
    except PackageNotFoundError:
        return __version__
