"""The links every page carries, built once instead of with url_for on every render.

The layout links the stylesheet, the script and the menu's pages, and the check form its
target: nine url_for calls on the form page, a third of its rendering time. They change
only with where the app is mounted (the request's script root; with no SERVER_NAME set
the links are relative), so they are built for one script root and rebuilt only when a
request comes in under another.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, request, url_for


@dataclass(frozen=True)
class Links:
    script_root: str
    stylesheet: str
    script: str
    check_page: str
    submit_check: str
    list_page: str
    faq_page: str
    history_page: str
    session_page: str
    my_medicines_page: str
    privacy_page: str

    @classmethod
    def build(cls) -> Links:
        """The links for the current request's script root."""
        return cls(
            script_root=request.script_root,
            stylesheet=url_for("static", filename="css/site.css"),
            script=url_for("static", filename="js/autocomplete.js"),
            check_page=url_for("pages.check_page"),
            submit_check=url_for("pages.submit_check"),
            list_page=url_for("medlist.list_page"),
            faq_page=url_for("faq.faq_page"),
            history_page=url_for("pages.history_page"),
            session_page=url_for("pages.session_page"),
            my_medicines_page=url_for("my_medicines.list_page"),
            privacy_page=url_for("privacy.privacy_page"),
        )


def init_app(app: Flask) -> None:
    """Give every template `links`, e.g. `{{ links.check_page }}`."""
    latest: Links | None = None

    @app.context_processor
    def inject_links() -> dict[str, Links]:
        nonlocal latest
        if latest is None or latest.script_root != request.script_root:
            latest = Links.build()
        return {"links": latest}
