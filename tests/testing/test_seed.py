from __future__ import annotations

from collections import Counter

from amocrm_async.testing import FakeAmoCRM, VirtualClock


def test_seed_100k_leads() -> None:
    fake = FakeAmoCRM(clock=VirtualClock())
    result = fake.seed(leads=100_000, contacts=1_000, companies=200)
    assert len(result.leads) == 100_000
    assert len(set(result.leads)) == 100_000
    assert fake.count("leads") == 100_000
    assert fake.count("contacts") == 1_000
    assert fake.count("companies") == 200
    assert fake.stats.total_requests == 0  # seeding bypasses HTTP


def test_seed_is_deterministic() -> None:
    def first_entities(seed: int) -> tuple[object, ...]:
        fake = FakeAmoCRM(clock=VirtualClock(), seed=seed)
        fake.seed(leads=20, contacts=5, companies=2)
        return (fake.entities("leads")[:5], fake.entities("contacts"), fake.entities("companies"))

    assert first_entities(7) == first_entities(7)
    assert first_entities(7) != first_entities(8)


def test_seeded_data_is_realistic() -> None:
    clock = VirtualClock()
    fake = FakeAmoCRM(clock=clock)
    fake.seed(leads=2_000, contacts=100, companies=20)
    leads = fake.entities("leads")
    pipelines = Counter(lead["pipeline_id"] for lead in leads)
    statuses = Counter(lead["status_id"] for lead in leads)
    assert len(pipelines) == 2
    assert statuses[142] > 0 and statuses[143] > 0 and len(statuses) > 6
    assert len({lead["responsible_user_id"] for lead in leads}) >= 4
    assert any(lead["_embedded"]["tags"] for lead in leads)
    assert any(lead["_embedded"].get("contacts") for lead in leads)
    assert any(lead["_embedded"]["companies"] for lead in leads)
    assert all(lead["created_at"] <= lead["updated_at"] <= clock.time() for lead in leads)
    assert len({lead["created_at"] // 86_400 for lead in leads}) > 100  # spread over the year
    lost = [lead for lead in leads if lead["status_id"] == 143]
    assert all(lead["loss_reason_id"] and lead["closed_at"] for lead in lost)
    field_types = {f["field_type"] for lead in leads for f in lead["custom_fields_values"] or ()}
    assert {"select", "numeric", "text", "checkbox", "date", "tracking_data"} <= field_types
    contact_fields = {
        f["field_code"] for c in fake.entities("contacts") for f in c["custom_fields_values"]
    }
    assert {"PHONE", "EMAIL"} <= contact_fields


def test_seed_other_account() -> None:
    fake = FakeAmoCRM(clock=VirtualClock())
    fake.add_account("globex", tld="kommo.com")
    fake.seed(leads=5, account="globex")
    assert fake.count("leads") == 0
    assert fake.count("leads", account="globex") == 5
    assert fake.count("leads", account="globex.kommo.com") == 5
