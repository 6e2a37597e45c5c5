"""Progress reporting shared by the perplexity engine and generation."""

from audit.progress._terminal import TerminalProgress

__all__ = ["TerminalProgress"]
