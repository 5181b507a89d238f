"""Compatibility of the PyPI `pocketbase` SDK with the server under test."""

import pytest
from pocketbase import PocketBase
from pocketbase.errors import ClientResponseError

from conftest import SUPERUSER_EMAIL, SUPERUSER_PASSWORD

HOSTILE = "'; DROP TABLE notes; -- \"q\" 日本語"


@pytest.fixture(scope="module")
def pb(server):
    client = PocketBase(server)
    client.collection("_superusers").auth_with_password(SUPERUSER_EMAIL, SUPERUSER_PASSWORD)
    return client


def test_superuser_auth(pb):
    assert pb.auth_store.is_valid
    # The SDK's `is_superuser` reads `collection_id` from the JWT, but PocketBase's claim is
    # `collectionId`, so it is False even against PocketBase; check the record instead.
    assert pb.auth_store.record.collection_name == "_superusers"
    assert pb.auth_store.record.collection_id == "pbc_3142635823"
    assert pb.auth_store.record.email == SUPERUSER_EMAIL


def test_wrong_password_is_400(server):
    with pytest.raises(ClientResponseError) as e:
        PocketBase(server).collection("_superusers").auth_with_password(SUPERUSER_EMAIL, "nope-nope")
    assert e.value.status == 400


def test_collection_and_records(pb):
    pb.collections.create({
        "name": "notes", "type": "base", "listRule": "", "viewRule": "",
        "fields": [
            {"name": "title", "type": "text", "required": True},
            {"name": "n", "type": "number"},
            {"name": "done", "type": "bool"},
            {"name": "meta", "type": "json"},
        ],
    })
    ids = {}
    for i, title in enumerate(["one", "two", "three", HOSTILE]):
        rec = pb.collection("notes").create({"title": title, "n": i, "done": i % 2 == 0, "meta": {"i": i}})
        ids[title] = rec.id
        assert rec.collection_name == "notes"
    got = pb.collection("notes").get_one(ids[HOSTILE])
    assert got.title == HOSTILE and got.meta == {"i": 3}

    page = pb.collection("notes").get_list(1, 2, {"sort": "-n"})
    assert (page.page, page.per_page, page.total_items, page.total_pages) == (1, 2, 4, 2)
    assert [r.title for r in page.items] == [HOSTILE, "three"]

    flt = pb.filter("title = {:t} || n >= {:n}", {"t": HOSTILE, "n": 2})
    assert sorted(r.title for r in pb.collection("notes").get_full_list(query_params={"filter": flt})) == sorted(
        [HOSTILE, "three"]
    )
    assert pb.collection("notes").get_first_list_item('title = "two"').id == ids["two"]

    upd = pb.collection("notes").update(ids["one"], {"title": "uno"})
    assert upd.title == "uno" and upd.n == 0

    with pytest.raises(ClientResponseError) as e:
        pb.collection("notes").create({"n": 1})
    assert e.value.status == 400
    assert e.value.data["data"]["title"]["code"] == "validation_required"

    with pytest.raises(ClientResponseError) as e:
        pb.collection("notes").get_list(1, 10, {"filter": "title ~"})
    assert e.value.status == 400

    pb.collection("notes").delete(ids["two"])
    with pytest.raises(ClientResponseError) as e:
        pb.collection("notes").get_one(ids["two"])
    assert e.value.status == 404

    pb.collections.delete("notes")
    with pytest.raises(ClientResponseError) as e:
        pb.collections.get_one("notes")
    assert e.value.status == 404
