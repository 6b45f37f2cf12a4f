"""Interface strings translated when a template is compiled (constant_gettext) print exactly what the runtime
gettext prints, and only calls whose result cannot vary are folded."""

import gettext

import pytest
from jinja2 import DictLoader, Environment, pass_context

from iop_directory.constant_gettext import ConstantGettext
from iop_directory.translations import translations_for

TEMPLATES = {
    "page.html": (
        "<p>{{ _('All programs') }}</p>"
        "<p title=\"{{ gettext('All programs') }}\">{{ _('Fish & chips <b>') }}</p>"
        "<p>{{ _('100%% sure') }}|{{ _('Page %(n)s', n=2) }}|{{ labels._('All programs') }}</p>"
        "{% set label = _('All programs') %}<p>{{ label ~ '<i>' }}</p>"
        "{% autoescape false %}{% endautoescape %}"
    ),
    "plain.html": "<p>{{ _('All programs') }}{{ _('Fish & chips <b>') }}{{ label ~ _('100%% sure') }}</p>",
}


class Labels:
    def _(self, text):
        return "labels:" + text


def environment(translations, constant):
    env = Environment(loader=DictLoader(TEMPLATES), autoescape=True, extensions=["jinja2.ext.i18n"])
    env.install_gettext_translations(translations, newstyle=True)
    if constant:
        env.iop_gettext = translations.gettext
        env.add_extension(ConstantGettext)
    return env


@pytest.mark.parametrize("lang", ["en", "es", "pt"])
@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_same_output_as_runtime_gettext(lang, name):
    translations = translations_for(lang)
    context = {"labels": Labels(), "label": "<x>"}
    runtime = environment(translations, constant=False).get_template(name).render(context)
    compiled = environment(translations, constant=True).get_template(name).render(context)
    assert compiled == runtime
    if lang == "es":
        assert "Todos los programas" in compiled
    assert "&lt;x&gt;" in compiled or name == "page.html"  # variables are still escaped next to constants


def test_literals_are_not_looked_up_while_rendering():
    env = environment(translations_for("es"), constant=True)
    template = env.get_template("plain.html")  # compiled with the real catalogue

    def refuse(*args, **kwargs):
        raise AssertionError("gettext called at render time")

    env.globals["gettext"] = env.globals["_"] = refuse
    expected = environment(translations_for("es"), constant=False).get_template("plain.html").render(label="")
    assert template.render(label="") == expected
    assert expected.startswith("<p>Todos los programas")


def test_calls_with_variables_or_in_autoescape_templates_stay_at_runtime():
    env = environment(gettext.NullTranslations(), constant=True)
    calls = []
    runtime = env.globals["_"]

    @pass_context
    def counting(context, text, **variables):
        calls.append(text)
        return runtime(context, text, **variables)

    env.globals["_"] = counting
    # page.html has an {% autoescape %} block: nothing in it is folded
    env.get_template("page.html").render(labels=Labels(), label="")
    assert "All programs" in calls and "Page %(n)s" in calls


def test_a_literal_the_runtime_call_would_fail_on_is_left_to_it():
    """'50% off' % {} fails; folded, it would stop the template from compiling even where it is never printed."""
    env = environment(gettext.NullTranslations(), constant=True)
    env.loader.mapping["odd.html"] = "{% if show %}{{ _('50% off') }}{% endif %}ok"
    template = env.get_template("odd.html")
    assert template.render(show=False) == "ok"
    with pytest.raises((ValueError, TypeError)):  # as without the extension
        template.render(show=True)
