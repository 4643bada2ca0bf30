"""`regwatch related CHANGE_ID`: every related-article link of a change, with scores and terms."""

from __future__ import annotations

import json

import click

from alerts.render import safe
from watcher.cli.app import Settings, main
from watcher.errors import WatchError


@main.command()
@click.argument("change_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="The links as JSON.")
@click.pass_obj
def related(settings: Settings, change_id: int, as_json: bool) -> None:
    """Related articles found for each new document of a change (shown and not), best first.

    Each link has its score and the salient terms it shares with the document; links
    marked * are the ones alerts show (above the threshold, best 3).
    """
    store = settings.store(readonly=True)
    try:
        if "related" not in store.db.table_names():
            raise WatchError("this database predates related links; run `regwatch check` once to upgrade it")
        change = store.change(change_id)
        if change is None:
            raise WatchError(f"no change with id {change_id} (see `regwatch history`)")
        items = {item.key: item for item in store.change_items(change_id)}
        state = store.db.execute("SELECT enrichment FROM changes WHERE id = ?", [change_id]).fetchone()[0]
        rows = store.related_rows(change_id)
    finally:
        store.close()
    documents: dict[str, list[dict]] = {key: [] for key in items}
    if change.diff:
        documents.setdefault("", [])
    for row in rows:
        documents.setdefault(row["item_key"], []).append(row)
    if as_json:
        out = []
        for key, links in documents.items():
            item = items.get(key)
            out.append(
                {
                    "item_key": key,
                    "title": item.title if item else "(page edit)",
                    "link": item.link if item else "",
                    "followed": _followed(item),
                    "related": [
                        {
                            "rank": r["rank"],
                            "score": r["score"],
                            "shown": bool(r["shown"]),
                            "title": r["title"],
                            "link": r["link"],
                            "source_id": r["source_id"],
                            "source_name": r["source_name"],
                            "date": r["date"],
                            "terms": json.loads(r["terms"]),
                            "reason": r.get("reason", ""),
                        }
                        for r in links
                    ],
                }
            )
        click.echo(json.dumps({"change_id": change_id, "enrichment": state, "documents": out}, indent=2))
        return
    click.echo(f"Change {change_id} of {safe(change.source_id)}: {safe(change.summary)}")
    if state == "pending":
        click.echo("  (following and linking are not finished yet)")
    if not documents:
        click.echo("  no new documents to link")
    for key, links in documents.items():
        item = items.get(key)
        click.echo("")
        click.echo(f"{safe(item.title, 300) if item else '(page edit)'}  {safe(item.link) if item else ''}")
        followed = _followed(item)
        if followed:
            click.echo(f"  document: {followed}")
        if not links:
            click.echo("  no related items found")
        for row in links:
            mark = "*" if row["shown"] else " "
            source = safe(row["source_name"] or row["source_id"], 80)
            date = f" {safe(row['date'], 25)}" if row["date"] else ""
            click.echo(
                f" {mark}{row['rank']:>2}. {row['score']:.3f}  {safe(row['title'], 200)} ({source}{date})"
            )
            click.echo(f"        {safe(row['link'])}")
            terms = ", ".join(safe(t, 60) for t in json.loads(row["terms"]))
            click.echo(f"        matched: {terms or '-'}")
            if row.get("reason"):
                click.echo(f"        why: {safe(row['reason'], 200)}")


def _followed(item) -> str:
    if item is None or not item.link:
        return ""
    if item.text:
        return f"followed, {len(item.text):,} characters"
    if item.text_error:
        return f"not followed: {item.text_error}"
    return "not followed"
