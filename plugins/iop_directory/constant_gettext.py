"""Translate `_('literal')` once, when a template is compiled, instead of on every page.

Every page of an edition prints the same few hundred interface strings; at 1,000 providers a build made about
400,000 gettext calls through Jinja (a context call, the catalogue lookup, a Markup and an escape each). Each
edition has its own Jinja environment with one language, so a call with a single string literal and no variables
has one result per environment: the extension puts that result into the template as a constant (marked safe, as
the newstyle gettext marks it under autoescape). Calls with variables, `{% trans %}` blocks and templates that
switch autoescape themselves keep the runtime gettext. The output is the same text.
"""

from jinja2.ext import Extension
from jinja2.lexer import Token

NAMES = frozenset({"_", "gettext"})


class ConstantGettext(Extension):
    """Replace `_('text')` / `gettext('text')` by `('translated'|safe)` in the token stream."""

    def filter_stream(self, stream):
        translate = getattr(self.environment, "iop_gettext", None)
        tokens = list(stream)
        if translate is None or not self._escapes(stream.name) or _sets_autoescape(tokens):
            return iter(tokens)
        out = []
        i = 0
        while i < len(tokens):
            token = tokens[i]
            text = None
            if (token.type == "name" and token.value in NAMES and i + 3 < len(tokens)
                    and tokens[i + 1].type == "lparen" and tokens[i + 2].type == "string"
                    and tokens[i + 3].type == "rparen" and not (out and out[-1].type == "dot")):
                try:  # "% {}" as the runtime gettext applies it ("%%" becomes "%")
                    text = translate(tokens[i + 2].value) % {}
                except (ValueError, TypeError, KeyError):
                    text = None  # a stray "%" or a variable not given: fails where the runtime call would, if run
            if text is not None:
                line = token.lineno
                out += [Token(line, "lparen", "("), Token(line, "string", text), Token(line, "pipe", "|"),
                        Token(line, "name", "safe"), Token(line, "rparen", ")")]
                i += 4
                continue
            out.append(token)
            i += 1
        return iter(out)

    def _escapes(self, name):
        autoescape = self.environment.autoescape
        return bool(autoescape(name) if callable(autoescape) else autoescape)


def _sets_autoescape(tokens):
    """Whether the template has an {% autoescape %} block (where the runtime gettext's result would differ)."""
    return any(a.type == "block_begin" and b.type == "name" and b.value == "autoescape"
               for a, b in zip(tokens, tokens[1:]))
