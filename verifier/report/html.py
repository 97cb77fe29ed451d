"""Report data → one self-contained HTML page (inline CSS and JS, no network access).

Two layers keep a hostile history from running script in the viewer:
- text rendered by the template goes through jinja2's autoescaping;
- the data the script draws is embedded as JSON in a `<script type="application/json">`
  block with `<`, `>`, `&` and the JS line separators written as `\\uXXXX` escapes, so no
  value can close the block (`</script>`) or open a comment (`<!--`). The script reads it
  with `JSON.parse(textContent)` and puts strings on the page with `textContent` only.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

import jinja2
from markupsafe import Markup
from taala.formats.jsonl import to_json_bytes

_TEMPLATES = files("taala.report") / "templates"
_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026", 0x2028: "\\u2028", 0x2029: "\\u2029"}
VERDICT_WORDS = {True: ("valid", "valid"), False: ("INVALID", "invalid"), "unknown": ("unknown", "unknown")}


def script_json(data: Any) -> Markup:
    """JSON that is safe to place verbatim inside a <script> element."""
    return Markup(to_json_bytes(data).decode().translate(_ESCAPES))


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: (_TEMPLATES / name).read_text(encoding="utf-8")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(data: dict[str, Any]) -> str:
    word, css_class = VERDICT_WORDS[data["verdict"]]
    return _environment().get_template("report.html.j2").render(
        data=data,
        data_json=script_json(data),
        verdict_word=word,
        verdict_class=css_class,
        css=Markup((_TEMPLATES / "report.css").read_text(encoding="utf-8")),
        js=Markup((_TEMPLATES / "report.js").read_text(encoding="utf-8")),
    )
