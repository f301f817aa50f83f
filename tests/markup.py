"""Check HTML for anything a browser would execute (used by the sanitizer and XSS tests)."""
from html.parser import HTMLParser

DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "svg", "math", "style", "link", "meta", "base", "form"}
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data"}


PAGE_TAGS = {"meta", "link", "form", "svg"}  # ours: layout and server-drawn charts (attributes still checked below)


class _Scanner(HTMLParser):
    def __init__(self, page: bool):
        super().__init__(convert_charrefs=True)
        self.problems = []
        self.page = page

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if self.page and tag == "script" and (values.get("src") or "").startswith("/static/"):
            pass  # our own vendored script files
        elif self.page and tag in PAGE_TAGS:
            if tag == "form" and (values.get("action") or "/").lower().lstrip().startswith("javascript"):
                self.problems.append("<form action=javascript>")
        elif tag in DANGEROUS_TAGS:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{tag}[{name}]")
            if name in URL_ATTRS and value:
                scheme = "".join(value.split()).lower()
                if scheme.startswith(("javascript:", "vbscript:", "data:")):
                    self.problems.append(f"{tag}[{name}={value}]")
            if name == "style" and value and ("expression" in value.lower() or "url(" in value.lower()):
                self.problems.append(f"{tag}[style]")


def executable_markup(html: str, *, page: bool = False) -> list[str]:
    """Return what in ``html`` could run script in a browser (empty when safe).

    With ``page``, ``html`` is a whole page of ours: its meta/link/form tags and scripts
    loaded from /static/ are expected; anything else executable is a problem.
    """
    scanner = _Scanner(page)
    scanner.feed(html)
    scanner.close()
    return scanner.problems
