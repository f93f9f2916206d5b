"""`ledger schema [EVENT]`: the JSON Schema of every event type, as exported."""

from __future__ import annotations

import json

import click


@click.command()
@click.argument("event", required=False)
@click.option("--list", "list_names", is_flag=True, help="Only name the event types.")
def schema(event: str | None, list_names: bool) -> None:
    """Print the JSON Schema of every event type, or of EVENT (e.g. ComplaintFiled).

    Each schema describes one record of `ledger export --format jsonl`: the
    metadata every event carries and, under `data`, the event's own fields;
    fields from a closed vocabulary list their terms. Without EVENT, a JSON
    object maps each event name to its schema. No ledger database is needed.
    """
    from ledger.schemas import all_json_schemas, event_class, event_names, json_schema

    if list_names:
        if event is not None:
            raise click.UsageError("--list names every event type: leave out EVENT")
        click.echo("\n".join(event_names()))
        return
    document = all_json_schemas() if event is None else json_schema(event_class(event))
    click.echo(json.dumps(document, ensure_ascii=False, indent=2))
