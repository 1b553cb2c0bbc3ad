"""`BuiltFieldsOnce`: an output serializer's fields are built once per class and
language, and every instance still gets fields of its own."""

from django.utils import translation

from propdesk.desk.serializers import TicketEventOutput


def test_fields_are_built_once_per_language_and_copied_per_instance(monkeypatch):
    from rest_framework import serializers

    built = []
    original = serializers.ModelSerializer.get_fields

    def counting(self):
        built.append(translation.get_language())
        return original(self)

    monkeypatch.setattr(serializers.ModelSerializer, "get_fields", counting)
    monkeypatch.setattr("propdesk.core.api._BUILT_FIELDS", {})
    with translation.override("zh-hans"):
        first, second = TicketEventOutput().fields, TicketEventOutput().fields
        chinese = str(first["at"].label)
    with translation.override("en"):
        english = str(TicketEventOutput().fields["at"].label)

    assert built == ["zh-hans", "en"]  # once per language, not per instance
    assert first["at"] is not second["at"] and first["at"].parent is not second["at"].parent
    assert chinese != english
