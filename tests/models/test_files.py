"""Entity files and subscriptions: what is sent, what is read, and unknown subscriber kinds."""

from __future__ import annotations

from amocrm_async.models import EntityFile, SubscriberType, Subscription

UUID = "6cbab3d5-c4c1-46ff-b710-ad59ad10805f"


def test_an_entity_file_sends_only_its_uuid() -> None:
    attached = EntityFile.model_validate(
        {"file_uuid": UUID, "id": 9, "_links": {"self": {"href": "https://a/b"}}}
    )
    assert (attached.file_uuid, attached.id) == (UUID, 9)
    assert attached.to_api() == {"file_uuid": UUID}


def test_subscriber_kinds_parse_as_the_enum_and_a_new_kind_stays_a_string() -> None:
    user, group, robot = (
        Subscription.model_validate({"subscriber_id": 1, "type": kind})
        for kind in ("user", "group", "robot")
    )
    assert (user.type, group.type) == (SubscriberType.USER, SubscriberType.GROUP)
    assert user.type is SubscriberType.USER
    assert robot.type == "robot" and type(robot.type) is str
    assert Subscription.model_validate({"subscriber_id": 2}).type is None
