"""Each page's chapter of the manual (docs/manual): the help link in every page's header."""

from __future__ import annotations

# Each page's chapter: (path prefix, role or None for any, chapter and anchor), first match
# wins. Every HTML page of the app links its chapter (``help_link``); a test checks each
# target exists in the built manual.
HELP_CHAPTERS: tuple[tuple[str, str | None, str], ...] = (
    ("/portal", None, "public.html"),
    ("/manual", None, "index.html"),
    ("/login", None, "index.html#sign-in"),
    ("/maps/", None, "planner.html#coverage-map"),
    ("/census/upload", None, "planner.html#census-import"),
    ("/census/households", None, "surveyor.html#household-form"),
    ("/census/verification", None, "surveyor.html#verify"),
    ("/odk", None, "surveyor.html#odk-collect"),
    ("/forms", "school", "school.html#office-forms"),
    ("/forms", "viewer", "public.html#office-forms"),
    ("/forms", None, "surveyor.html#office-forms"),
    ("/data-rounds", "school", "school.html#data-rounds"),
    ("/data-rounds", None, "planner.html#data-rounds"),
    ("/ict", "school", "school.html#ict"),
    ("/ict", None, "planner.html#ict"),
    ("/schools/", "school", "school.html#school-page"),
    ("/schools/", None, "planner.html#schools"),
    ("/admin", None, "admin.html#usage"),
    ("/ogc", None, "public.html#qgis"),
    ("/docs", None, "public.html#api"),
    ("/feedback", None, "public.html#feedback"),
    ("/api/v1/reports", None, "planner.html#report"),
    ("/", "admin", "admin.html"),
    ("/", "planner", "planner.html"),
    ("/", "surveyor", "surveyor.html"),
    ("/", "school", "school.html"),
    ("/", None, "index.html"),
)


def help_link(path: str, role: str | None) -> str:
    """The manual's chapter (and section) for a page of the app, as the reader's role does it."""
    for prefix, for_role, chapter in HELP_CHAPTERS:
        if path.startswith(prefix) and for_role in (None, role):
            return f"/manual/{chapter}"
    return "/manual/index.html"
