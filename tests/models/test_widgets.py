"""Widget, talk and website-button models: only what may be written is sent; ids mirrored."""

from __future__ import annotations

from amocrm_async.models import Talk, WebsiteButton, Widget


def test_a_widget_sends_only_its_settings() -> None:
    widget = Widget.model_validate(
        {
            "id": 1,
            "code": "amo_x",
            "rating": 4.5,
            "settings_template": [{"key": "k", "is_required": True}, {"key": "o"}],
            "settings": {"k": "v"},
            "surprise": True,
        }
    )
    assert (widget.rating, widget.required_settings()) == (4.5, ["k"])
    assert widget.to_api() == {"settings": {"k": "v"}}


def test_talks_and_buttons_take_their_id_from_the_api_key() -> None:
    assert Talk.model_validate({"talk_id": 5}).id == 5
    assert Talk.model_validate({"id": 6, "talk_id": 5}).id == 6
    assert WebsiteButton.model_validate({"source_id": 8}).id == 8
    assert WebsiteButton.model_validate({"source_id": 8, "name": "x"}).to_api() == {}
