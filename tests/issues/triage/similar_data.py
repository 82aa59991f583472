"""Fifty issues of one project for the duplicate-detection tests: a reworded duplicate of the
new report, three decoys sharing one word with it each, and 46 unrelated issues."""

NEW_REPORT = {
    "title": "Login page crashes when the password contains an emoji",
    "body": "Typing a password with an emoji on the login page makes the whole page crash with a blank screen.",
}
REWORDED_DUPLICATE = {
    "title": "App crashed at sign in because my password had emoji characters",
    "body": "I use emoji in my password. Signing in crashes the app every time.",
}
DECOYS = [
    {"title": "Password reset email never arrives", "body": "Requested a reset twice, nothing in the inbox."},
    {"title": "Crash when uploading large attachments", "body": "Files over 2 GB stop the upload with an error."},
    {"title": "Emoji picker missing in comments", "body": "Would like to react to comments quickly."},
]
_SUBJECTS = [
    "CSV export",
    "dark mode",
    "invoice PDF",
    "search results",
    "notification settings",
    "API rate limits",
    "calendar sync",
    "billing page",
    "webhook retries",
    "audit log",
    "user avatars",
    "mobile layout",
    "keyboard shortcuts",
    "time zones",
    "project archive",
    "SAML setup",
    "report charts",
    "bulk edit",
    "team invitations",
    "markdown tables",
    "dashboard widgets",
    "data import",
    "print view",
]
_PROBLEMS = [
    ("{} shows the wrong totals", "The numbers differ from the ones in the spreadsheet."),
    ("Add filters to {}", "It would help to narrow the list by owner and date."),
]
UNRELATED = [
    {"title": title.format(subject).capitalize(), "body": body} for subject in _SUBJECTS for title, body in _PROBLEMS
]
assert len(UNRELATED) == 46
