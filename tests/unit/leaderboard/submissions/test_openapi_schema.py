"""The published OpenAPI schema is valid and generates without warnings (names, operation ids, types)."""
import yaml
from django.core.management import call_command


def test_schema_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    operation_ids = [op["operationId"] for path in schema["paths"].values() for op in path.values()]
    assert len(operation_ids) == len(set(operation_ids))
    assert "/api/submissions/" in schema["paths"] and "/api/leaderboards/{benchmark}/" in schema["paths"]

