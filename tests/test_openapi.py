"""The Open311 endpoint answers as its OpenAPI description (/open311/v2/openapi.json) says:
schemathesis generates requests for every operation from the description (valid and
invalid parameters, hostile strings, filing with and without a key) and checks each answer:
no 5xx, a documented status, the documented content type, the documented JSON shape.
Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import schemathesis
from conftest import World
from hypothesis import HealthCheck, given, settings

from portal.api import keys
from portal.api.models import ApiScope
from portal.extensions import db
from portal.feedback import categories
from portal.satisfaction import catalogue as satisfaction_catalogue
from portal.satisfaction import exchange

EXAMPLES = 300  # per operation and backend
# Checks about the service's own rules, which a schema cannot state: a jurisdiction is needed
# only when several wards are served; a date must also parse; a key must also be valid.
SEMANTIC = [
    schemathesis.checks.positive_data_acceptance,
    schemathesis.checks.negative_data_rejection,
]


def test_open311_answers_as_described(app, world: World):
    categories.provide_defaults(world.ward.id)
    keys.issue_key(world.admin, "iHanoi", world.ward.id)
    db.session.commit()
    schema = schemathesis.openapi.from_wsgi("/open311/v2/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 8
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def answers_as_described(case):
            case.call_and_validate(excluded_checks=SEMANTIC)

        answers_as_described()


def test_the_description_is_served_and_names_every_operation(client):
    document = client.get("/open311/v2/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    operations = {
        (method.upper(), path) for path, item in document["paths"].items() for method in item
    }
    assert operations == {
        ("GET", "/discovery.{format}"),
        ("GET", "/services.{format}"),
        ("GET", "/services/{service_code}.{format}"),
        ("GET", "/requests.{format}"),
        ("POST", "/requests.{format}"),
        ("GET", "/requests/{service_request_id}.{format}"),
        ("GET", "/tokens/{token}.{format}"),
        ("GET", "/servicerequestupdates.{format}"),
    }
    assert document["servers"][0]["url"] == "http://localhost/open311/v2"


def test_the_dossier_api_answers_as_described(app, world: World):
    """The dossier API with the ward's dossier key: generated bodies (every field under
    either name, strings, numbers, nulls, too many records) get a documented status and
    shape, never a 5xx; the ones without a valid key get its 401."""
    satisfaction_catalogue.provide_defaults(world.ward.id)
    _key, raw = keys.issue_key(world.admin, "Một cửa", world.ward.id, scope=ApiScope.DOSSIERS)
    db.session.commit()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    (operation,) = [result.ok() for result in schema.get_all_operations()]
    seen = set()

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def answers_as_described(case):
        response = case.call_and_validate(
            headers={"Authorization": f"Bearer {raw}"}, excluded_checks=SEMANTIC
        )
        seen.add(response.status_code)

    answers_as_described()
    assert {200, 207} & seen  # generated records were taken, not all refused at the door


def test_the_dossier_api_description_names_every_field(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["servers"][0]["url"] == "http://localhost/api/v1"
    body = document["paths"]["/dossiers"]["post"]["requestBody"]["content"]["application/json"]
    fields = body["schema"]["properties"]["dossiers"]["items"]["properties"]
    for column in exchange.COLUMNS:
        assert column.name in fields
        assert column.national is None or column.national in fields
