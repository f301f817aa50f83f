"""The one sanitizer: Markdown written by people becomes safe HTML here, and only here.

markdown-it-py renders CommonMark with raw HTML switched off; nh3 (Ammonia) then keeps only
an allow-list of tags, attributes and URL schemes, so a ``javascript:`` link, an event
handler or an ``<svg onload>`` never reaches a learner's browser.
"""
from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"},
                      "th": {"style"}, "td": {"style"}}
URL_SCHEMES = {"http", "https", "mailto"}


IMAGE_PREFIX = "/media/"


def _only_local_images(element: str, attribute: str, value: str) -> str | None:
    """Images load only from our own /media/ files: no tracking pixels, no third-party
    hosts over a village's costly data, no image that triggers one of our GET routes."""
    if element == "img" and attribute == "src":
        return value if value.startswith(IMAGE_PREFIX) and "/.." not in value and "//" not in value[1:] else None
    return value


def render_markdown(text: str) -> str:
    """Return sanitized HTML for Markdown ``text``."""
    html = _md.render(text or "")
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                     link_rel="noopener noreferrer", strip_comments=True, attribute_filter=_only_local_images,
                     filter_style_properties={"text-align"})

