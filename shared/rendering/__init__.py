"""Safe placeholder rendering (pure: standard library only)."""

from shared.rendering.placeholders import (
    RenderedText,
    placeholder_names,
    render_text,
    to_format_string,
)

__all__ = ["RenderedText", "placeholder_names", "render_text", "to_format_string"]
