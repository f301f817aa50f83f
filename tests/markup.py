"""Check HTML for anything a browser would execute (used by the sanitizer and XSS tests)."""
from html.parser import HTMLParser

DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "svg", "math", "style", "link", "meta", "base", "form"}
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data"}


class _Scanner(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []

    def handle_starttag(self, tag, attrs):
        if tag in DANGEROUS_TAGS:
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


def executable_markup(html: str) -> list[str]:
    """Return what in ``html`` could run script in a browser (empty when safe)."""
    scanner = _Scanner()
    scanner.feed(html)
    scanner.close()
    return scanner.problems
