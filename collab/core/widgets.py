"""Form widgets shared by the pages."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join


class PlainSelect(forms.Select):
    """A select whose options are rendered in Python, as one string: a list of
    hundreds of people costs one loop instead of a template render per option."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        options = format_html_join(
            "",
            "{}",
            (
                (
                    format_html('<option value="{}" selected>{}</option>', o["value"], o["label"])
                    if o["selected"]
                    else format_html('<option value="{}">{}</option>', o["value"], o["label"]),
                )
                for _group, choices, _index in widget["optgroups"]
                for o in choices
            ),
        )
        return format_html(
            '<select name="{}"{}>{}</select>', widget["name"], flatatt(widget["attrs"]), options
        )
